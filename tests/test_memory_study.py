# Copyright (c) mmdfkd contributors. All rights reserved.
"""The memory study (issue 30): its candidates stay what they ran as
whatever the configs ship, its rule picks the default, its targets get
their verdicts."""
import json

import pytest
from mmengine.config import Config

from fmnist_benchmark import report
from fmnist_benchmark.methods import (
    MEMORY_CANDIDATES,
    METHODS,
    OURS,
    PREVIOUS_DEFAULT,
)

BEFORE = dict(type='mmdfkd.ReplayMemory', capacity=1280,
              policy=dict(type='mmdfkd.FIFOPolicy'), push_per_iter=16,
              replay_batch_size=32, dtype='float16')
L1 = dict(type='mmdfkd.LogitDiscrepancyLoss', mode='l1')
AUGMENTS = [dict(type='mmdfkd.BatchRandomCrop', padding=4),
            dict(type='mmdfkd.BatchRandomFlip')]
KL20 = dict(type='mmdfkd.LogitDiscrepancyLoss', mode='kl', temperature=20.0)
# what each candidate is, written out as the README's table says
EXPECTED = {
    PREVIOUS_DEFAULT: (BEFORE, L1, None),
    'ours, pool 10k': (dict(BEFORE, capacity=10240), L1, None),
    'ours, pool 60k': (dict(BEFORE, capacity=60000), L1, None),
    'ours, pool 60k + augment': (
        dict(BEFORE, capacity=60000, augments=AUGMENTS), L1, None),
    'ours, pool 60k + augment, KL T=20': (
        dict(BEFORE, capacity=60000, augments=AUGMENTS), KL20, None),
    'ours, pool 60k + augment, replay only, KL T=20': (
        dict(BEFORE, capacity=60000, augments=AUGMENTS), KL20, 1.0),
    'ours, pool 60k + augment, replay share 0.5': (
        dict(BEFORE, capacity=60000, augments=AUGMENTS), L1, 0.5),
}
# a default other than today's, in every key the candidates set
ELSEWHERE = {
    'model.memory.capacity': 999, 'model.memory.push_per_iter': 7,
    'model.memory.dtype': 'uint8',
    'model.memory.policy.type': 'mmdfkd.ReservoirPolicy',
    'model.memory.augments': [dict(type='mmdfkd.BatchRandomFlip')],
    'model.distill_loss': dict(mode='kl', temperature=4.0),
    'model.replay_share': 0.25,
}


@pytest.mark.parametrize('shipped', [{}, ELSEWHERE],
                         ids=['config as shipped', 'another default'])
@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_each_candidate_is_written_out_key_by_key(name, shipped):
    cfg = Config.fromfile(OURS)
    cfg.merge_from_dict(shipped)
    cfg.merge_from_dict(METHODS[name]['options'])
    memory, loss, share = EXPECTED[name]
    assert cfg.model.memory.to_dict() == memory
    assert cfg.model.distill_loss.to_dict() == loss
    assert cfg.model.replay_share == share
    assert set(MEMORY_CANDIDATES) | {PREVIOUS_DEFAULT} == set(EXPECTED)


@pytest.mark.parametrize('shipped', [{}, ELSEWHERE],
                         ids=['config as shipped', 'another default'])
@pytest.mark.parametrize('name,candidate', [
    ('ours w/o memory, KL T=20', 'ours, pool 60k + augment, KL T=20'),
    ('ours w/o memory, L1', 'ours, pool 60k + augment'),
])
def test_without_memory_is_the_candidate_with_memory_none(
        name, candidate, shipped):
    """The memory-vs-none runs: the candidate's config with memory=None,
    every other key equal, whatever the configs ship."""
    configs = []
    for method in (name, candidate):
        cfg = Config.fromfile(OURS)
        cfg.merge_from_dict(shipped)
        cfg.merge_from_dict(METHODS[method]['options'])
        configs.append(cfg.to_dict())
    without, with_memory = configs
    assert without['model'].pop('memory') is None
    assert with_memory['model'].pop('memory')['capacity'] == 60000
    assert without == with_memory
    assert METHODS[name]['steps'] == METHODS[candidate]['steps']


