# Copyright (c) mmdfkd contributors. All rights reserved.
"""End to end through tools/train.py, tools/test.py, tools/dist_train.sh."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from mmdfkd.registry import MODELS
from mmdfkd.testing import (
    REPO,
    free_port,
    run_tool,
    save_state_dict,
    tiny_classifier,
)

TINY = 'tests/data/tiny_dfkd_fmnist.py'


def _output(result):
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    return output


def _run(cmd, env=None, timeout=600):
    """``cmd`` as a new process: torchrun, pip, an installed copy."""
    return _output(subprocess.run(
        cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})}))


def _tool(args, env=None, timeout=600):
    """``python *args`` for one of the checkout's scripts (a fork of the
    tool server: no import time)."""
    return _output(run_tool(args, env={**os.environ, **(env or {})},
                            timeout=timeout))


def _train(config, work_dir, *options, resume=False):
    cmd = ['tools/train.py', config, '--work-dir', work_dir]
    if resume:
        cmd.append('--resume')
    return _tool(cmd + ['--cfg-options', *options])


def _data(root):
    return [f'val_dataloader.dataset.data_root={root}',
            f'test_dataloader.dataset.data_root={root}']


def _load(path):
    return torch.load(path, map_location='cpu', weights_only=True)


@pytest.fixture(scope='module')
def tiny_run(tmp_path_factory, fmnist_root):
    """One tools/train.py run of the tiny config (20 iterations) for the
    tests that only read what it wrote: its work dir and log."""
    work = str(tmp_path_factory.mktemp('tiny_run') / 'run')
    return work, _train(TINY, work, *_data(fmnist_root))


def _copy_checkpoint(tiny_run, tmp_path):
    """The run's last checkpoint, copied: a test may write beside it."""
    import shutil
    return shutil.copy(osp.join(tiny_run[0], 'iter_20.pth'),
                       str(tmp_path / 'iter_20.pth'))


def test_train_20_iterations_then_test(tmp_path, fmnist_root, tiny_run):
    work, log = str(tmp_path / 'run'), tiny_run[1]
    os.makedirs(work)
    ckpt_path = _copy_checkpoint(tiny_run, tmp_path)
    # our own log keys (their layout is mmengine's)
    assert 'datafree/agreement' in log and 'student.loss_replay' in log
    ckpt = _load(ckpt_path)  # safe loading works
    assert ckpt['meta']['iter'] == 20
    capacity, size, seen, _ = ckpt['state_dict']['memory.counters'].tolist()
    assert (capacity, size, seen) == (48, 48, 20 * 8)

    out = str(tmp_path / 'metrics.json')
    _tool(['tools/test.py', TINY,
           ckpt_path, '--work-dir', work, '--out', out,
           '--cfg-options', *_data(fmnist_root)])
    with open(out) as f:
        metrics = json.load(f)
    assert 0 <= metrics['accuracy/top1'] <= 100
    # the data-free health signal of the checkpoint's held-out samples
    assert 0 <= metrics['datafree/agreement'] <= 100
    assert metrics['datafree/bn_gap'] >= 0
    # a config whose memory and hold-out sizes differ from the
    # checkpoint's tests it all the same, to the same figures
    again = str(tmp_path / 'again.json')
    _tool(['tools/test.py', TINY,
           ckpt_path, '--work-dir', work, '--out', again,
           '--cfg-options', *_data(fmnist_root), 'model.holdout.capacity=7',
           'model.memory.capacity=5'])
    with open(again) as f:
        assert json.load(f) == metrics

    # the memory replays samples the teacher still answers as stored
    out = str(tmp_path / 'fidelity.json')
    _tool(['tools/analysis_tools/memory_fidelity.py', TINY,
           ckpt_path, '--out', out])
    with open(out) as f:
        report = json.load(f)
    assert report['samples'] == 48
    rows = report['encodings']
    assert rows['as stored (float16)']['agreement'] >= 95
    assert rows['as stored (float16)']['kl'] < 1e-3
    assert rows['uint8, per-sample range']['agreement'] >= 90
    assert 0 <= report['below_pixel_0'] <= 100
    assert report['memory_bn_gap'] > 0 and report['holdout_bn_gap'] > 0


