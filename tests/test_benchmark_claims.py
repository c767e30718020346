# Copyright (c) mmdfkd contributors. All rights reserved.
"""The figures and verdicts mmdfkd.benchmark.report writes into
results.md."""
import shlex

import pytest

from mmdfkd.benchmark import report


@pytest.fixture(scope='module')
def benchmark():
    return report


def _runs(teacher=93.0, **finals):
    """{method: [run, ...]} from {slug: ([final, ...], seconds_to_T-5)},
    every run with the same teacher."""
    names = {'ours': 'ours', 'no_memory': 'ours w/o memory',
             'dafl': 'MMRazor DAFL', 'dfad': 'MMRazor DFAD'}
    return {names[k]: [dict(final=f, peak=f + 0.2, peak_minus_final=0.2,
                            seconds_to_target=seconds, plateau_gap=0.3,
                            teacher_accuracy=teacher,
                            teacher_weights_sha256=str(teacher))
                       for f in values]
            for k, (values, seconds) in finals.items()}


def _claims(benchmark, runs):
    return benchmark.claims(runs, benchmark.summarise(runs))


def _line(lines, start):
    return next(line for line in lines if line.startswith(start))


@pytest.mark.parametrize('no_memory,verdict', [
    ([85.0, 86.0], 'held'),
    ([89.0, 90.5], 'not shown (seed ranges overlap)'),
    ([92.0, 92.5], 'the opposite held'),
])
def test_memory_claim_compares_every_seed(benchmark, no_memory, verdict):
    lines = _claims(benchmark, _runs(ours=([90.0, 91.0], None),
                                     no_memory=(no_memory, None)))
    assert _line(lines, '- memory vs no memory').endswith(': ' + verdict)
    assert _line(lines, '- BN loss vs none').endswith(': not run yet')


def test_one_seed_gives_no_verdict(benchmark):
    lines = _claims(benchmark, _runs(ours=([90.0], None),
                                     no_memory=([85.0, 86.0], None)))
    assert _line(lines, '- memory vs no memory').endswith(
        'above, too few seeds for a verdict')


@pytest.mark.parametrize('dafl,status', [
    ([80.0, 86.0], 'met'),  # 90 > 86 + 3
    ([87.5, 88.0], 'missed'),  # 90 < 88 + 3
])
def test_baseline_target_needs_three_points_and_separate_seeds(
        benchmark, dafl, status):
    lines = _claims(benchmark, _runs(ours=([90.0, 91.0], None),
                                     dafl=(dafl, None), dfad=([20.0] * 2,
                                                              None)))
    line = _line(lines, '- ours final >= best baseline final + 3')
    assert 'best baseline MMRazor DAFL' in line and line.endswith(status)
    assert _line(lines, '- ours final >= teacher − 3').endswith('met')
    assert _line(lines, '- ours peak − final <= 0.5').endswith('met')


def test_time_to_target_against_the_fastest_baseline(benchmark):
    lines = _claims(benchmark, _runs(ours=([90.0, 91.0], 100.0),
                                     dafl=([80.0, 81.0], 300.0),
                                     dfad=([20.0, 21.0], None)))
    line = _line(lines, '- wall time to teacher − 5')
    assert 'ours 100 s vs half of MMRazor DAFL 150 s: met' in line
    assert 'never reached: MMRazor DFAD' in line
    lines = _claims(benchmark, _runs(ours=([90.0, 91.0], None),
                                     dafl=([80.0, 81.0], 300.0)))
    assert 'missed: ours never reached' in _line(
        lines, '- wall time to teacher − 5')
    assert _line(lines, '- teacher >= 92 %').endswith(': 93.00 %, met')


def test_runs_of_other_trainings_of_the_teacher_recipe(benchmark):
    """Each fresh machine trains the teacher again; one with another CPU
    gives other weights. Every teacher is listed and checked, and ours is
    held to the mean of its own runs' teachers."""
    runs = _runs(teacher=93.0, ours=([90.0], None), dafl=([80.0], None))
    other = _runs(teacher=91.5, ours=([89.0], None))
    runs['ours'] += other['ours']
    assert benchmark.teachers(runs) == {'93.0': (93.0, 2),
                                        '91.5': (91.5, 1)}
    lines = _claims(benchmark, runs)
    assert _line(lines, '- teacher >= 92 %').endswith(
        ': 93.00, 91.50 %, missed')
    # ours 89.5 on average against (93.0 + 91.5) / 2 - 3 = 89.25
    assert _line(lines, '- ours final >= teacher − 3 (89.25)').endswith(
        'met')


