# Copyright (c) mmdfkd contributors. All rights reserved.
"""mmdfkd.ReplayMemoryHook: a replay memory for any data-free distiller."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmdfkd.engine import ReplayMemoryHook
from mmdfkd.registry import MODELS
from mmdfkd.testing import (
    REPO,
    run_tool,
    save_state_dict,
    tiny_algorithm,
    tiny_classifier,
)
from mmdfkd.utils.errors import ConfigError

HOOKED = 'tests/data/tiny_mmrazor_dfad_replay_fmnist.py'
DFAD = 'tests/data/tiny_mmrazor_dfad_fmnist.py'
MEMORY = dict(capacity=16, push_per_iter=4, replay_batch_size=4)


def _setup(tmp_path):
    """MMRazor's DFAD (mmdfkd.DataFreeDistillation) with tiny models and a
    random teacher."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    cfg = Config.fromfile(osp.join(REPO, DFAD)).model
    torch.manual_seed(0)
    teacher = MODELS.build(cfg.teachers.teacher.build_cfg)
    cfg.teachers.teacher.ckpt_path = save_state_dict(
        teacher, str(tmp_path / 'teacher.pth'))
    with DefaultScope.overwrite_default_scope('mmdfkd'):
        model = MODELS.build(cfg)
    model.init_weights()
    model.train()
    optim = OptimWrapperDict(
        architecture=OptimWrapper(
            torch.optim.SGD(model.student.parameters(), lr=0.1)),
        generator=OptimWrapper(
            torch.optim.Adam(model.generator.parameters(), lr=1e-2)))
    return model, optim


def _iterations(model, optim, hook, num, replay=True):
    from mmengine.dataset import pseudo_collate

    from mmdfkd.datasets import DataFreeDataset
    dataset = DataFreeDataset()
    batch = pseudo_collate([dataset[i] for i in range(6)])
    for _ in range(num):
        hook.before_train_iter(None, 0)
        model.train_step(batch, optim)
        if replay:
            hook.step(model, optim)
        else:  # the memory is fed, the replay update left out
            hook._recording = False
            last, hook._last, hook._input = hook._last, None, None
            hook.memory.update(*last)


def test_replay_trains_the_student_on_cached_logits_only(tmp_path):
    model, optim = _setup(tmp_path)
    twin = copy.deepcopy((model, optim))
    hook = ReplayMemoryHook(memory=MEMORY)
    twin_hook = ReplayMemoryHook(memory=MEMORY)
    memory = hook.attach(model)
    teacher = model.teachers['teacher']
    twin_hook.attach(twin[0])
    assert model.memory is memory  # in the model's state dict
    _iterations(model, optim, hook, 2)
    assert len(memory) == 8 and hook.replay_updates == 1
    # the stored samples are what the teacher saw, with its logits
    images, logits = memory.contents()
    with torch.no_grad():
        assert torch.allclose(teacher(images, mode='tensor'), logits,
                              atol=1e-2)
    calls = []
    handle = teacher.register_forward_hook(
        lambda *args: calls.append(1))
    before = [p.detach().clone() for p in model.student.parameters()]
    # the batch the memory will draw (same random state), and the loss the
    # replay update must report on it: L1 against the cached logits
    twin_memory = MODELS.build(dict(type='mmdfkd.ReplayMemory', **MEMORY))
    twin_memory.load_state_dict(memory.state_dict())
    drawn, drawn_logits = twin_memory.sample(4)
    from mmdfkd.models.utils import backup_buffers, restore_buffers
    saved = backup_buffers(model.student)  # the forward below must not count
    with torch.no_grad():
        expected = torch.nn.functional.l1_loss(
            model.student(drawn, mode='tensor'), drawn_logits)
    restore_buffers(model.student, saved)
    hook.before_train_iter(None, 0)
    hook._recording = False
    hook._last = (images[:4], logits[:4])
    log = hook.step(model, optim)
    handle.remove()
    assert not calls  # no teacher forward on replay
    assert log['replay.loss'].item() == pytest.approx(expected.item(),
                                                      rel=1e-5)
    assert hook.replay_updates == 2
    assert any(not torch.equal(p, b)
               for p, b in zip(model.student.parameters(), before))
    # the same iterations with the replay left out end elsewhere: a hook
    # that skipped its replay would fail here
    _iterations(*twin, twin_hook, 2, replay=False)
    _iterations(model, optim, hook, 1)
    _iterations(*twin, twin_hook, 1, replay=False)
    assert any(not torch.equal(a, b) for a, b in zip(
        model.student.parameters(), twin[0].student.parameters()))
    assert 'memory.counters' in model.state_dict()


def test_a_model_with_its_own_memory_is_refused():
    # ours, with or without a memory: one memory, model.memory
    for memory in (dict(type='mmdfkd.ReplayMemory', capacity=8), None):
        model = MODELS.build(tiny_algorithm(memory=memory))
        with pytest.raises(ConfigError, match='own replay memory setting'):
            ReplayMemoryHook(memory=MEMORY).attach(model)
    with pytest.raises(ConfigError, match='store_logits must stay True'):
        ReplayMemoryHook(memory=dict(MEMORY, store_logits=False))


def _run(args):
    result = run_tool(args)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]
    return out


def _train(config, work, *options, resume=False):
    cmd = ['tools/train.py', config, '--work-dir', str(work)]
    return _run(cmd + (['--resume'] if resume else []) +
                ['--cfg-options', *options])


def _load(path):
    return torch.load(path, map_location='cpu', weights_only=True)