def test_resume_continues_exactly_where_the_run_stopped(tmp_path,
                                                       fmnist_root):
    straight, stopped = str(tmp_path / 'straight'), str(tmp_path / 'stopped')
    # evaluated at every checkpoint: mmengine saves iteration 4 before
    # evaluating it, so the resumed run must evaluate it
    opts = [*_data(fmnist_root), 'default_hooks.checkpoint.interval=4',
            'train_cfg.val_interval=4']
    _train(TINY, straight, *opts, 'train_cfg.max_iters=8')
    _train(TINY, stopped, *opts, 'train_cfg.max_iters=4')
    log = _train(TINY, stopped, *opts, 'train_cfg.max_iters=8', resume=True)
    # our own message; that it resumed at 4 is what the bit-for-bit
    # comparison below shows
    assert 'Resumed at iteration 4, whose evaluation came after' in log

    a = _load(osp.join(straight, 'iter_8.pth'))
    b = _load(osp.join(stopped, 'iter_8.pth'))
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for key, value in a['state_dict'].items():
        if torch.is_tensor(value):
            assert torch.equal(value, b['state_dict'][key]), key
    assert a['state_dict']['memory.samples'].shape[0] == 48  # compared
    state_a = a['optimizer']['architecture']['state']
    state_b = b['optimizer']['architecture']['state']
    for key in state_a:
        assert torch.equal(state_a[key]['momentum_buffer'],
                           state_b[key]['momentum_buffer'])
    # the same evaluations, with the same results, as the straight run (a
    # checkpoint holds the history up to the evaluation before its own)
    history_a, history_b = a['accuracy_history'], b['accuracy_history']
    assert history_a['iters'] == history_b['iters'] == [4]
    assert history_a['values'] == history_b['values']
    assert history_a['tracked'] == history_b['tracked']
    assert len(history_b['tracked']['datafree/agreement']) == 1


# a hook, imported by the runs of the DDP test, that saves every rank's
# student and replay memory at the end of training
RANK_DUMP = '''
import torch
from mmengine.dist import get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class RankDumpHook(Hook):
    def after_run(self, runner):
        model = runner.model.module if hasattr(runner.model, 'module') \\
            else runner.model
        model = getattr(model, 'module', model)
        torch.save(dict(world=get_world_size(),
                        student={k: v.detach() for k, v in
                                 model.architecture.named_parameters()},
                        generator={k: v.detach() for k, v in
                                   model.generator.named_parameters()},
                        memory=model.memory.state_dict()),
                   f'{runner.work_dir}/rank{get_rank()}.pth')
'''


def _ddp_with_rank_dumps(tmp_path, config, *options):
    """Train ``config`` on 2 CPU processes; every rank saves its student,
    generator and memory at the end (RankDumpHook)."""
    work = str(tmp_path / 'ddp')
    (tmp_path / 'rank_dump.py').write_text(RANK_DUMP)
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.custom_imports = dict(imports=['mmdfkd', 'rank_dump'])
    # the config's own hooks (a replay hook among them) and the dump
    cfg.custom_hooks = [h for h in cfg.get('custom_hooks', [])
                        if h['type'] != 'mmdfkd.SampleVisualizationHook']
    cfg.custom_hooks.append(dict(type='RankDumpHook'))
    dump_config = tmp_path / 'with_rank_dump.py'
    cfg.dump(str(dump_config))
    import os
    path = os.pathsep.join([str(tmp_path), os.environ.get('PYTHONPATH', '')])
    log = _run(
        ['bash', 'tools/dist_train.sh', str(dump_config), '2', '--work-dir',
         work, '--cfg-options', 'val_cfg=None', 'val_dataloader=None',
         'val_evaluator=None', *options],
        env=dict(PYTHON=sys.executable, PORT=str(free_port()),
                 OMP_NUM_THREADS='1', PYTHONPATH=path))
    ranks = [_load(osp.join(work, f'rank{r}.pth')) for r in range(2)]
    assert [r['world'] for r in ranks] == [2, 2]
    return work, log, ranks


