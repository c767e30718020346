# Copyright (c) mmdfkd contributors. All rights reserved.
"""The verdicts tools/benchmark.py writes into results.md."""
import importlib.util
import os.path as osp
import shlex

import pytest

from mmdfkd.testing import REPO


@pytest.fixture(scope='module')
def benchmark():
    spec = importlib.util.spec_from_file_location(
        'benchmark', osp.join(REPO, 'tools', 'benchmark.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
