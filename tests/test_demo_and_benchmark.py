# Copyright (c) mmdfkd contributors. All rights reserved.
"""`make demo` and tools/benchmark.py at reduced size, on fixture data."""
import glob
import json
import os.path as osp
import re
import subprocess
import sys

import pytest

from mmdfkd.testing import REPO, run_tool


def _run(args, timeout=900):
    result = run_tool(args, timeout=timeout)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    return result.stdout


def test_demo_pipeline_prints_the_table_and_draws(tmp_path, fmnist_root):
    work = str(tmp_path / 'demo')
    out = _run(['demo/fmnist_demo.py', '--quick', '--data-root', fmnist_root,
                '--work-dir', work, '--teacher-ckpt',
                str(tmp_path / 'teacher.pth'), '--path', 'float32'])
    for row in ('teacher accuracy (real test split)',
                'student accuracy, final', 'student peak minus final',
                'pictures (generated / replayed)',
                'student-teacher agreement on held-out generated samples',
                'BN-statistics gap of held-out generated samples',
                'exported student (plain mmpretrain)'):
        assert row in out
    gap, real = re.search(
        r'BN-statistics gap of held-out generated samples.*?'
        r'([0-9.]+) \(([0-9.]+)\)', out).groups()
    assert float(gap) >= 0 and float(real) >= 0
    assert osp.isfile(tmp_path / 'teacher.pth')
    student = osp.join(work, 'student', 'student.pth')
    assert student in out and osp.isfile(student)
    assert osp.isfile(osp.join(work, 'student', 'student_config.py'))
    pictures = glob.glob(osp.join(work, 'distil', '*', 'vis_data',
                                  'vis_image', '*.png'))
    names = {osp.basename(p).rsplit('_', 1)[0] for p in pictures}
    assert names == {'generator_samples', 'memory_samples'}
    assert 'float32, NCHW, eager' in out  # the config as it ships
    # the teacher is reused on a second run, here on the fastest path
    out = _run(['demo/fmnist_demo.py', '--quick', '--data-root', fmnist_root,
                '--work-dir', work, '--teacher-ckpt',
                str(tmp_path / 'teacher.pth')])  # --path auto
    assert 'Reusing the teacher' in out
    from mmdfkd.engine import describe_path, fastest_path
    path = fastest_path()
    assert describe_path(dict(
        precision='bfloat16' if path.get('amp') else 'float32',
        channels_last=path.get('channels_last', False))) in out