def _same_weights(ranks, part):
    assert ranks[0][part]
    for key, value in ranks[0][part].items():
        assert torch.equal(value, ranks[1][part][key]), (part, key)


def test_two_process_ddp_on_cpu(tmp_path):
    work, log, ranks = _ddp_with_rank_dumps(tmp_path, TINY,
                                            'train_cfg.max_iters=4')
    assert 'accuracy cannot be measured' in log  # no validation set
    # DDP kept the students' weights identical, bit for bit (BatchNorm's
    # running statistics are each rank's own: broadcast_buffers=False) ...
    _same_weights(ranks, 'student')
    _same_weights(ranks, 'generator')
    # ... while each rank's memory holds its own samples
    assert not torch.equal(ranks[0]['memory']['samples'],
                           ranks[1]['memory']['samples'])
    ckpt = _load(osp.join(work, 'iter_4.pth'))
    # rank 0's memory: 4 iterations x 8 samples
    assert ckpt['state_dict']['memory.counters'][1] == 32
    assert any(k.startswith('architecture.') for k in ckpt['state_dict'])


def test_replay_hook_on_mmrazor_dfad_under_two_process_ddp(tmp_path):
    """mmdfkd.ReplayMemoryHook added to MMRazor's DFAD: on 2 processes the
    students and generators stay identical, each rank's memory (in the
    model, where DDP and checkpoints see it) holds its own samples."""
    teacher = MODELS.build(tiny_classifier(1, 10, width=8))
    ckpt = save_state_dict(teacher, str(tmp_path / 'teacher.pth'))
    work, log, ranks = _ddp_with_rank_dumps(
        tmp_path, 'tests/data/tiny_mmrazor_dfad_replay_fmnist.py',
        f'model.teachers.teacher.ckpt_path={ckpt}', 'train_cfg.max_iters=4',
        'default_hooks.logger.interval=2')
    assert 'replay.loss' in log
    _same_weights(ranks, 'student')
    _same_weights(ranks, 'generator')
    assert not torch.equal(ranks[0]['memory']['samples'],
                           ranks[1]['memory']['samples'])
    # rank 0's memory in the checkpoint: 4 iterations x 8 samples
    state = _load(osp.join(work, 'iter_4.pth'))['state_dict']
    assert state['memory.counters'][1] == 32


def test_fast_dfkd_under_two_process_ddp(tmp_path):
    """Fast-DFKD's meta-generator takes the mean of the ranks'
    meta-gradients: generator and student stay identical on both ranks,
    each rank's pool holds its own syntheses."""
    _, _, ranks = _ddp_with_rank_dumps(
        tmp_path, 'tests/data/tiny_fast_dfkd_fmnist.py')
    _same_weights(ranks, 'student')
    _same_weights(ranks, 'generator')
    assert ranks[0]['memory']['counters'].tolist()[1] == 4 * 8
    assert not torch.equal(ranks[0]['memory']['samples'],
                           ranks[1]['memory']['samples'])


@pytest.mark.parametrize('flags', [[], ['--amp', '--channels-last']])
def test_mmrazor_dfad_runs_single_process(flags, tmp_path, fmnist_root):
    teacher = MODELS.build(tiny_classifier(1, 10, width=8))
    ckpt = save_state_dict(teacher, str(tmp_path / 'teacher.pth'))
    work = str(tmp_path / 'dfad')
    log = _tool(['tools/train.py',
                 'tests/data/tiny_mmrazor_dfad_fmnist.py', '--work-dir', work,
                 *flags, '--cfg-options', *_data(fmnist_root),
                 f'model.teachers.teacher.ckpt_path={ckpt}'])
    assert 'Iter(train) [4/4]' in log  # logger interval 2 in that config
    assert 'distill.loss' in log and 'generator.loss' in log
    assert 'accuracy/top1' in log
    if flags:
        assert 'FastPathHook: ' in log and ', channels_last, eager' in log


