# Copyright (c) mmdfkd contributors. All rights reserved.
"""Faults and a user's mistakes, end to end through tools/train.py and
tools/test.py: nothing poisoned, nothing torn loaded, nothing of another
model resumed, and one clear line for each mistake."""
import os

import torch

from mmdfkd.registry import MODELS
from mmdfkd.testing import run_tool, save_state_dict, tiny_classifier

TINY = 'tests/data/tiny_dfkd_fmnist.py'
TINY_DFAD = 'tests/data/tiny_mmrazor_dfad_fmnist.py'


def _tool(args, ok=True):
    env = {k: v for k, v in os.environ.items() if k != 'MMDFKD_TRACEBACK'}
    result = run_tool(args, env=env)
    out = result.stdout + result.stderr
    assert (result.returncode == 0) == ok, out[-5000:]
    return out


def _train(work, *options, config=TINY, resume=None, ok=True):
    cmd = ['tools/train.py', config, '--work-dir', str(work)]
    if resume is not None:
        cmd += ['--resume'] + ([resume] if resume else [])
    return _tool(cmd + ['--cfg-options', *options], ok=ok)


def _data(root):
    return [f'val_dataloader.dataset.data_root={root}',
            f'test_dataloader.dataset.data_root={root}']


def _one_error_line(out, *fragments):
    """A user's mistake: one 'error:' line that says what and how, no
    traceback."""
    lines = [line for line in out.splitlines() if line.startswith('error:')]
    assert len(lines) == 1, out[-3000:]
    assert 'Traceback' not in out, out[-3000:]
    assert 'MMDFKD_TRACEBACK=1' in lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def _finite(path):
    ckpt = torch.load(path, map_location='cpu', weights_only=True)
    tensors = list(ckpt['state_dict'].values())
    for state in ckpt['optimizer'].values():
        for slot in state['state'].values():
            tensors += [v for v in slot.values() if torch.is_tensor(v)]
    return all(torch.isfinite(t).all() for t in tensors
               if t.is_floating_point())


def test_a_diverging_run_never_writes_a_poisoned_checkpoint(
        tmp_path, fmnist_root):
    work = tmp_path / 'div'
    out = _train(work, *_data(fmnist_root),
                 'optim_wrapper.architecture.optimizer.lr=1e6',
                 'optim_wrapper.generator.optimizer.lr=1e6',
                 'default_hooks.checkpoint.interval=1',
                 'train_cfg.val_interval=100', ok=False)
    line = _one_error_line(out, 'Training diverged', 'non-finite',
                           'this checkpoint is not saved')
    saved = sorted(work.glob('*.pth'))
    assert all(_finite(p) for p in saved)
    if saved:  # the last good one is named, and last_checkpoint names it
        last = (work / 'last_checkpoint').read_text().strip()
        assert _finite(last) and last in line
    else:
        assert 'no checkpoint was saved before' in line