def test_benchmark_quick_profile(tmp_path, fmnist_root):
    out_dir = tmp_path / 'out'
    args = ['tools/benchmark.py', '--quick', '--data-root', fmnist_root,
            '--out-dir', str(out_dir), '--work-dir', str(tmp_path / 'work'),
            '--teacher-ckpt', str(tmp_path / 'teacher.pth'), '--methods',
            'ours', 'ours w/o memory', 'MMRazor DFAD']
    out = _run(args)
    assert out.count('running ') == 3
    with open(out_dir / 'results.json') as f:
        results = json.load(f)
    # ours, its ablation by cfg-options, and an MMRazor baseline: every
    # other default method is one of these kinds (each config steps in
    # tests/test_configs.py)
    methods = {'ours', 'ours w/o memory', 'MMRazor DFAD'}
    assert set(results['summary']) == methods
    assert results['meta']['complete'] is True
    for row in results['summary'].values():
        for key in ('final', 'peak', 'mean'):
            assert 0 <= row[key] <= 100
        assert row['peak'] >= row['final']
        assert row['time_per_iter'] > 0 and row['peak_rss_mb'] > 0
    assert results['summary']['ours']['memory_bytes'] > 0
    ours_iters = results['runs']['ours'][0]['iters']
    assert results['summary']['ours w/o memory']['memory_bytes'] == 0
    # the last checkpoint holds the memory's samples (so far: 16 an
    # iteration, float16 28 x 28): larger than without it
    with_memory, without = (results['summary'][m]['checkpoint_bytes']
                            for m in ('ours', 'ours w/o memory'))
    assert with_memory >= without + 16 * ours_iters * 28 * 28 * 2 > 0
    assert all(row['save_seconds'] > 0
               for row in results['summary'].values())
    ours = results['runs']['ours'][0]
    assert len(ours['history_datafree']['agreement']) == \
        len(ours['history_values'])
    # the BN-statistics gap of the held-out samples, kept per evaluation
    # and reported at the end, for ours; MMRazor's models have no signal
    assert ours['final_bn_gap'] == ours['history_datafree']['bn_gap'][-1]
    assert results['summary']['ours']['final_bn_gap'] >= 0
    assert results['summary']['MMRazor DFAD']['final_bn_gap'] is None
    assert '| BN gap (n) |' in (out_dir / 'results.md').read_text()
    table = (out_dir / 'results.md').read_text()
    assert sum(f'| {m} |' in table for m in methods) == len(methods)
    assert '- memory vs no memory: final ' in table and 'Targets:' in table
    assert results['claims'][0].startswith('- memory vs no memory: final ')
    assert all(r['jobs'] == 2 for rs in results['runs'].values()
               for r in rs)
    assert (out_dir / 'accuracy.png').stat().st_size > 1000
    assert len(list((out_dir / 'runs' / 'test').iterdir())) == 3
    # a restart with the same settings runs nothing again
    out = _run(args)
    assert 'running ' not in out
    # a run of another training of the same teacher recipe (another
    # machine's weights) counts, against its own teacher's accuracy
    run_file = out_dir / 'runs' / 'test' / 'ours_seed0.json'
    run = json.loads(run_file.read_text())
    assert run['teacher_weights_sha256'] == \
        results['meta']['teacher_weights_sha256']
    assert run['teacher_recipe_sha256'] == \
        results['meta']['teacher_recipe_sha256']
    assert run['teacher_accuracy'] == results['teacher_accuracy']
    run_file.write_text(json.dumps(dict(
        run, teacher_weights_sha256='0' * 64,
        teacher_accuracy=run['teacher_accuracy'] + 1.0)))
    out = _run(args)
    assert 'running ' not in out
    results = json.loads((out_dir / 'results.json').read_text())
    assert sorted(t['runs'] for t in results['meta']['teachers']) == [1, 2]
    assert results['teacher_accuracy'] == pytest.approx(
        run['teacher_accuracy'] + 0.5)
    assert 'mean of 2 trainings of the same seeded recipe' in \
        (out_dir / 'results.md').read_text()
    # a run of another teacher recipe does not count: it runs again
    run_file.write_text(
        json.dumps(dict(run, teacher_recipe_sha256='0' * 64)))
    out = _run(args)
    assert out.count('running ') == 1 and 'running ours seed 0' in out
    # ... from the checkpoint of the same run (same spec and teacher
    # weights), here its last: the evaluation that came after that
    # checkpoint is made again, with the same result, and the timings of
    # the whole run are restored
    rerun = json.loads(run_file.read_text())
    assert run['resumed_at_iter'] == 0
    assert rerun['resumed_at_iter'] == rerun['iters'] == run['iters']
    assert rerun['history_iters'] == run['history_iters']
    assert rerun['history_values'] == run['history_values']
    assert rerun['time_per_iter'] == run['time_per_iter']
    out = _run(args + ['--report-only'])
    assert 'running ' not in out and 'rewritten from the finished runs' in out


def test_every_default_method_loads_with_its_options():
    """The methods the quick profile does not run: each names a config
    that loads, with options that merge into it and change it."""
    from mmengine.config import Config

    from fmnist_benchmark import DEFAULT_METHODS, METHODS
    assert len(DEFAULT_METHODS) == len(set(DEFAULT_METHODS)) == 8
    for name in DEFAULT_METHODS:
        spec = METHODS[name]
        cfg = Config.fromfile(osp.join(REPO, spec['config']))
        before = cfg.to_dict()
        cfg.merge_from_dict(spec['options'])
        assert (cfg.to_dict() != before) == bool(spec['options']), name


