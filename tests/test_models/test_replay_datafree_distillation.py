# Copyright (c) mmdfkd contributors. All rights reserved.
import copy

import pytest
import torch
from conftest import save_state_dict, tiny_algorithm, tiny_classifier
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmdfkd.registry import MODELS
from mmdfkd.structures import ReplayMemory

BATCH = 6


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

    log = algorithm._generator_step(BATCH, optim['generator'])

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
    log = algorithm.train_step(_batch(), _optim(algorithm))
    assert set(log) >= {'generator.loss_adv', 'generator.loss_bn',
                        'student.loss_fresh', 'nonfinite_skips'}
    assert 'student.loss_replay' not in log  # no memory attached
    assert _same(teacher, _state(algorithm.teacher))
    assert not algorithm.teacher.training
    assert not _same(student, _state(algorithm.student))
    images, logits = algorithm.pop_fresh_samples()
    assert images.shape == (BATCH, 1, 8, 8) and logits.shape == (BATCH, 10)
    assert algorithm.pop_fresh_samples() is None


@pytest.mark.parametrize('store_logits', [True, False])
def test_teacher_work_per_iteration(store_logits):
    algorithm = _build()
    memory = ReplayMemory(32, store_logits=store_logits)
    algorithm.attach_memory(memory, replay_batch_size=4)
    optim = _optim(algorithm)
    algorithm.train_step(_batch(), optim)
    memory.push(*algorithm.pop_fresh_samples())

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
    log = algorithm.train_step(_batch(), _optim(algorithm))
    assert 'generator.loss_onehot' in log
    assert 'generator.loss_activation' in log
    assert 'generator.loss_bn' not in log


def test_non_finite_generator_output_skips_the_step():
    algorithm = _build()
    with torch.no_grad():
        algorithm.generator.project.weight.fill_(float('nan'))
    student = _state(algorithm.student)
    log = algorithm.train_step(_batch(), _optim(algorithm))
    assert log['nonfinite_skips'] == 1 + algorithm.student_iter
    assert _same(student, _state(algorithm.student))  # BN stats too
    assert algorithm.pop_fresh_samples() is None


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
    cfg['teachers']['t'].update(
        ckpt_path=str(tmp_path / 'nope.pth'),
        ckpt_hint='Train it with configs/teachers/x.py.')
    with pytest.raises(FileNotFoundError) as err:
        MODELS.build(cfg)
    assert 'nope.pth' in str(err.value)
    assert 'configs/teachers/x.py' in str(err.value)
    assert '--cfg-options model.teachers.t.ckpt_path' in str(err.value)


def test_file_that_is_not_a_checkpoint(tmp_path):
    path = tmp_path / 'teacher.pth'
    path.write_text('not a checkpoint')
    cfg = tiny_algorithm()
    cfg['teachers']['t']['ckpt_path'] = str(path)
    with pytest.raises(ValueError, match='not a PyTorch checkpoint') as err:
        MODELS.build(cfg)
    assert 'model.teachers.t.ckpt_path' in str(err.value)
    torch.save({'epoch': 3}, path)
    with pytest.raises(ValueError, match='not a model checkpoint') as err:
        MODELS.build(cfg)
    assert '.pth file saved by the teacher training' in str(err.value)


def test_checkpoint_that_does_not_fit_the_teacher(tmp_path):
    other = MODELS.build(tiny_classifier(1, 10, width=4))
    path = save_state_dict(other, str(tmp_path / 'teacher.pth'))
    cfg = tiny_algorithm()
    cfg['teachers']['t']['ckpt_path'] = path
    with pytest.raises(ValueError) as err:
        MODELS.build(cfg)
    assert 'does not fit' in str(err.value)
    assert 'shape mismatches' in str(err.value)
    assert 'build_cfg' in str(err.value)


def test_fitting_checkpoint_is_loaded(tmp_path):
    teacher = MODELS.build(tiny_classifier(1, 10, width=8))
    path = save_state_dict(teacher, str(tmp_path / 'teacher.pth'))
    cfg = tiny_algorithm()
    cfg['teachers']['t']['ckpt_path'] = path
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
    cfg['teachers']['t']['build_cfg'] = dict(
        _scope_='mmpretrain', type='ImageClassifier',
        backbone=dict(type='LeNet5', num_classes=10))
    with pytest.raises(ValueError, match='no BatchNorm') as err:
        MODELS.build(cfg)
    assert 'bn_loss=None' in str(err.value)


def test_more_than_one_teacher_is_refused():
    cfg = tiny_algorithm()
    cfg['teachers']['u'] = cfg['teachers']['t']
    with pytest.raises(ValueError, match='exactly one'):
        MODELS.build(cfg)