@pytest.mark.parametrize('name,adv_type,adv_cfg', [
    ('ours, pool 60k + augment, KL T=20, L1 adversarial',
     'LogitDiscrepancyLoss', L1),
    ('ours, pool 60k + augment, KL T=20, JS adversarial', 'JSDivergence',
     dict(type='mmdfkd.JSDivergence', temperature=3.0)),
])
def test_kl20_with_another_generator_loss_changes_only_it(
        name, adv_type, adv_cfg):
    """The follow-ups of KL T=20 (outside the rule): the same options, and
    the generator maximises L1 or Jensen-Shannon at T=3; built, the
    algorithm uses each loss where its name says."""
    from mmdfkd.registry import MODELS
    from mmdfkd.testing import tiny_algorithm
    cfg = Config.fromfile(OURS)
    assert 'adv_loss' not in cfg.model  # so the option is all of it
    kl20 = dict(METHODS['ours, pool 60k + augment, KL T=20']['options'])
    cfg.merge_from_dict(METHODS[name]['options'])
    assert cfg.model.adv_loss.to_dict() == adv_cfg
    assert {k: v for k, v in METHODS[name]['options'].items()
            if k != 'model.adv_loss'} == kl20
    algorithm = MODELS.build(tiny_algorithm(
        distill_loss=cfg.model.distill_loss.to_dict(),
        adv_loss=cfg.model.adv_loss.to_dict()))
    assert algorithm.distill_loss.mode == 'kl'
    assert type(algorithm.adv_loss).__name__ == adv_type
    assert algorithm.adv_loss.temperature == adv_cfg.get('temperature', 1.0)
    assert name not in MEMORY_CANDIDATES  # the rule's set is closed


def _run(final, mean, seed=0, **extra):
    return dict(final=final, mean=mean, seed=seed, peak=final,
                peak_minus_final=0.0, largest_drop=1.0,
                teacher_accuracy=93.0, teacher_weights_sha256='t', **extra)


def _screened(finals):
    """Seed-0 runs of every candidate, finals in MEMORY_CANDIDATES'
    order."""
    return {m: [_run(f, 80.0)] for m, f in zip(MEMORY_CANDIDATES, finals)}


def _choice(runs, costs=None):
    return report.memory_choice(runs, report.summarise(runs), costs)


def test_screening_waits_for_every_candidate_then_sends_the_best_three():
    names = list(MEMORY_CANDIDATES)
    runs = _screened([90.0, 88.0, 91.0])
    line, = _choice(runs)
    assert line.startswith('- memory screening: 3 of 6 candidates run')
    assert line.endswith('not yet: ' + '; '.join(names[3:]))
    runs = _screened([90.0, 88.0, 91.0, 89.0, 87.0, 89.5])
    screening, decision = _choice(runs)
    assert screening.endswith(
        f'to 3 seeds: {names[2]}; {names[0]}; {names[5]}')
    assert decision.startswith('- memory by the rule: not decided')
    for name in (names[2], names[0], names[5], PREVIOUS_DEFAULT):
        assert name in decision
    assert names[3] not in decision


def _round(figures, screening=(90.0, 80.0, 91.0, 85.0, 80.0, 89.5)):
    """The screening, then 3 seeds each of the best three and the default
    before, from {name: (mean final, mean over the run)}."""
    runs = _screened(screening)
    for name, (final, mean) in figures.items():
        runs[name] = [_run(final + d, mean + d, seed) for seed, d in
                      enumerate((-0.1, 0.0, 0.1))]
    return runs


POOL, AUG, SHARE = ('ours, pool 60k + augment', 'ours, pool 60k',
                    'ours, pool 60k + augment, replay share 0.5')


@pytest.mark.parametrize('figures,winner,how', [
    # the highest mean final, nothing within 0.5 points
    ({POOL: (91.0, 80.0), AUG: (90.0, 85.0), SHARE: (89.0, 86.0),
      PREVIOUS_DEFAULT: (88.0, 81.0)}, POOL, '(the highest mean final;'),
    # within 0.5 points of the best final: the higher mean over the run
    ({POOL: (91.0, 80.0), AUG: (90.6, 85.0), SHARE: (89.0, 86.0),
      PREVIOUS_DEFAULT: (88.0, 81.0)}, AUG, 'the higher mean over the run;'),
    # the default before the study can keep its place
    ({POOL: (88.0, 80.0), AUG: (88.1, 81.0), SHARE: (87.0, 86.0),
      PREVIOUS_DEFAULT: (89.0, 81.0)}, PREVIOUS_DEFAULT,
     '(the highest mean final;'),
])
def test_memory_rule_picks_the_winner(figures, winner, how):
    decision = _choice(_round(figures))[-1]
    assert f'**{winner}**' in decision and how in decision, decision


