# Copyright (c) mmdfkd contributors. All rights reserved.
import copy

import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmdfkd.registry import MODELS
from mmdfkd.testing import save_state_dict, tiny_algorithm, tiny_classifier

BATCH = 6


MEMORY = dict(type='mmdfkd.ReplayMemory', capacity=32, push_per_iter=4,
              replay_batch_size=4)


def _build(**kwargs):
    torch.manual_seed(0)
    algorithm = MODELS.build(tiny_algorithm(**kwargs))
    algorithm.init_weights()
    return algorithm.train()


def _optim(algorithm):
    return OptimWrapperDict(
        architecture=OptimWrapper(
            torch.optim.SGD(algorithm.student.parameters(), lr=0.1)),
        generator=OptimWrapper(
            torch.optim.Adam(algorithm.generator.parameters(), lr=1e-2)))


def _batch(size=BATCH):
    return dict(inputs=[torch.zeros(1, 1, 1)] * size)


def _state(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


def _same(a, b):
    return all(torch.equal(a[k], b[k]) for k in a)


def test_generator_step_leaves_student_and_teacher_untouched():
    algorithm = _build()
    optim = _optim(algorithm)
    sentinel = [
        torch.full_like(p, 0.5) for p in algorithm.student.parameters()
    ]
    for p, g in zip(algorithm.student.parameters(), sentinel):
        p.grad = g.clone()
    student_params = [p.detach().clone()
                      for p in algorithm.student.parameters()]
    teacher = _state(algorithm.teacher)
    generator = _state(algorithm.generator)

    log, _ = algorithm._generator_step(BATCH, optim['generator'])

    assert {'loss_adv', 'loss_bn'} <= set(log)
    for p, before, g in zip(algorithm.student.parameters(), student_params,
                            sentinel):
        assert torch.equal(p, before)
        assert torch.equal(p.grad, g)  # no adversarial gradient leaked
        assert p.requires_grad
    assert _same(teacher, _state(algorithm.teacher))
    assert not _same(generator, _state(algorithm.generator))


def test_train_step_updates_student_and_generator_only():
    algorithm = _build()
    teacher = _state(algorithm.teacher)
    student = _state(algorithm.student)
    generator = _state(algorithm.generator)
    log = algorithm.train_step(_batch(), _optim(algorithm))
    assert set(log) >= {'generator.loss_adv', 'generator.loss_bn',
                        'student.loss_fresh', 'nonfinite_skips'}
    assert 'student.loss_replay' not in log  # no memory attached
    assert _same(teacher, _state(algorithm.teacher))
    assert not algorithm.teacher.training
    assert not _same(student, _state(algorithm.student))
    params = dict(algorithm.generator.named_parameters())
    assert any(not torch.equal(params[k], generator[k]) for k in params)


@pytest.mark.parametrize('store_logits', [True, False])
def test_teacher_work_per_iteration(store_logits):
    algorithm = _build(memory=dict(MEMORY, store_logits=store_logits))
    optim = _optim(algorithm)
    algorithm.train_step(_batch(), optim)
    assert len(algorithm.memory) == 4

    seen = []
    handle = algorithm.teacher.register_forward_hook(
        lambda m, args, out: seen.append(args[0].shape[0]))
    log = algorithm.train_step(_batch(), optim)
    handle.remove()

    k = algorithm.student_iter
    assert 'student.loss_replay' in log
    # one generator step and k student steps; replayed samples need a
    # teacher forward only when their logits are not stored
    assert len(seen) == 1 + k
    replayed = 0 if store_logits else 4 * k
    assert sum(seen) == BATCH * (1 + k) + replayed


def test_priors_on_teacher_logits_and_features():
    algorithm = _build(
        prior_losses=dict(
            onehot=dict(type='mmrazor.OnehotLikeLoss', loss_weight=0.05),
            activation=dict(
                type='mmrazor.ActivationLoss', loss_weight=0.1,
                input='features')),
        bn_loss=None)
    # what each prior is fed: the teacher's logits, or its pre-logit
    # features (as DAFL's activation loss is)
    fed = {}
    for name, loss in algorithm.prior_losses.items():
        loss.register_forward_pre_hook(
            lambda m, args, name=name: fed.setdefault(name, args[0]))
    logits = []
    handle = algorithm.teacher.head.fc.register_forward_hook(
        lambda m, args, out: logits.append((args[0], out)))
    log = algorithm.train_step(_batch(), _optim(algorithm))
    handle.remove()
    features, teacher_logits = logits[0]  # the generator step's call
    assert torch.equal(fed['onehot'], teacher_logits)
    assert torch.equal(fed['activation'], features)
    assert fed['activation'].shape[1] != fed['onehot'].shape[1]
    assert log['generator.loss_onehot'].item() == pytest.approx(
        algorithm.prior_losses['onehot'](teacher_logits).item(), rel=1e-5)
    assert 'generator.loss_bn' not in log


def test_non_finite_generator_output_skips_the_step():
    algorithm = _build()
    with torch.no_grad():
        algorithm.generator.project.weight.fill_(float('nan'))
    student = _state(algorithm.student)
    log = algorithm.train_step(_batch(), _optim(algorithm))
    assert log['nonfinite_skips'] == 1 + algorithm.student_iter
    assert _same(student, _state(algorithm.student))  # BN stats too


def test_latent_stream_is_part_of_the_model_state():
    algorithm = _build()
    optim = _optim(algorithm)
    algorithm.train_step(_batch(), optim)
    state = copy.deepcopy(algorithm.state_dict())
    expected = algorithm._sample_latent(3)
    other = _build()
    other.load_state_dict(state)
    assert torch.equal(other._sample_latent(3), expected)


# ---- bad input: clear errors before training --------------------------
def test_missing_teacher_checkpoint_names_path_and_fix(tmp_path):
    cfg = tiny_algorithm()
    cfg['teachers']['teacher'].update(
        ckpt_path=str(tmp_path / 'nope.pth'),
        ckpt_hint='Train it with configs/teachers/x.py.')
    with pytest.raises(FileNotFoundError) as err:
        MODELS.build(cfg)
    assert 'nope.pth' in str(err.value)
    assert 'configs/teachers/x.py' in str(err.value)
    assert '--cfg-options model.teachers.teacher.ckpt_path' in str(err.value)


def test_file_that_is_not_a_checkpoint(tmp_path):
    path = tmp_path / 'teacher.pth'
    path.write_text('not a checkpoint')
    cfg = tiny_algorithm()
    cfg['teachers']['teacher']['ckpt_path'] = str(path)
    with pytest.raises(ValueError, match='not a PyTorch checkpoint') as err:
        MODELS.build(cfg)
    assert 'model.teachers.teacher.ckpt_path' in str(err.value)
    torch.save({'epoch': 3}, path)
    with pytest.raises(ValueError, match='not a model checkpoint') as err:
        MODELS.build(cfg)
    assert '.pth file saved by the teacher training' in str(err.value)


def test_checkpoint_that_does_not_fit_the_teacher(tmp_path):
    other = MODELS.build(tiny_classifier(1, 10, width=4))
    path = save_state_dict(other, str(tmp_path / 'teacher.pth'))
    cfg = tiny_algorithm()
    cfg['teachers']['teacher']['ckpt_path'] = path
    with pytest.raises(ValueError) as err:
        MODELS.build(cfg)
    assert 'does not fit' in str(err.value)
    assert 'shape mismatches' in str(err.value)
    assert 'build_cfg' in str(err.value)


def test_fitting_checkpoint_is_loaded(tmp_path):
    teacher = MODELS.build(tiny_classifier(1, 10, width=8))
    path = save_state_dict(teacher, str(tmp_path / 'teacher.pth'))
    cfg = tiny_algorithm()
    cfg['teachers']['teacher']['ckpt_path'] = path
    algorithm = MODELS.build(cfg)
    algorithm.init_weights()  # as the runner does: must keep the weights
    assert _same(teacher.state_dict(), algorithm.teacher.state_dict())


def test_teacher_and_student_disagree_on_classes():
    cfg = tiny_algorithm()
    cfg['architecture'] = tiny_classifier(1, 7, width=4)
    with pytest.raises(ValueError, match='number of classes') as err:
        MODELS.build(cfg)
    assert "Set the student head's num_classes" in str(err.value)


def test_generator_output_the_teacher_cannot_take():
    cfg = tiny_algorithm()
    cfg['generator']['out_channels'] = 3
    with pytest.raises(ValueError, match='img_size and out_channels') as err:
        MODELS.build(cfg)
    assert '(3, 8, 8)' in str(err.value)  # what the generator makes


def test_bn_loss_on_a_teacher_without_batchnorm():
    cfg = tiny_algorithm()
    cfg['teachers']['teacher']['build_cfg'] = dict(
        _scope_='mmpretrain', type='ImageClassifier',
        backbone=dict(type='LeNet5', num_classes=10))
    with pytest.raises(ValueError, match='no BatchNorm') as err:
        MODELS.build(cfg)
    assert 'bn_loss=None' in str(err.value)


def test_more_than_one_teacher_is_refused():
    cfg = tiny_algorithm()
    cfg['teachers']['other'] = cfg['teachers']['teacher']
    with pytest.raises(ValueError, match='exactly one'):
        MODELS.build(cfg)


# ---- the memory is part of the distiller ------------------------------
def test_memory_is_built_from_model_memory_and_fed_by_train_step():
    algorithm = _build(memory=MEMORY)
    optim = _optim(algorithm)
    log = algorithm.train_step(_batch(), optim)
    assert len(algorithm.memory) == 4 and algorithm.memory.num_seen == 4
    assert 'student.loss_replay' not in log  # empty during that iteration
    assert log['memory_size'] == 4
    log = algorithm.train_step(_batch(), optim)
    assert 'student.loss_replay' in log and log['memory_size'] == 8
    # what went in are generated samples with their teacher's logits
    samples, logits = algorithm.memory.sample(3)
    with torch.no_grad():
        expected = algorithm.teacher(samples, mode='tensor')
    assert torch.allclose(logits, expected, atol=1e-2, rtol=1e-2)


def test_fifo_and_uint8_memory_from_config():
    # no normalisation needed: a uint8 memory quantises each sample to its
    # own range
    algorithm = _build(
        memory=dict(MEMORY, policy=dict(type='mmdfkd.FIFOPolicy'),
                    dtype='uint8'))
    assert type(algorithm.memory.policy).__name__ == 'FIFOPolicy'
    algorithm.train_step(_batch(), _optim(algorithm))
    assert algorithm.memory.state_dict()['samples'].dtype == torch.uint8
    # the replayed samples still get the teacher's stored answer
    samples, logits = algorithm.memory.contents()
    with torch.no_grad():
        expected = algorithm.teacher(samples, mode='tensor')
    assert torch.equal(logits.argmax(1), expected.argmax(1))
    assert torch.allclose(logits, expected, atol=2e-2, rtol=2e-2)


def test_memory_contents_and_random_state_travel_in_the_model_state():
    algorithm = _build(memory=MEMORY)
    optim = _optim(algorithm)
    for _ in range(3):
        algorithm.train_step(_batch(), optim)
    state = copy.deepcopy(algorithm.state_dict())
    assert {'memory.counters', 'memory.samples', 'memory.logits',
            'memory.rng_state'} <= set(state)
    assert all(torch.is_tensor(v) for v in state.values())
    restored = _build(memory=MEMORY)
    restored.load_state_dict(state)
    assert len(restored.memory) == len(algorithm.memory) == 12
    for key in ('memory.samples', 'memory.logits', 'memory.counters'):
        assert torch.equal(restored.state_dict()[key], state[key])
    # same random state: the next draws are identical
    for a, b in zip(algorithm.memory.sample(5), restored.memory.sample(5)):
        assert torch.equal(a, b)


def test_resume_without_the_saved_memory_warns(monkeypatch):
    from mmengine.logging import MMLogger
    warnings = []
    monkeypatch.setattr(MMLogger.get_current_instance(), 'warning',
                        warnings.append)
    algorithm = _build(memory=MEMORY)
    algorithm.train_step(_batch(), _optim(algorithm))
    state = algorithm.state_dict()
    without = _build()
    without.load_state_dict(state)  # no unexpected-key error either
    assert without.memory is None
    assert any('model.memory=None: the memory is DROPPED' in w
               for w in warnings)
    plain = {k: v for k, v in state.items() if not k.startswith('memory.')}
    _build(memory=MEMORY).load_state_dict(plain, strict=False)
    assert 'the memory starts empty' in warnings[-1]


# ---- contracts: MMRazor's losses plug in ------------------------------
def _step_with_logits(algorithm):
    """One train_step; its log and the (student, teacher) logits of its
    generator step and of its last student step."""
    student_logits, teacher_logits = [], []
    hooks = [
        algorithm.student.register_forward_hook(
            lambda m, a, out: student_logits.append(out.detach())),
        algorithm.teacher.register_forward_hook(
            lambda m, a, out: teacher_logits.append(out.detach())),
    ]
    log = algorithm.train_step(_batch(), _optim(algorithm))
    for h in hooks:
        h.remove()
    return log, (student_logits[0], teacher_logits[0]), (
        student_logits[-1], teacher_logits[-1])


@pytest.mark.parametrize('loss_cfg,direct', [
    (dict(type='mmrazor.L1Loss'),
     lambda s, t: (s - t).abs().mean()),
    (dict(type='mmrazor.KLDivergence', tau=2, reduction='batchmean'),
     lambda s, t: 4 * torch.nn.functional.kl_div(
         torch.log_softmax(s / 2, 1), torch.softmax(t / 2, 1),
         reduction='batchmean')),
])
def test_mmrazor_losses_as_distill_loss(loss_cfg, direct):
    algorithm = _build(distill_loss=loss_cfg, bn_loss=None)
    log, generator_step, student_step = _step_with_logits(algorithm)
    # generator step: -D(S(x), T(x)); the student is called inside it too
    adv = direct(*generator_step)
    assert log['generator.loss_adv'].item() == pytest.approx(
        -adv.item(), rel=1e-4)
    # the last student step: D(S(x), T(x)) >= 0
    fresh = direct(*student_step)
    assert log['student.loss_fresh'].item() == pytest.approx(
        fresh.item(), rel=1e-4)
    assert log['student.loss_fresh'].item() > 0


def test_adv_loss_drives_the_generator_and_distill_loss_the_student():
    """With model.adv_loss set, the generator maximises it and the student
    still minimises model.distill_loss (here KL at T=20 for the student,
    L1 for the generator: two losses whose values differ)."""
    kl20 = dict(type='mmrazor.KLDivergence', tau=20, reduction='batchmean')
    algorithm = _build(distill_loss=kl20, adv_loss=dict(type='mmrazor.L1Loss'),
                       bn_loss=None)
    log, (s, t), student_step = _step_with_logits(algorithm)
    l1 = (s - t).abs().mean()
    kl = 400 * torch.nn.functional.kl_div(
        torch.log_softmax(s / 20, 1), torch.softmax(t / 20, 1),
        reduction='batchmean')
    assert not torch.isclose(l1, kl, rtol=1e-2)  # the two can be told apart
    assert log['generator.loss_adv'].item() == pytest.approx(
        -l1.item(), rel=1e-4)
    s, t = student_step
    kl = 400 * torch.nn.functional.kl_div(
        torch.log_softmax(s / 20, 1), torch.softmax(t / 20, 1),
        reduction='batchmean')
    assert log['student.loss_fresh'].item() == pytest.approx(
        kl.item(), rel=1e-4)
    # unset, the generator maximises the student's loss
    assert _build(bn_loss=None).adv_loss is None


# ---- non-finite steps ----------------------------------------------------
def test_non_finite_student_loss_skips_the_update():
    algorithm = _build(bn_loss=None)
    optim = _optim(algorithm)
    optim['architecture'].optimizer.param_groups[0]['lr'] = 1e30
    algorithm.train_step(_batch(), optim)  # weights blow up here ...
    student = _state(algorithm.student)
    skips = algorithm.nonfinite_skips
    # ... and a student step on them is skipped: every parameter and every
    # buffer (BatchNorm's running statistics, which its forward updated,
    # and batch counters) is as it was
    log, fresh = algorithm._student_step(
        len(_batch()['inputs']), optim['architecture'])
    assert (log, fresh) == ({}, None)
    assert algorithm.nonfinite_skips == skips + 1
    after = _state(algorithm.student)
    assert after.keys() == student.keys()
    for name, value in student.items():
        assert torch.equal(after[name], value), name
    assert any('running_mean' in k for k in student)


def test_divergence_counter_resets_after_a_good_iteration():
    algorithm = _build(max_skipped_iters=2)
    optim = _optim(algorithm)
    weight = algorithm.generator.project.weight
    good = weight.detach().clone()

    def iteration(broken):
        with torch.no_grad():
            weight.copy_(torch.full_like(good, float('inf')) if broken
                         else good)
        algorithm.train_step(_batch(), optim)

    iteration(True)  # 1 bad iteration
    iteration(False)  # a good one resets the count ...
    iteration(True)  # ... so this is 1 again, not 2
    assert algorithm.guard.consecutive == 1
    with pytest.raises(RuntimeError, match='diverged.*last 2 iterations'):
        iteration(True)


def test_run_stops_when_every_step_is_skipped_for_n_iterations():
    algorithm = _build(max_skipped_iters=3)
    with torch.no_grad():
        algorithm.generator.project.weight.fill_(float('inf'))
    optim = _optim(algorithm)
    algorithm.train_step(_batch(), optim)
    algorithm.train_step(_batch(), optim)
    with pytest.raises(RuntimeError, match='diverged.*last 3 iterations'):
        algorithm.train_step(_batch(), optim)


# ---- the data-free health signal ---------------------------------------
def test_datafree_metrics_are_perfect_when_the_student_is_the_teacher():
    cfg = tiny_algorithm(
        holdout=dict(type='mmdfkd.ReplayMemory', capacity=40,
                     push_per_iter=5))
    cfg['architecture'] = cfg['teachers']['teacher']['build_cfg']
    torch.manual_seed(0)
    algorithm = MODELS.build(cfg)
    algorithm.init_weights()
    optim = _optim(algorithm)
    assert algorithm.datafree_metrics() == {}  # nothing held out yet
    for _ in range(4):
        algorithm.train_step(_batch(), optim)
    # held out: samples of the generator steps only, 5 per iteration
    assert len(algorithm.holdout) == 20
    algorithm.student.load_state_dict(algorithm.teacher.state_dict())
    metrics = algorithm.datafree_metrics(batch_size=7)
    assert metrics['datafree/agreement'] == 100.0
    assert metrics['datafree/discrepancy'] == pytest.approx(0, abs=1e-5)
    assert algorithm.student.training  # mode restored

    # a student that disagrees: agreement as counted directly
    with torch.no_grad():
        algorithm.student.head.fc.bias.add_(
            torch.linspace(-50, 50, 10))
    samples, logits = algorithm.holdout.contents()
    algorithm.student.eval()
    with torch.no_grad():
        pred = algorithm.student(samples, mode='tensor').argmax(1)
    algorithm.student.train()
    expected = 100.0 * float((pred == logits.argmax(1)).float().mean())
    metrics = algorithm.datafree_metrics()
    assert metrics['datafree/agreement'] == pytest.approx(expected)
    assert metrics['datafree/agreement'] < 100


def test_datafree_metrics_include_the_bn_gap_of_the_held_out_samples():
    algorithm = _build(
        holdout=dict(type='mmdfkd.ReplayMemory', capacity=40,
                     push_per_iter=5))
    optim = _optim(algorithm)
    for _ in range(4):
        algorithm.train_step(_batch(), optim)
    teacher = _state(algorithm.teacher)
    samples, _ = algorithm.holdout.contents()
    # written out: per BN layer of the teacher, KL(N(mean, var) ||
    # N(running mean, running var)) of its input over all held-out samples,
    # averaged over channels, then layers
    inputs = {}
    layers = [m for m in algorithm.teacher.modules()
              if isinstance(m, torch.nn.BatchNorm2d)]
    handles = [m.register_forward_hook(
        lambda m, args, out: inputs.__setitem__(m, args[0].double()))
        for m in layers]
    with torch.no_grad():
        algorithm.teacher(samples, mode='tensor')
    for handle in handles:
        handle.remove()
    gaps = []
    for m in layers:
        var, mean = torch.var_mean(inputs[m], dim=(0, 2, 3),
                                   unbiased=False)
        var, ref_var = var + m.eps, m.running_var.double() + m.eps
        gaps.append((0.5 * (torch.log(ref_var / var) + (
            var + (mean - m.running_mean.double())**2) / ref_var - 1)).mean())
    expected = float(torch.stack(gaps).mean())
    assert expected > 0
    # the same figure whatever the batching, and the teacher untouched
    assert algorithm.datafree_metrics(batch_size=7)['datafree/bn_gap'] == \
        pytest.approx(expected, rel=1e-6)
    assert algorithm.datafree_metrics()['datafree/bn_gap'] == \
        pytest.approx(expected, rel=1e-6)
    assert _same(teacher, _state(algorithm.teacher))
    assert not algorithm.teacher.training


# ---- loss weights scale their terms --------------------------------------
def _logged(weight_key, weight, log_key, **kwargs):
    algorithm = _build(memory=dict(MEMORY), **{weight_key: weight},
                       **kwargs)
    optim = _optim(algorithm)
    for name in ('architecture', 'generator'):  # the same models for both
        for group in optim[name].optimizer.param_groups:
            group['lr'] = 0.0
    algorithm.train_step(_batch(), optim)  # fills the memory
    return algorithm.train_step(_batch(), optim)[log_key]


@pytest.mark.parametrize('weight_key,log_key', [
    ('replay_weight', 'student.loss_replay'),
    ('adv_weight', 'generator.loss_adv'),
])
def test_loss_weights_scale_their_terms(weight_key, log_key):
    one = _logged(weight_key, 1.0, log_key)
    three = _logged(weight_key, 3.0, log_key)
    assert one.abs() > 0
    assert three.item() == pytest.approx(3 * one.item(), rel=1e-5)


def test_replay_share_splits_each_student_batch():
    algorithm = _build(memory=dict(MEMORY), replay_share=0.5)
    optim = _optim(algorithm)
    seen = []
    handle = algorithm.student.register_forward_hook(
        lambda m, args, out: seen.append(len(args[0])))
    algorithm.train_step(_batch(), optim)
    handle.remove()
    # the generator step's samples fed the memory first (4 pushed), so
    # every student step is 3 fresh + 3 replayed: a batch of 6
    assert seen[1:] == [BATCH] * algorithm.student_iter
    assert len(algorithm.memory) == 4
    # share 1: no generator (nor teacher) forward in the student steps
    algorithm = _build(memory=dict(MEMORY), replay_share=1.0)
    optim = _optim(algorithm)
    calls, teacher_calls = [], []
    handles = [
        algorithm.generator.register_forward_hook(
            lambda *args: calls.append(1)),
        algorithm.teacher.register_forward_hook(
            lambda *args: teacher_calls.append(1))
    ]
    log = algorithm.train_step(_batch(), optim)
    for handle in handles:
        handle.remove()
    assert len(calls) == len(teacher_calls) == 1  # the generator step's
    assert 'student.loss_replay' in log and 'student.loss_fresh' not in log


def test_warmup_iterations_only_fill_the_memory():
    algorithm = _build(memory=dict(MEMORY), warmup_iters=2)
    optim = _optim(algorithm)
    before = _state(algorithm.student)
    for _ in range(2):
        log = algorithm.train_step(_batch(), optim)
        assert 'student.loss' not in log
    params = dict(algorithm.student.named_parameters())
    assert all(torch.equal(params[k], before[k]) for k in params)
    assert len(algorithm.memory) == 8
    log = algorithm.train_step(_batch(), optim)
    assert 'student.loss_replay' in log
    with pytest.raises(ValueError, match='warmup_iters'):
        MODELS.build(tiny_algorithm(warmup_iters=1))