def test_resume_skips_a_torn_newest_checkpoint(tmp_path, fmnist_root):
    work = tmp_path / 'torn'
    opts = [*_data(fmnist_root), 'default_hooks.checkpoint.interval=2',
            'train_cfg.val_interval=100']
    _train(work, *opts, 'train_cfg.max_iters=4')
    newest = work / 'iter_4.pth'
    data = newest.read_bytes()
    newest.write_bytes(data[:len(data) // 2])  # killed during the write
    out = _train(work, *opts, 'train_cfg.max_iters=6', resume='')
    # our message names the checkpoint it resumed from instead
    assert f'{newest} is incomplete' in out
    assert f"resuming from the newest complete one, {work / 'iter_2.pth'}" \
        in out
    assert _finite(work / 'iter_6.pth')
    # named explicitly, it is refused with its name
    newest.write_bytes(data[:len(data) // 2])
    out = _train(work, *opts, 'train_cfg.max_iters=8',
                 resume=str(newest), ok=False)
    _one_error_line(out, f'--resume {newest}', 'incomplete')


def test_resume_refuses_another_models_checkpoint(tmp_path, fmnist_root):
    work = tmp_path / 'shared'
    _train(work, *_data(fmnist_root), 'train_cfg.max_iters=2',
           'default_hooks.checkpoint.interval=2')
    teacher = MODELS.build(tiny_classifier(1, 10, width=8))
    ckpt = save_state_dict(teacher, str(tmp_path / 'teacher.pth'))
    out = _train(work, *_data(fmnist_root), 'train_cfg.max_iters=4',
                 f'model.teachers.teacher.ckpt_path={ckpt}',
                 config=TINY_DFAD, resume='', ok=False)
    _one_error_line(out, 'does not belong to its model',
                    'ReplayDataFreeDistillation', '--work-dir')
    assert not (work / 'iter_4.pth').exists()


def test_user_mistakes_are_one_line(tmp_path, fmnist_root):
    data = _data(fmnist_root)
    out = _train(tmp_path / 'a', *data,
                 'model.memory.policy.type=mmdfkd.ReservoirPolcy', ok=False)
    _one_error_line(out, "model.memory.policy.type='mmdfkd.ReservoirPolcy'",
                    'Did you mean mmdfkd.ReservoirPolicy')
    out = _train(tmp_path / 'b', *data, 'model.memory.capacity=0', ok=False)
    _one_error_line(out, 'capacity')
    out = _train(tmp_path / 'c', *data, 'model.generator.img_size=32',
                 ok=False)
    _one_error_line(out, 'model.generator.img_size=32', '28x28',
                    'model.generator.img_size=28')
    out = _train(tmp_path / 'd', *data,
                 f'model.teachers.teacher.ckpt_path={tmp_path}/none.pth',
                 ok=False)
    _one_error_line(out, f'{tmp_path}/none.pth')
    # the traceback on request
    env_out = run_tool(
        ['tools/train.py', TINY, '--work-dir', str(tmp_path / 'e'),
         '--cfg-options', *data, 'model.memory.capacity=0'],
        env=dict(os.environ, MMDFKD_TRACEBACK='1'))
    assert env_out.returncode != 0 and 'Traceback' in env_out.stderr


def test_headline_command_lists_every_missing_prerequisite(tmp_path):
    work = tmp_path / 'work'
    out = _tool(['tools/train.py',
                 'configs/dfkd/cifar100_resnet34_resnet18.py', '--work-dir',
                 str(work), '--cfg-options',
                 f'val_dataloader.dataset.data_root={tmp_path}/cifar100'],
                ok=False)
    _one_error_line(out, '2 problems', 'CIFAR100 files',
                    'checkpoints/cifar100_resnet34_teacher.pth',
                    'configs/teachers/cifar100_resnet34.py')
    assert not work.exists()  # nothing created


def test_a_resume_with_another_memory_is_refused_in_one_line(tmp_path,
                                                              fmnist_root):
    work = tmp_path / 'memory'
    opts = [*_data(fmnist_root), 'default_hooks.checkpoint.interval=2',
            'train_cfg.val_interval=100']
    _train(work, *opts, 'train_cfg.max_iters=2')
    out = _train(work, *opts, 'train_cfg.max_iters=4',
                 'model.memory.capacity=40', resume='', ok=False)
    _one_error_line(out, 'capacity 48', 'model.memory.capacity=40')
    out = _train(work, *opts, 'train_cfg.max_iters=4',
                 "model.memory.dtype='uint8'", resume='', ok=False)
    _one_error_line(out, 'model.memory.dtype', 'uint8')


def test_an_mmrazor_teacher_without_checkpoint_is_refused_in_one_line(
        tmp_path):
    out = _train(tmp_path / 'dfad', 'model.teachers.teacher.ckpt_path=None',
                 config='tests/data/tiny_mmrazor_dfad_fmnist.py', ok=False)
    _one_error_line(out, 'model.teachers.teacher.ckpt_path is None',
                    'DataFreeDistillation')