def test_bare_baseline_loops_train_and_report(tmp_path, fmnist_root):
    """tools/analysis_tools/bare_baselines.py on fixture data: the paper's
    loop runs on the benchmark's networks and writes its curve."""
    from mmdfkd.registry import MODELS
    from mmdfkd.testing import save_state_dict, tiny_classifier
    teacher = MODELS.build(tiny_classifier(1, 10, width=16))
    ckpt = save_state_dict(teacher, str(tmp_path / 'teacher.pth'))
    for method, updates, iters in (('dfad', 10, 2), ('zskt', 20, 2)):
        out = _run(['tools/analysis_tools/bare_baselines.py', method,
                    '--updates', str(updates), '--evals', '2',
                    '--data-root', fmnist_root, '--teacher-ckpt', ckpt,
                    '--out-dir', str(tmp_path / 'bare')])
        path = tmp_path / 'bare' / f'{method}_seed0.json'
        assert str(path) in out
        result = json.loads(path.read_text())
        assert result['iters'] == iters and result['split'] == 'val'
        assert [u for u, _ in result['curve']] == [
            i * updates // iters for i in (1, 2)]
        assert all(0 <= a <= 100 for _, a in result['curve'])
        assert result['final'] == result['curve'][-1][1]
        assert result['time_per_iter'] > 0


def test_benchmark_collects_whichever_run_ends_first():
    """Two runs side by side: the shorter one is collected (and its result
    written) while the longer one goes on, not after it."""
    from fmnist_benchmark import runner as benchmark
    running = [(name, (subprocess.Popen(
        [sys.executable, '-c', f'import time; time.sleep({sleep})']), ))
               for name, sleep in (('long', 8), ('short', 0.5))]
    entry, status, _ = benchmark.wait_any(running)
    assert entry[0] == 'short' and status == 0
    assert [r[0] for r in running] == ['long']
    assert running[0][1][0].poll() is None  # still running
    entry, status, _ = benchmark.wait_any(running)
    assert entry[0] == 'long' and status == 0 and running == []


def test_benchmark_runs_the_replay_study_methods(tmp_path, fmnist_root):
    """MMRazor's DAFL with the replay hook (ours' memory) and the
    real-data ceiling run through the benchmark like any method."""
    out_dir = tmp_path / 'out'
    out = _run(['tools/benchmark.py', '--quick', '--data-root', fmnist_root,
                '--out-dir', str(out_dir), '--work-dir',
                str(tmp_path / 'work'), '--teacher-ckpt',
                str(tmp_path / 'teacher.pth'), '--methods',
                'MMRazor DAFL + replay hook', 'real-data KD (ceiling)',
                'MMRazor DAFL + replay hook, same iterations'])
    assert out.count('running ') == 3
    results = json.loads((out_dir / 'results.json').read_text())
    hook = results['runs']['MMRazor DAFL + replay hook'][0]
    ceiling = results['runs']['real-data KD (ceiling)'][0]
    assert hook['memory_bytes'] > 0  # the hook's memory
    assert ceiling['memory_bytes'] == 0
    # the same student updates: the hook makes 2 per iteration
    assert (hook['iters'], hook['student_steps']) == (20, 2)
    assert (ceiling['iters'], ceiling['student_steps']) == (40, 1)
    # as a user adds it to DAFL's config: DAFL's iterations, so twice the
    # updates
    same_iters = results['runs'][
        'MMRazor DAFL + replay hook, same iterations'][0]
    assert (same_iters['iters'], same_iters['student_steps']) == (40, 2)
    assert same_iters['memory_bytes'] > 0
    assert 0 <= ceiling['final'] <= 100


def test_first_seed_splits_the_seeds_and_bad_ranges_are_refused(
        monkeypatch, capsys):
    from types import SimpleNamespace

    import benchmark

    from fmnist_benchmark.runner import seeds_to_run
    assert list(seeds_to_run(SimpleNamespace(first_seed=1, seeds=3), 2)) \
        == [1, 2]
    assert list(seeds_to_run(SimpleNamespace(first_seed=0, seeds=None), 2)) \
        == [0, 1]
    monkeypatch.setattr(sys, 'argv', ['benchmark.py', '--first-seed', '1',
                                      '--seeds', '3'])
    assert benchmark.parse_args().first_seed == 1
    for bad, says in ((['--first-seed', '2', '--seeds', '2'],
                       '--first-seed 2 runs seeds 2 to --seeds - 1'),
                      (['--first-seed', '1'], 'give --seeds above it'),
                      (['--first-seed', '1', '--seeds', '2', '--quick'],
                       '--quick runs seed 0 only')):
        monkeypatch.setattr(sys, 'argv', ['benchmark.py', *bad])
        with pytest.raises(SystemExit) as exit_:
            benchmark.parse_args()
        assert exit_.value.code == 2 and says in capsys.readouterr().err
