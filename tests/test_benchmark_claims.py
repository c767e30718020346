# Copyright (c) mmdfkd contributors. All rights reserved.
"""The figures and verdicts fmnist_benchmark.report writes into
results.md."""
import shlex

import pytest

from fmnist_benchmark import report


@pytest.fixture(scope='module')
def benchmark():
    return report


def _runs(teacher=93.0, **finals):
    """{method: [run, ...]} from {slug: ([final, ...], seconds_to_T-5)},
    every run with the same teacher."""
    names = {'ours': 'ours', 'no_memory': 'ours w/o memory',
             'dafl': 'MMRazor DAFL', 'dfad': 'MMRazor DFAD'}
    return {names[k]: [dict(final=f, peak=f + 0.2, peak_minus_final=0.2,
                            mean=f - 10, largest_drop=1.0,
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
    final = _line(lines, '- memory vs no memory').split('; ')[0]
    assert final.startswith('- memory vs no memory: final ')
    assert final.endswith(': ' + verdict)
    assert _line(lines, '- BN loss vs none').endswith(': not run yet')


def test_one_seed_gives_no_verdict(benchmark):
    lines = _claims(benchmark, _runs(ours=([90.0], None),
                                     no_memory=([85.0, 86.0], None)))
    assert _line(lines, '- memory vs no memory').split('; ')[0].endswith(
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
                          peak_rss_mb=1.0, memory_bytes=0,
                          checkpoint_bytes=3 * 2**20, save_seconds=0.25,
                          **metrics)]}
    # a run from before the checkpoint's columns: none recorded
    runs['older'] = [dict(runs['ours'][0], checkpoint_bytes=None,
                          save_seconds=None)]
    table = benchmark.summarise(runs)
    path = tmp_path / 'results.md'
    benchmark.write_markdown(
        str(path), table, 93.0,
        dict(complete=True, teachers=[1], split='val', evals=3, updates=150,
             batch=64, machine='m', date='d', command='c', jobs=1,
             best_baseline=84.0))
    text = path.read_text()
    assert ('| memory (MB) | checkpoint (MB) | save (s) | largest drop | '
            'drops > 2 | s to best baseline (n) |') in text
    assert '| 0.00 | 3.00 | 0.25 | 0.00 | 0.0 | 15 (1) |' in text
    assert '| 0.00 | – | – | 0.00 | 0.0 | 15 (1) |' in text
    benchmark.plot(str(tmp_path / 'a.png'), runs, 93.0, 'val')
    assert (tmp_path / 'a.png').stat().st_size > 1000


def test_the_committed_teacher_is_the_recorded_one(tmp_path, monkeypatch):
    """The benchmark's teacher is committed with its hash; a changed file
    is refused before any run."""
    import json

    import torch

    from fmnist_benchmark import teacher
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


def _policy_table(benchmark, finals_means, seeds=3):
    runs = {m: [dict(final=f, mean=mean, teacher_accuracy=93.0)] * seeds
            for m, (f, mean) in finals_means.items()}
    return benchmark.summarise(runs)


@pytest.mark.parametrize('figures,winner', [
    # the highest mean final wins when no other is within 0.5 points
    ({'reservoir': (87.0, 80.0), 'FIFO': (88.0, 79.0),
      'class-balanced': (86.0, 82.0)}, 'ours, FIFO memory'),
    # within 0.5 points of the best final: the higher mean over the run
    ({'reservoir': (87.0, 80.0), 'FIFO': (87.4, 79.0),
      'class-balanced': (86.0, 82.0)}, 'ours, reservoir memory'),
    ({'reservoir': (87.0, 80.0), 'FIFO': (87.4, 79.0),
      'class-balanced': (86.95, 82.0)}, 'ours, class-balanced memory'),
])
def test_policy_rule_picks_the_winner(benchmark, figures, winner):
    table = _policy_table(benchmark, {
        f'ours, {k} memory': v for k, v in figures.items()})
    line, = benchmark.policy_choice(table)
    assert f'**{winner}**' in line, line


def test_policy_rule_waits_for_every_seed(benchmark):
    table = _policy_table(benchmark, {
        'ours, reservoir memory': (87.0, 80.0),
        'ours, FIFO memory': (88.0, 79.0),
        'ours, class-balanced memory': (86.0, 82.0)}, seeds=3)
    table['ours, FIFO memory']['final_n'] = 2
    line, = benchmark.policy_choice(table)
    assert 'not decided' in line and 'ours, FIFO memory' in line
    assert benchmark.policy_choice({}) == []


def _replay_runs(dafl, hook, ours, no_memory, ceiling):
    """{method: runs} from {(final, mean, largest drop), ...} per seed."""
    def runs(figures):
        return [dict(final=f, mean=m, largest_drop=d, peak=f,
                     peak_minus_final=0.0, teacher_accuracy=93.0,
                     teacher_weights_sha256='t') for f, m, d in figures]
    return {'MMRazor DAFL': runs(dafl), 'MMRazor DAFL + replay hook':
            runs(hook), 'ours': runs(ours), 'ours w/o memory':
            runs(no_memory), 'real-data KD (ceiling)': runs(ceiling)}


def test_replay_targets_and_verdicts(benchmark):
    runs = _replay_runs(
        dafl=[(78.0, 61.0, 28.0), (76.0, 59.0, 20.0)],
        hook=[(80.0, 67.0, 10.0), (79.0, 66.0, 9.0)],
        ours=[(89.0, 80.0, 3.0), (88.0, 79.0, 4.0)],
        no_memory=[(88.5, 79.5, 2.0), (87.0, 78.5, 5.0)],
        ceiling=[(90.5, 85.0, 1.0)])
    lines = _claims(benchmark, runs)
    # mean 66.5 >= 60 + 5; drop 9.5 <= 24 / 2; final 79.5 >= 77
    assert _line(lines, '- DAFL + replay hook mean over').endswith('met')
    assert _line(lines, '- DAFL + replay hook largest drop').endswith('met')
    assert _line(lines, '- DAFL + replay hook final').endswith('met')
    line = _line(lines, '- DAFL + replay hook vs DAFL')
    assert 'final 79.50 ± 0.50 (n=2) vs 77.00 ± 1.00 (n=2): held' in line
    # every hook seed lost less than every DAFL seed
    assert 'largest drop 9.50 ± 0.50 (n=2) vs 24.00 ± 4.00 (n=2): held' \
        in line
    # ours 88.5 vs 87.75 final: met; mean 79.5 vs 79.0: not + 1
    assert _line(lines, '- ours final >= ours w/o memory').endswith('met')
    assert _line(lines, '- ours mean over the run >= ours w/o').endswith(
        'missed')
    assert 'not shown' in _line(lines, '- memory vs no memory')
    # ceiling 90.5 - 88.5 = 2.0: within 2 points
    assert _line(lines, '- ours final within 2 points').endswith(
        '(ceiling − ours 2.00), met')
    runs['real-data KD (ceiling)'][0]['final'] = 91.0
    assert _line(_claims(benchmark, runs),
                 '- ours final within 2 points').endswith('missed')
    runs['MMRazor DAFL + replay hook'][0].update(final=70.0, mean=62.0,
                                                 largest_drop=17.0)
    lines = _claims(benchmark, runs)
    assert _line(lines, '- DAFL + replay hook mean over').endswith('missed')
    assert _line(lines, '- DAFL + replay hook largest drop').endswith(
        'missed')
    assert _line(lines, '- DAFL + replay hook final').endswith('missed')


def test_claims_name_only_planned_comparisons(benchmark):
    runs = _replay_runs(
        dafl=[(78.0, 61.0, 28.0)], hook=[(80.0, 67.0, 10.0)],
        ours=[(89.0, 80.0, 3.0)], no_memory=[(88.5, 79.5, 5.0)],
        ceiling=[(90.5, 85.0, 1.0)])
    del runs['MMRazor DAFL + replay hook']
    planned = ['ours', 'ours w/o memory', 'MMRazor DAFL',
               'MMRazor DAFL + replay hook']
    lines = benchmark.claims(runs, benchmark.summarise(runs), planned)
    # planned, no runs yet: said; not planned: left out
    assert _line(lines, '- DAFL + replay hook vs DAFL').endswith(
        ': not run yet')
    assert not [line for line in lines
                if line.startswith('- BN loss vs none')]
    # one seed a side: a direction, in the measure's own sense (a smaller
    # largest drop is the better one)
    line = _line(lines, '- memory vs no memory')
    assert 'largest drop 3.00 ± 0.00 (n=1) vs 5.00 ± 0.00 (n=1): below, ' \
        'too few seeds' in line
    assert 'final 89.00 ± 0.00 (n=1) vs 88.50 ± 0.00 (n=1): above, too ' \
        'few seeds' in line


def test_ceiling_is_a_line_in_the_plot(benchmark, tmp_path, monkeypatch):
    import matplotlib.axes
    lines = []
    monkeypatch.setattr(matplotlib.axes.Axes, 'axhline',
                        lambda self, y, **kw: lines.append((y, kw['label'])))
    run = dict(history_iters=[10, 20], history_values=[40.0, 80.0],
               time_per_iter=0.5, student_steps=1, final=80.0)
    benchmark.plot(str(tmp_path / 'a.png'),
                   {'ours': [run], 'real-data KD (ceiling)':
                    [dict(run, final=91.0)]}, 93.0, 'test')
    assert (91.0, 'real-data KD (ceiling), final (1 seed)') in lines
    assert (93.0, 'teacher') in lines


def _curve(final, warmup, iters):
    """A run whose accuracy is 10 through the warm-up, then climbs by 1
    an evaluation to ``final``."""
    hist = list(range(warmup, iters + 1, 10))
    values = [min(final, 80.0 + k) for k in range(len(hist))]
    values[-1] = final
    return dict(history_iters=[10] + hist, history_values=[10.0] + values,
                final=final)


def test_time_to_the_lower_final_counts_updates_and_warm_up_seconds(
        tmp_path):
    """Fast-DFKD's warm-up iterations make no student update and cost
    their own time; ours has none. The lower final (here ours', 85) is
    reached by ours at iteration 60 (300 updates) and by Fast-DFKD at
    iteration 290 + 50 (250 updates)."""
    import json
    runs = {'ours': [_curve(85.0, 10, 100)],
            'Fast-DFKD': [_curve(90.0, 290, 400)]}
    table = {m: dict(final=rs[0]['final']) for m, rs in runs.items()}
    line = report.to_lower_final(runs, table, 'ours', 'Fast-DFKD')
    assert 'ours 300 updates (1 of 1 seeds)' in line
    assert 'Fast-DFKD 250 updates (1 of 1 seeds)' in line
    assert line.endswith('no side-by-side timing (iter_time.json)')
    timed = tmp_path / 'iter_time.json'
    timed.write_text(json.dumps(dict(variants={
        'ours, fastest path on this CPU': dict(seconds_per_iter=2.0),
        'Fast-DFKD as shipped': dict(seconds_per_iter=1.0),
        'Fast-DFKD, warm-up round': dict(seconds_per_iter=0.5)})))
    costs = report.load_costs(str(timed))
    assert costs == {'ours': (2.0, 0.0), 'Fast-DFKD': (1.0, 0.5)}
    line = report.to_lower_final(runs, table, 'ours', 'Fast-DFKD', costs)
    # ours 60 x 2.0 = 120 s; Fast-DFKD 50 x 1.0 + 290 x 0.5 = 195 s
    assert 'ours 300 updates (1 of 1 seeds), 120 s' in line
    assert 'Fast-DFKD 250 updates (1 of 1 seeds), 195 s' in line
    assert line.endswith(': ours first')
    assert report.load_costs(str(tmp_path / 'none.json')) is None


def test_any_path_counts_runs_of_another_cpus_path_only():
    from types import SimpleNamespace

    from fmnist_benchmark.runner import counts
    settings = dict(updates=16000, path={'channels_last': True})
    run = dict(settings=dict(updates=16000,
                             path={'amp': True, 'channels_last': True}),
               teacher_recipe_sha256='r')
    args = SimpleNamespace(teacher_recipe_sha256='r', any_path=False)
    assert not counts(run, settings, args)
    args.any_path = True
    assert counts(run, settings, args)
    run['settings']['updates'] = 8000  # other settings still must match
    assert not counts(run, settings, args)