def test_memory_rule_times_a_tie_side_by_side():
    runs = _round({POOL: (91.0, 85.0), AUG: (90.6, 84.7),
                   SHARE: (89.0, 86.0), PREVIOUS_DEFAULT: (88.0, 81.0)})
    decision = _choice(runs)[-1]
    # both finals and means within 0.5: the cheaper run, timed side by side
    assert 'not decided' in decision and 'measure_iter_time.py' in decision
    assert "'ours, pool 60k, fastest path on this CPU'" in decision
    costs = {POOL: (2.7, 0.0), AUG: (2.3, 0.0)}
    decision = _choice(runs, costs)[-1]
    assert f'**{AUG}**' in decision
    assert f'the cheaper run ({POOL} 2.700 s/iter; {AUG} 2.300 s/iter)' \
        in decision
    costs[AUG] = (2.8, 0.0)
    assert f'**{POOL}**' in _choice(runs, costs)[-1]


def _climb(final, reach_at, mean, seed, **extra):
    """A run of 10 evaluations, 80 until iteration ``reach_at``, then
    ``final``."""
    iters = list(range(10, 110, 10))
    values = [final if i >= reach_at else 80.0 for i in iters]
    return _run(final, mean, seed, history_iters=iters,
                history_values=values, **extra)


def _test_split(ours_finals, ours_means, ceiling):
    runs = {
        'ours': [_climb(f, 30, m, s, memory_bytes=96_480_000,
                        peak_rss_mb=1600.0)
                 for s, (f, m) in enumerate(zip(ours_finals, ours_means))],
        PREVIOUS_DEFAULT: [_climb(f, 90, 81.0, s, memory_bytes=2_058_240,
                                  peak_rss_mb=1150.0)
                           for s, f in enumerate((88.0, 88.5, 89.0))],
        'ours w/o memory': [_climb(f, 50, 78.0, s)
                            for s, f in enumerate((88.0, 88.6, 89.2))],
        'real-data KD (ceiling)': [_climb(f, 10, 89.0, s)
                                   for s, f in enumerate(ceiling)],
    }
    return runs


def _targets(runs, costs=None):
    table = report.summarise(runs)
    lines = report.claims(runs, table, costs=costs)
    return lines, table


def test_memory_targets_and_their_verdicts(tmp_path):
    lines, _ = _targets(_test_split((91.0, 91.2, 91.4), (84.0, 85.0, 86.0),
                                    (93.0, 93.0, 92.7)))
    bar = '- every seed of ours >= the ceiling\'s mean final − 2 (90.90)'
    assert report_line(lines, bar).endswith('met')
    assert report_line(lines, '- memory vs none, final held').endswith('met')
    assert report_line(lines, '- ours mean over the run >= 84').endswith(
        'met')
    # no timing side by side: no verdict on seconds, no s/iter line
    assert report_line(lines, '- seconds to the default before').endswith(
        'no side-by-side timing (iter_time.json)')
    assert not [x for x in lines if x.startswith('- a run no slower')]
    assert report_line(lines, '- peak RSS of a run with the largest memory '
                       '(92.0 MB): 1600 MB <= 4096').endswith('met')
    line = report_line(lines, '- ours vs the default before the memory')
    assert 'final 91.20 ± 0.16 (n=3) vs 88.50 ± 0.41 (n=3): held' in line

    # the default before reaches its own final (88.5) at iteration 90 in
    # seeds 1 and 2 (88.5, 89.0), ours at 30 in every seed
    timed = tmp_path / 'iter_time.json'
    timed.write_text(json.dumps(dict(variants={
        'ours, fastest path on this CPU': dict(seconds_per_iter=2.0),
        f'{PREVIOUS_DEFAULT}, fastest path on this CPU': dict(
            seconds_per_iter=1.5)})))
    costs = report.load_costs(str(timed))
    lines, _ = _targets(_test_split((91.0, 91.2, 91.4), (84.0, 85.0, 86.0),
                                    (93.0, 93.0, 92.7)), costs)
    # ours 30 x 2.0 = 60 s against half of 90 x 1.5 = 67.5 s
    line = report_line(lines, '- seconds to the default before\'s final '
                       '(88.50) <= half of its own')
    assert f'ours 3 of 3 seeds, 60 s; {PREVIOUS_DEFAULT} 2 of 3 seeds, ' \
        '135 s: met' in line
    assert report_line(lines, '- a run no slower than the default before '
                       '(s/iter side by side): 2.000 vs 1.500, missed')

    lines, _ = _targets(_test_split((88.4, 91.2, 91.4), (80.0, 82.0, 83.0),
                                    (93.0, 93.0, 92.7)), costs)
    assert report_line(lines, bar).endswith('missed by 2.50 (lowest seed)')
    assert report_line(lines, '- memory vs none, final held').endswith(
        'missed')
    assert report_line(lines, '- ours mean over the run >= 84').endswith(
        'missed by 2.33')