def test_memory_fidelity_reads_a_memory_the_hook_gave_mmrazor_dfad(
        tmp_path, fmnist_root):
    """A run whose memory mmdfkd.ReplayMemoryHook gave MMRazor's DFAD: the
    tool builds the hook's memory into the model before the checkpoint
    loads, and finds the teacher in MMRazor's ``teachers``."""
    teacher = MODELS.build(tiny_classifier(1, 10, width=8))
    ckpt = save_state_dict(teacher, str(tmp_path / 'teacher.pth'))
    work = str(tmp_path / 'dfad')
    config = 'tiny_mmrazor_dfad_replay_fmnist.py'
    _tool(['tools/train.py', f'tests/data/{config}', '--work-dir', work,
           '--cfg-options', *_data(fmnist_root),
           f'model.teachers.teacher.ckpt_path={ckpt}'])
    out = str(tmp_path / 'fidelity.json')
    _tool(['tools/analysis_tools/memory_fidelity.py', osp.join(work, config),
           osp.join(work, 'iter_4.pth'), '--out', out])
    with open(out) as f:
        report = json.load(f)
    assert report['samples'] == 4 * 8  # what the hook pushed
    # the hook's cached logits are the teacher's answers to its samples
    assert report['encodings']['as stored (float16)']['agreement'] >= 95
    assert len(report['class_shares']) == 10
    assert sum(report['class_shares']) == pytest.approx(100, abs=0.1)
    assert 0 <= report['student_agreement'] <= 100
    assert report['memory_bn_gap'] > 0 and 'holdout_bn_gap' not in report


def test_memory_fidelity_counts_the_teachers_classes_and_the_student():
    from analysis_tools.memory_fidelity import held
    teacher = 5 * torch.eye(3)[[0, 0, 1, 2]]  # classes 0, 0, 1, 2
    student = torch.eye(3)[[0, 1, 1, 0]]  # right on the first two of 4
    report = held(teacher, student)
    assert report['class_shares'] == [50, 25, 25]
    assert (report['largest_class_share'],
            report['smallest_class_share']) == (50, 25)
    assert report['student_agreement'] == 50
    assert report['teacher_confidence'] == pytest.approx(
        100 * torch.tensor([5., 0, 0]).softmax(0)[0].item())


@pytest.mark.parametrize('flag', ['--local-rank', '--local_rank'])
def test_both_local_rank_spellings_are_accepted(flag, monkeypatch):
    from mmdfkd.apis import parse_train_args
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    assert parse_train_args([TINY, flag, '3']).local_rank == 3
    assert os.environ['LOCAL_RANK'] == '3'


@pytest.mark.parametrize('option,policy', [
    ('model.memory=None', None),
    ('model.memory.policy.type=mmdfkd.FIFOPolicy', 'FIFOPolicy'),
])
def test_memory_ablations_are_cfg_options(option, policy, tmp_path,
                                          monkeypatch):
    from mmdfkd.apis import build_train_config, parse_train_args
    cfg = build_train_config(parse_train_args(
        [TINY, '--work-dir', str(tmp_path), '--cfg-options', option]))
    model = MODELS.build(cfg.model)
    if policy is None:
        assert model.memory is None
    else:
        assert type(model.memory.policy).__name__ == policy


def _fails(args, timeout=300):
    result = run_tool(args, timeout=timeout)
    assert result.returncode != 0
    return result.stdout + result.stderr