def _teacher(tmp_path):
    teacher = MODELS.build(tiny_classifier(1, 10, width=8))
    ckpt = save_state_dict(teacher, str(tmp_path / 'teacher.pth'))
    return f'model.teachers.teacher.ckpt_path={ckpt}'


def test_hook_gives_mmrazor_dfad_a_memory_that_resume_restores(
        tmp_path, fmnist_root):
    """The hook's memory travels in the checkpoint and resumes where it
    stopped. (MMRazor's DFAD itself is not bit-exact across a resume: it
    draws its latents from the global random state, which mmengine
    re-seeds on resume.)"""
    data = [f'val_dataloader.dataset.data_root={fmnist_root}',
            'default_hooks.checkpoint.interval=4', 'train_cfg.val_interval=4',
            _teacher(tmp_path)]
    straight, stopped = tmp_path / 'straight', tmp_path / 'stopped'
    log = _train(HOOKED, straight, *data, 'train_cfg.max_iters=8')
    assert 'replay.loss' in log and 'replay.memory_size' in log
    assert 'distill.loss' in log  # MMRazor's own student loss
    _train(HOOKED, stopped, *data, 'train_cfg.max_iters=4')
    four = _load(stopped / 'iter_4.pth')['state_dict']
    # 4 iterations x 8 samples offered, all kept (capacity 32)
    assert four['memory.counters'].tolist()[1:3] == [32, 32]
    _train(HOOKED, stopped, *data, 'train_cfg.max_iters=8', resume=True)
    a = _load(straight / 'iter_8.pth')['state_dict']
    b = _load(stopped / 'iter_8.pth')['state_dict']
    # full: 8 iterations x 8 offered, in both runs: the resumed memory went
    # on from the 32 samples and 4 updates it had saved (one that restarted
    # empty would have seen 32, not 64)
    assert a['memory.counters'].tolist() == \
        b['memory.counters'].tolist() == [32, 32, 64, 8]
    # the samples kept at iteration 4 that the policy did not replace are
    # still there after the resume
    kept = {tuple(x.flatten()[:8].tolist()) for x in four['memory.samples']}
    after = {tuple(x.flatten()[:8].tolist()) for x in b['memory.samples']}
    assert kept & after


def test_hook_configuration_errors_name_the_setting(tmp_path):
    model, _ = _setup(tmp_path)
    with pytest.raises(ConfigError, match="no sub-module 'learner'"):
        ReplayMemoryHook(memory=MEMORY, student='learner').attach(model)
    model, _ = _setup(tmp_path)
    with pytest.raises(ConfigError, match="no sub-module 'head.logits'"):
        ReplayMemoryHook(memory=MEMORY,
                         teacher_logits='head.logits').attach(model)


def test_an_augmenting_memory_has_the_teacher_label_its_replay(tmp_path):
    model, optim = _setup(tmp_path)
    hook = ReplayMemoryHook(memory=dict(
        MEMORY, augments=[dict(type='mmdfkd.BatchRandomFlip', prob=1.0)]))
    memory = hook.attach(model)
    teacher = model.teachers['teacher']
    _iterations(model, optim, hook, 1, replay=False)
    seen = []
    handle = teacher.register_forward_hook(
        lambda m, args, out: seen.append(args[0]))
    hook.before_train_iter(None, 0)
    hook._recording = False
    images, _ = memory.contents()
    hook._last = (images[:4], torch.zeros(4, 10))
    hook.step(model, optim)
    handle.remove()
    # one teacher forward, on flipped stored samples
    assert len(seen) == 1
    stored = {tuple(x.flatten().tolist()) for x in images}
    assert all(tuple(x.flip(-1).flatten().tolist()) in stored
               for x in seen[0])


def test_replay_loss_gets_float32_logits_under_bfloat16_autocast(
        tmp_path, monkeypatch):
    """MMRazor's distiller under mmdfkd.AmpOptimWrapper on a bfloat16 CPU:
    the student's replay logits come out in bfloat16, and the hook hands
    the loss float32 (a softmax in it would stay bfloat16 otherwise)."""
    from mmdfkd.engine.optimizers import amp_optim_wrapper
    from mmdfkd.registry import OPTIM_WRAPPERS
    monkeypatch.setattr(amp_optim_wrapper, 'get_device', lambda: 'cpu')
    monkeypatch.setattr(amp_optim_wrapper, 'cpu_has_native_bf16',
                        lambda: True)
    model, optim = _setup(tmp_path)
    optim = OptimWrapperDict(
        architecture=OPTIM_WRAPPERS.build(dict(
            type='mmdfkd.AmpOptimWrapper',
            optimizer=torch.optim.SGD(model.student.parameters(), lr=0.1))),
        generator=optim['generator'])
    hook = ReplayMemoryHook(memory=MEMORY)
    hook.attach(model)
    _iterations(model, optim, hook, 1, replay=False)
    outputs, to_loss = [], []
    handles = [
        model.student.register_forward_hook(
            lambda m, args, out: outputs.append(out.dtype)),
        hook.distill_loss.register_forward_pre_hook(
            lambda m, args: to_loss.extend(a.dtype for a in args))]
    hook.before_train_iter(None, 0)
    hook._recording = False
    images, logits = hook.memory.contents()
    hook._last = (images[:4], logits[:4])
    log = hook.step(model, optim)
    for handle in handles:
        handle.remove()
    assert outputs == [torch.bfloat16]
    assert to_loss == [torch.float32, torch.float32]
    assert torch.isfinite(log['replay.loss'])