def report_line(lines, start):
    hits = [line for line in lines if line.startswith(start)]
    assert len(hits) == 1, (start, lines)
    return hits[0]


def test_no_memory_targets_without_the_default_before():
    runs = _test_split((91.0, 91.2, 91.4), (84.0, 85.0, 86.0),
                       (93.0, 93.0, 92.7))
    del runs[PREVIOUS_DEFAULT]
    lines, _ = _targets(runs)
    assert not [x for x in lines if 'ceiling\'s mean final − 2' in x]


def _measure_iter_time():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'measure_iter_time', 'tools/analysis_tools/measure_iter_time.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('name,relabelled', [
    ('ours, pool 60k + augment, KL T=20', True),
    (PREVIOUS_DEFAULT, False)])
def test_bare_reference_step_times_the_candidates_memory_and_loss(
        name, relabelled):
    """The speed target's reference (measure_iter_time.py's bare loop)
    computes the loss the candidate ships and feeds its teacher as ours
    does: fresh and augmented replayed samples in one forward, or the fresh
    ones alone beside cached logits."""
    import torch

    from mmdfkd.registry import MODELS
    tool = _measure_iter_time()
    fp32 = dict(amp=False, channels_last=False, compile=False)
    bare, _, data = tool.build(OURS, 4, METHODS[name]['options'], bare=True,
                               **fp32)
    loss_cfg = METHODS[name]['options']['model.distill_loss']
    loss = MODELS.build({k: v for k, v in loss_cfg.items()
                         if k != '_delete_'})
    s, t = torch.randn(6, 10) * 5, torch.randn(6, 10) * 5
    assert float(bare.distill(s, t)) == pytest.approx(float(loss(s, t)),
                                                      rel=1e-5)
    assert bool(bare.augments) == relabelled
    with torch.no_grad():
        x = bare.generator(batch_size=8)
        bare._push(x, bare.teacher(x, mode='tensor'), num=8)
    sizes = []
    bare.teacher.register_forward_hook(
        lambda m, args, out: sizes.append(len(args[0])))
    bare.train_step(data)
    replay = bare.replay
    # the generator step, then one teacher call per student step
    assert sizes == [4] + [4 + replay if relabelled else 4] * bare.k
    # augmented replayed samples differ from what the memory holds
    torch.manual_seed(0)
    inputs, cached = bare._replayed(x[:4])
    assert (cached is None) == relabelled and len(inputs) == 4 + replay
    torch.manual_seed(0)
    idx = torch.randint(bare.size, (replay, ))
    stored = bare.samples[idx].float()
    assert torch.equal(inputs[:4], x[:4])
    assert torch.equal(inputs[4:], stored) != relabelled


def test_the_rule_does_not_choose_on_test_split_runs():
    """A test-split report that holds a candidate (the default before a
    switch, beside the new one) makes no screening or choice line."""
    runs = _screened([90.0, 88.0, 91.0, 89.0, 87.0, 89.5])
    assert _choice(runs)
    for rs in runs.values():
        for r in rs:
            r['settings'] = dict(split='test')
    assert _choice(runs) == []