def test_test_tool_refuses_a_checkpoint_that_does_not_fit(tmp_path,
                                                          fmnist_root):
    teacher = MODELS.build(tiny_classifier(1, 10, width=8))
    ckpt = save_state_dict(teacher, str(tmp_path / 'teacher.pth'))
    out = _fails(['tools/test.py', TINY, ckpt, '--work-dir',
                  str(tmp_path / 'w'), '--cfg-options', *_data(fmnist_root)])
    assert f'error: {ckpt} does not fit the model of {TINY}' in out
    assert 'missing keys (e.g. architecture.' in out
    assert 'accuracy/top1' not in out


def test_missing_data_stops_before_the_runner_and_creates_nothing(tmp_path):
    root = str(tmp_path / 'nonexistent' / 'fmnist')
    out = _fails(['tools/train.py', TINY, '--work-dir',
                  str(tmp_path / 'w'), '--cfg-options', *_data(root)])
    assert f"the FashionMNIST files are not under data_root='{root}'" in out
    assert 't10k-images-idx3-ubyte' in out
    assert f'bash tools/dataset_converters/prepare_fmnist.sh {root}' in out
    assert 'Traceback' not in out and 'URLError' not in out
    assert not osp.exists(osp.dirname(root))
    # a teacher recipe on a data set that is not there (CIFAR-100)
    root = str(tmp_path / 'cifar100')
    out = _fails(['tools/train.py',
                  'configs/teachers/cifar100_resnet34.py', '--work-dir',
                  str(tmp_path / 'w2'), '--cfg-options',
                  f'train_dataloader.dataset.data_root={root}'])
    assert 'cifar-100-python/train' in out and 'cifar-100-python.tar.gz' in out
    assert not osp.exists(root)


def test_fast_path_resumes_a_float32_run_and_back(tmp_path, fmnist_root):
    """A float32 NCHW run resumed with --amp --channels-last (and that one
    resumed without them) goes on from its checkpoint, and says which path
    it used."""
    if torch.cuda.is_available():
        pytest.skip('checks the CPU path')
    from mmdfkd.utils.cpu_features import cpu_has_native_bf16
    precision = 'bfloat16' if cpu_has_native_bf16() else 'float32'
    work = str(tmp_path / 'run')
    opts = [*_data(fmnist_root), 'default_hooks.checkpoint.interval=2',
            'train_cfg.val_interval=2']
    _train(TINY, work, *opts, 'train_cfg.max_iters=2')
    log = _tool(['tools/train.py', TINY, '--work-dir', work,
                 '--resume', '--amp', '--channels-last', '--cfg-options',
                 *opts, 'train_cfg.max_iters=4'])
    assert _load(osp.join(work, 'iter_4.pth'))['meta']['iter'] == 4
    assert f'FastPathHook: {precision}, channels_last, eager' in log
    if precision == 'float32':
        assert 'no native bfloat16' in log
    log = _train(TINY, work, *opts, 'train_cfg.max_iters=6', resume=True)
    ckpt = _load(osp.join(work, 'iter_6.pth'))
    assert ckpt['meta']['iter'] == 6
    assert all(torch.isfinite(v).all() for v in ckpt['state_dict'].values()
               if torch.is_tensor(v) and v.is_floating_point())


EXPORT_CHECK = '''
import json, sys
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmpretrain.apis import init_model
cfg_path, ckpt, batch, root, work = sys.argv[1:]
model = init_model(cfg_path, ckpt, device='cpu')
# raw pixels through the exported data preprocessor, as inference runs
images = torch.load(batch)
scores = torch.stack([s.pred_score for s in model.test_step(
    dict(inputs=list(images)))])
cfg = Config.fromfile(cfg_path)
cfg.test_dataloader.dataset.data_root = root
cfg.test_dataloader.num_workers = 0
cfg.load_from = ckpt
cfg.work_dir = work
metrics = Runner.from_cfg(cfg).test()
assert not any(m.startswith('mmdfkd') for m in sys.modules), 'mmdfkd'
torch.save(scores, batch + '.scores')
print('EXPORT', json.dumps(metrics))
'''