def test_plateau_line_keeps_method_names_apart(benchmark):
    """Method names may hold a comma ('ours, FIFO memory'): the lists of
    plateaued and not plateaued methods must still read unambiguously."""
    runs = _runs(ours=([90.0, 91.0], None), dafl=([80.0, 81.0], None))
    runs['ours, FIFO memory'] = [dict(r, plateau_gap=2.0)
                                 for r in runs['ours']]
    runs['ours'] = [dict(r, plateau_gap=1.0) for r in runs['ours']]
    line = _line(_claims(benchmark, runs), '- plateaued')
    assert line.endswith(
        ': MMRazor DAFL. Not: ours; ours, FIFO memory'), line


def test_recorded_command_can_be_typed_again(benchmark):
    argv = ['tools/benchmark.py', '--split', 'val', '--methods', 'ours',
            'ours, FIFO memory']
    assert shlex.split(benchmark.command_line(argv)) == ['python'] + argv


def test_forgetting_measure_counts_falls_between_evaluations(benchmark):
    assert benchmark.forgetting([50.0, 70.0, 43.0, 72.0, 69.0, 75.0]) == \
        (27.0, 2)
    assert benchmark.forgetting([10.0, 20.0, 30.0]) == (0.0, 0)


def test_seconds_to_an_accuracy_and_the_new_columns(benchmark, tmp_path):
    run = dict(history_iters=[10, 20, 30], history_values=[40.0, 80.0, 85.0],
               time_per_iter=0.5, student_steps=5)
    assert benchmark.seconds_to(run, 79.0) == 10.0
    assert benchmark.seconds_to(run, 90.0) is None
    metrics = benchmark.run_metrics(run, 93.0, best_baseline=84.0)
    assert metrics['seconds_to_best_baseline'] == 15.0
    assert metrics['largest_drop'] == 0.0 and metrics['drops_over_2'] == 0
    runs = {'ours': [dict(run, final=85.0, peak=85.0, mean=70.0,
                          variance=1.0, peak_minus_final=0.0, iters=30,
                          peak_rss_mb=1.0, memory_bytes=0, **metrics)]}
    table = benchmark.summarise(runs)
    path = tmp_path / 'results.md'
    benchmark.write_markdown(
        str(path), table, 93.0,
        dict(complete=True, teachers=[1], split='val', evals=3, updates=150,
             batch=64, machine='m', date='d', command='c', jobs=1,
             best_baseline=84.0))
    text = path.read_text()
    assert '| largest drop | drops > 2 | s to best baseline (n) |' in text
    assert '| 0.00 | 0.0 | 15 (1) |' in text
    benchmark.plot(str(tmp_path / 'a.png'), runs, 93.0, 'val')
    assert (tmp_path / 'a.png').stat().st_size > 1000


def test_the_committed_teacher_is_the_recorded_one(tmp_path, monkeypatch):
    """The benchmark's teacher is committed with its hash; a changed file
    is refused before any run."""
    import json

    import torch

    from mmdfkd.benchmark import teacher
    from mmdfkd.testing import REPO
    from mmdfkd.utils.errors import ConfigError
    monkeypatch.chdir(REPO)
    facts = teacher.check_committed_teacher()
    assert facts['weights_sha256'].startswith('dca217b7')
    assert facts['accuracy']['test'] >= 92
    state = torch.load(teacher.TEACHER_CKPT, weights_only=True)
    assert all(torch.is_tensor(v) for v in state.values())
    state[next(iter(state))] += 1  # another training's weights
    changed = tmp_path / 'teacher.pth'
    torch.save(state, str(changed))
    with pytest.raises(ConfigError, match='holds other weights'):
        teacher.check_committed_teacher(str(changed))
    assert json.load(open(teacher.FACTS))['recipe_sha256'].startswith(
        '0e7ce37b')
