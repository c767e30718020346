# Copyright (c) mmdfkd contributors. All rights reserved.
"""End to end through tools/train.py, tools/test.py, tools/dist_train.sh."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from conftest import REPO, save_state_dict, tiny_classifier

from mmdfkd.registry import MODELS

TINY = 'tests/data/tiny_dfkd_fmnist.py'


def _run(cmd, env=None, timeout=600):
    result = subprocess.run(
        cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    return output


def _train(config, work_dir, *options, resume=False):
    cmd = [sys.executable, 'tools/train.py', config, '--work-dir', work_dir]
    if resume:
        cmd.append('--resume')
    return _run(cmd + ['--cfg-options', *options])


def _data(root):
    return [f'val_dataloader.dataset.data_root={root}',
            f'test_dataloader.dataset.data_root={root}']


def _load(path):
    return torch.load(path, map_location='cpu', weights_only=True)


def test_train_20_iterations_then_test(tmp_path, fmnist_root):
    work = str(tmp_path / 'run')
    log = _train(TINY, work, *_data(fmnist_root))
    assert 'Iter(train) [20/20]' in log
    assert 'accuracy/top1' in log
    assert 'student.loss_replay' in log and 'memory_size: 48' in log
    ckpt = _load(osp.join(work, 'iter_20.pth'))  # safe loading works
    assert ckpt['meta']['iter'] == 20
    assert ckpt['replay_memory']['size'] == 48
    assert ckpt['replay_memory']['seen'] == 20 * 8

    out = str(tmp_path / 'metrics.json')
    _run([sys.executable, 'tools/test.py', TINY,
          osp.join(work, 'iter_20.pth'), '--work-dir', work, '--out', out,
          '--cfg-options', *_data(fmnist_root)])
    with open(out) as f:
        metrics = json.load(f)
    assert 0 <= metrics['accuracy/top1'] <= 100


def test_resume_continues_exactly_where_the_run_stopped(tmp_path,
                                                       fmnist_root):
    straight, stopped = str(tmp_path / 'straight'), str(tmp_path / 'stopped')
    opts = [*_data(fmnist_root), 'default_hooks.checkpoint.interval=4']
    _train(TINY, straight, *opts, 'train_cfg.max_iters=8')
    _train(TINY, stopped, *opts, 'train_cfg.max_iters=4')
    log = _train(TINY, stopped, *opts, 'train_cfg.max_iters=8', resume=True)
    assert 'resumed epoch: 0, iter: 4' in log
    assert 'Saving checkpoint at 8 iterations' in log

    a = _load(osp.join(straight, 'iter_8.pth'))
    b = _load(osp.join(stopped, 'iter_8.pth'))
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for key, value in a['state_dict'].items():
        if torch.is_tensor(value):
            assert torch.equal(value, b['state_dict'][key]), key
    for key, value in a['replay_memory'].items():
        other = b['replay_memory'][key]
        assert torch.equal(value, other) if torch.is_tensor(value) else \
            value == other, key
    state_a = a['optimizer']['architecture']['state']
    state_b = b['optimizer']['architecture']['state']
    for key in state_a:
        assert torch.equal(state_a[key]['momentum_buffer'],
                           state_b[key]['momentum_buffer'])


def test_two_process_ddp_on_cpu(tmp_path):
    work = str(tmp_path / 'ddp')
    log = _run(
        ['bash', 'tools/dist_train.sh', TINY, '2', '--work-dir', work,
         '--cfg-options', 'train_cfg.max_iters=4', 'val_cfg=None',
         'val_dataloader=None', 'val_evaluator=None'],
        env=dict(PYTHON=sys.executable, PORT='29517', OMP_NUM_THREADS='1'))
    assert 'Distributed launcher: pytorch' in log
    assert 'Distributed training: True' in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size
    assert 'Saving checkpoint at 4 iterations' in log
    assert 'accuracy cannot be measured' in log  # no validation set
    ckpt = _load(osp.join(work, 'iter_4.pth'))
    assert ckpt['replay_memory']['size'] == 32
    assert any(k.startswith('architecture.') for k in ckpt['state_dict'])


def test_mmrazor_dfad_runs_single_process(tmp_path, fmnist_root):
    teacher = MODELS.build(tiny_classifier(1, 10, width=8))
    ckpt = save_state_dict(teacher, str(tmp_path / 'teacher.pth'))
    work = str(tmp_path / 'dfad')
    log = _train('tests/data/tiny_mmrazor_dfad_fmnist.py', work,
                 *_data(fmnist_root), f'model.teachers.res34.ckpt_path={ckpt}')
    assert 'Iter(train) [4/4]' in log  # logger interval 2 in that config
    assert 'distill.loss' in log and 'generator.loss' in log
    assert 'accuracy/top1' in log


@pytest.mark.parametrize('flag', ['--local-rank', '--local_rank'])
def test_both_local_rank_spellings_are_accepted(flag):
    sys.path.insert(0, osp.join(REPO, 'tools'))
    import train
    argv = sys.argv
    sys.argv = ['train.py', TINY, flag, '0']
    try:
        assert train.parse_args().local_rank == 0
    finally:
        sys.argv = argv