def test_student_exports_to_plain_mmpretrain(tmp_path, fmnist_root,
                                            tiny_run):
    work = str(tmp_path / 'run')
    ckpt = _copy_checkpoint(tiny_run, tmp_path)
    metrics = str(tmp_path / 'metrics.json')
    _tool(['tools/test.py', TINY, ckpt, '--work-dir', work,
           '--out', metrics, '--cfg-options', *_data(fmnist_root)])
    out_dir = str(tmp_path / 'student')
    log = _tool(['tools/model_converters/convert_to_student.py', TINY,
                 ckpt, out_dir])
    assert osp.join(out_dir, 'student.pth') in log

    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, TINY))
    cfg.model.teachers.teacher.ckpt_path = None
    # as mmengine's Runner builds it: with the config's data preprocessor
    algorithm = MODELS.build(
        dict(cfg.model, data_preprocessor=cfg.data_preprocessor))
    algorithm.load_state_dict(_load(ckpt)['state_dict'])
    algorithm.eval()
    # raw uint8 images, normalised by each side's own data preprocessor
    # (a converter that dropped or changed it gives other scores)
    torch.manual_seed(0)
    batch = torch.randint(0, 256, (5, 1, 28, 28), dtype=torch.uint8)
    torch.save(batch, str(tmp_path / 'batch.pth'))
    with torch.no_grad():
        expected = torch.stack([s.pred_score for s in algorithm.test_step(
            dict(inputs=list(batch)))])

    # a process that never imports mmdfkd
    out = _run([sys.executable, '-c', EXPORT_CHECK,
                osp.join(out_dir, 'student_config.py'),
                osp.join(out_dir, 'student.pth'), str(tmp_path / 'batch.pth'),
                fmnist_root, str(tmp_path / 'plain')])
    exported = json.loads(out.split('EXPORT ')[1].splitlines()[0])
    with open(metrics) as f:
        assert exported['accuracy/top1'] == json.load(f)['accuracy/top1']
    scores = torch.load(str(tmp_path / 'batch.pth.scores'))
    assert torch.allclose(scores, expected, atol=1e-6)
    assert not torch.allclose(scores, scores[[1, 2, 3, 4, 0]])


def test_datafree_validation_without_any_real_data(tmp_path):
    work = str(tmp_path / 'run')
    log = _train(TINY, work, 'val_dataloader=None', 'val_evaluator=None',
                 'test_dataloader=None', 'test_evaluator=None',
                 'test_cfg=None', 'train_cfg.max_iters=8',
                 'train_cfg.val_interval=4',
                 'default_hooks.checkpoint.save_best=datafree/agreement',
                 'default_hooks.checkpoint.rule=greater')
    assert 'Iter(val) [1/1]' in log and 'datafree/agreement' in log
    assert 'accuracy/top1' not in log
    best = [f for f in os.listdir(work)
            if f.startswith('best_datafree_agreement')]
    assert len(best) == 1, os.listdir(work)

    # a checkpoint checked without any labelled data: tools/test.py gives
    # the data-free signal alone
    out = str(tmp_path / 'metrics.json')
    _tool(['tools/test.py', TINY, osp.join(work, best[0]),
           '--work-dir', work, '--out', out, '--cfg-options',
           'test_dataloader=None', 'test_evaluator=None'])
    with open(out) as f:
        metrics = json.load(f)
    assert set(metrics) == {'datafree/agreement', 'datafree/discrepancy',
                            'datafree/bn_gap'}
    assert metrics['datafree/bn_gap'] >= 0


def test_measure_iter_time_prints_every_path_side_by_side(tmp_path):
    out = str(tmp_path / 'times.json')
    names = ['bare loop, eager float32 (reference)', 'ours as shipped',
             'ours, float32 NCHW eager', 'ours, bfloat16 + channels_last',
             'MMRazor DFAD as shipped', 'MMRazor DAFL as shipped',
             'MMRazor DAFL + replay hook',
             # the memory study's: a full 60k memory, augmented, half of
             # each student batch; the default before the study
             'ours, pool 60k + augment, replay share 0.5, fastest path on '
             'this CPU',
             'ours, FIFO 1,280 (default before the memory study), fastest '
             'path on this CPU']
    log = _tool(['tools/analysis_tools/measure_iter_time.py',
                 '--batch-size', '4', '--rounds', '2', '--iters', '1',
                 '--threads', '1', '--out', out, '--variants', 'bare',
                 'ours as shipped', 'ours, float32', 'ours, bfloat16 +',
                 'MMRazor DFAD', 'MMRazor DAFL as', 'MMRazor DAFL +',
                 'ours, pool 60k + augment, replay share', 'ours, FIFO 1,280'])
    with open(out) as f:
        figures = json.load(f)
    assert figures['threads'] == 1 and figures['batch'] == 4
    rows = figures['variants']
    assert list(rows) == names  # every path, in one run, in this order
    bare = rows[names[0]]['seconds_per_iter']
    dfad = rows['MMRazor DFAD as shipped']['seconds_per_iter']
    for name, row in rows.items():
        assert len(row['rounds']) == 2 and min(row['rounds']) > 0
        assert min(row['rounds']) <= row['seconds_per_iter'] <= \
            max(row['rounds'])  # the median
        assert row['vs_bare'] == pytest.approx(row['seconds_per_iter'] /
                                               bare)
        assert row['vs_dfad'] == pytest.approx(row['seconds_per_iter'] /
                                               dfad)
        assert name in log  # and the table shows it
    assert rows[names[0]]['vs_bare'] == 1.0


def test_pip_install_packages_configs_and_tools_for_mim(tmp_path,
                                                       fmnist_root):
    """After `pip install .`, mmdfkd/.mim/ holds the configs and tools,
    where `mim train mmdfkd CONFIG` finds them. openmim itself is not a
    test dependency (its openxlab pins setuptools~=60.2, below torch's
    requirement): where it is installed, the test runs `mim train`, else
    the command mim would run."""
    import shutil
    target = tmp_path / 'site'
    _run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps',
          '--no-build-isolation', '--target', str(target), REPO])
    mim_root = target / 'mmdfkd' / '.mim'
    config = mim_root / 'configs' / 'dfkd' / 'fmnist_resnet18w16_resnet18w8.py'
    assert config.is_file() and (mim_root / 'tools' / 'train.py').is_file()
    assert (mim_root / 'configs' / 'dfkd' /
            'cifar100_resnet34_resnet18.py').is_file()
    opts = ['--work-dir', str(tmp_path / 'work'), '--cfg-options',
            'train_cfg.max_iters=1', 'train_cfg.val_interval=1',
            f'val_dataloader.dataset.data_root={fmnist_root}']
    env = dict(PYTHONPATH=str(target))
    mim = shutil.which('mim', path=osp.dirname(sys.executable))
    if mim:
        log = _run([mim, 'train', 'mmdfkd', config.name, *opts], env=env)
        assert f'will use {config}' in log
    else:
        log = _run([sys.executable, str(mim_root / 'tools' / 'train.py'),
                    str(config), '--launcher', 'none', *opts], env=env)
    assert 'Saving checkpoint at 1 iterations' in log
    assert 'accuracy/top1' in log


@pytest.mark.parametrize('script', [
    'tools/test.py', 'tools/benchmark.py', 'demo/fmnist_demo.py',
    'tools/model_converters/convert_to_student.py',
    'tools/analysis_tools/measure_iter_time.py',
    'tools/analysis_tools/memory_fidelity.py',
    'tools/analysis_tools/memory_scale.py',
    'tools/analysis_tools/bare_baselines.py',
    'tools/analysis_tools/gpu_smoke.py'])
def test_each_script_starts_in_a_new_interpreter(script):
    """The other tests run these scripts as forks of a process that has
    imported everything (run_tool); here each starts alone, where an import
    that only works after another would fail (tools/train.py starts alone
    in the DDP and mim tests)."""
    result = subprocess.run([sys.executable, script, '--help'], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith('usage: ')
