# Copyright (c) mmdfkd contributors. All rights reserved.
"""The benchmark's figures from its run files: per-run metrics (reaching
teacher - 5, plateau, forgetting, wall time), per-method statistics over
seeds, the claims' verdicts (every seed against every seed), results.md and
the plots."""
import shlex
import statistics

from .methods import (
    BASELINE_NAMES,
    CEILING_NAME,
    COMPARISONS,
    COST_VARIANTS,
    MEMORY_CANDIDATES,
    METHODS,
    PEERS,
    POLICY_CANDIDATES,
    PREVIOUS_DEFAULT,
)

TARGET_GAP = 5.0  # "reached": accuracy >= teacher - 5 points
POLICY_TIE = 0.5  # the replay study's rule: finals within 0.5 points tie
POLICY_SEEDS = 3  # ... over 3 seeds each
MEMORY_ROUND = 3  # the memory study's screening sends its best 3 to 3 seeds
RSS_LIMIT_MB = 4096  # the memory study's bound on a run's peak RSS
HOOK = 'MMRazor DAFL + replay hook'
PLATEAU = 0.5  # plateaued: mean of the last 5 evaluations within 0.5 of
# the mean of the 5 before
DROP = 2.0  # a drop between two consecutive evaluations that counts


def spearman(xs, ys):
    """Spearman rank correlation (None with fewer than 3 pairs or no
    spread)."""
    pairs = [(x, y) for x, y in zip(xs, ys) if x is not None]
    if len(pairs) < 3:
        return None
    from scipy.stats import spearmanr
    rho = spearmanr([p[0] for p in pairs], [p[1] for p in pairs]).statistic
    return None if rho != rho else float(rho)  # NaN: a constant series


def forgetting(values):
    """The largest drop between two consecutive evaluations (0 when the
    accuracy never fell) and how many drops exceed ``DROP`` points."""
    drops = [a - b for a, b in zip(values, values[1:])]
    return (max([0.0] + drops), sum(d > DROP for d in drops))


def seconds_to(result, accuracy):
    """Wall seconds of training (validation left out) until the run's
    accuracy first reached ``accuracy``; None if it never did."""
    its = iterations_to(result, accuracy)
    return None if its is None else its * result['time_per_iter']


def run_metrics(result, teacher_acc, best_baseline=None):
    """What is reported per run, from its evaluation history;
    ``best_baseline``: the final accuracy (mean over seeds) of the best
    baseline, to time the run against."""
    iters, values = result['history_iters'], result['history_values']
    largest_drop, drops = forgetting(values)
    steps = result['student_steps']
    reached = [i for i, v in zip(iters, values)
               if v >= teacher_acc - TARGET_GAP]
    last, before = values[-5:], values[-10:-5]
    datafree = result.get('history_datafree', {})
    agreement = datafree.get('agreement', [])
    # runs written before the signal existed have no bn_gap history
    gaps = [g for g in datafree.get('bn_gap', []) if g is not None]
    return dict(
        updates_to_target=reached[0] * steps if reached else None,
        seconds_to_target=reached[0] * result['time_per_iter']
        if reached else None,
        plateau_gap=abs(statistics.mean(last) - statistics.mean(before))
        if len(before) == 5 else None,
        spearman_agreement=spearman(agreement, values),
        final_bn_gap=gaps[-1] if gaps else None,
        largest_drop=largest_drop,
        drops_over_2=drops,
        seconds_to_best_baseline=None if best_baseline is None else
        seconds_to(result, best_baseline),
    )


def summarise(runs):
    """Mean and spread over seeds of each method's metrics."""
    keys = ('final', 'peak', 'mean', 'variance', 'peak_minus_final',
            'updates_to_target', 'seconds_to_target', 'plateau_gap',
            'spearman_agreement', 'final_bn_gap', 'time_per_iter',
            'peak_rss_mb', 'memory_bytes', 'iters', 'largest_drop',
            'drops_over_2', 'seconds_to_best_baseline', 'checkpoint_bytes',
            'save_seconds')
    table = {}
    for method, results in runs.items():
        row = dict(seeds=len(results))
        for key in keys:
            values = [r[key] for r in results if r.get(key) is not None]
            row[key + '_n'] = len(values)
            row[key] = statistics.mean(values) if values else None
            row[key + '_std'] = statistics.pstdev(values) if values else None
        table[method] = row
    return table


def _or_dash(value, scale=1.0):
    """A mean over seeds to 2 decimals, '–' where no run recorded it (runs
    from before the field)."""
    return '–' if value is None else f'{value * scale:.2f}'


def _values(runs, method, key):
    return [r[key] for r in runs.get(method, []) if r.get(key) is not None]


def _verdict(a, b, margin=0.0):
    """'held' when every seed of a is above every seed of b by ``margin``
    points, 'the opposite held' when every seed of b is above every seed
    of a, else 'not shown' (the seed ranges overlap); no verdict on fewer
    than 2 seeds a side."""
    if min(len(a), len(b)) < 2:
        side = 'above' if statistics.mean(a) > statistics.mean(b) else \
            'not above'
        return f'{side}, too few seeds for a verdict'
    if min(a) > max(b) + margin:
        return 'held'
    if min(b) > max(a):
        return 'the opposite held'
    return 'not shown (seed ranges overlap)'


def _target(verdict):
    if verdict == 'held':
        return 'met'
    return verdict if 'few seeds' in verdict else 'missed'


def claims(runs, table, planned=None, costs=None):
    """The benchmark's claims and the issue's targets, each with its
    numbers and a verdict, from the runs finished so far. A comparison
    with no runs is said "not run yet" when both its methods are
    ``planned`` (default: every comparison), and left out otherwise.
    ``costs``: seconds per iteration of measure_iter_time's variants,
    measured side by side in one run (for the peers' time verdicts)."""
    lines = []

    def fmt(method, key):
        r = table[method]
        return f'{r[key]:.2f} ± {r[key + "_std"]:.2f} (n={r[key + "_n"]})'

    for claim, a, b in COMPARISONS:
        if not (_values(runs, a, 'final') and _values(runs, b, 'final')):
            if planned is None or {a, b} <= set(planned):
                lines.append(f'- {claim}: not run yet')
            continue
        parts = [
            compare(runs, fmt, a, b, key, label, lower) for key, label, lower
            in (('final', 'final', False),
                ('mean', 'mean over the run', False),
                ('largest_drop', 'largest drop', True))
            if _values(runs, a, key) and _values(runs, b, key)
        ]
        lines.append(f'- {claim}: ' + '; '.join(parts))
    lines += policy_choice(table)
    lines += memory_choice(runs, table, costs)
    accs = [acc for acc, _ in teachers(runs).values()]
    lines += ['', 'Targets:',
              f'- teacher >= 92 %: {", ".join(f"{a:.2f}" for a in accs)} '
              f'%, {"met" if min(accs) >= 92 else "missed"}']
    if 'ours' not in table:
        return lines + ['- the others: ours not run yet']
    ours = table['ours']
    # each run against its own teacher: the mean of ours' teachers
    bar = teacher_mean(runs['ours']) - 3
    lines.append(
        f'- ours final >= teacher − 3 ({bar:.2f}): '
        f'{fmt("ours", "final")}, '
        f'{"met" if ours["final"] >= bar else "missed"}')
    finished = [b for b in BASELINE_NAMES if b in table]
    if finished:
        best = max(finished, key=lambda b: table[b]['final'])
        verdict = _verdict(_values(runs, 'ours', 'final'),
                           _values(runs, best, 'final'), margin=3.0)
        lines.append(
            f'- ours final >= best baseline final + 3, seed ranges apart: '
            f'ours {fmt("ours", "final")}, best baseline {best} '
            f'{fmt(best, "final")}: '
            f'{_target(verdict)}')
    lines += replay_targets(table, fmt)
    lines += memory_targets(runs, table, fmt, costs)
    for peer in PEERS:
        if peer in table:
            lines.append(to_lower_final(runs, table, 'ours', peer, costs))
    lines.append(
        f'- ours peak − final <= 0.5: {fmt("ours", "peak_minus_final")}, '
        f'{"met" if ours["peak_minus_final"] <= 0.5 else "missed"}')
    reached = [b for b in finished if table[b]['seconds_to_target']]
    never = [b for b in finished if not table[b]['seconds_to_target']]
    if ours['seconds_to_target'] is None:
        status = 'missed: ours never reached teacher − 5'
    elif not reached:
        status = 'no baseline reached teacher − 5 (nothing to compare)'
    else:
        fastest = min(reached, key=lambda b: table[b]['seconds_to_target'])
        half = table[fastest]['seconds_to_target'] / 2
        met = ours['seconds_to_target'] <= half
        status = (f'ours {ours["seconds_to_target"]:.0f} s vs half of '
                  f'{fastest} {half:.0f} s: {"met" if met else "missed"}')
    lines.append(f'- wall time to teacher − 5 <= half the fastest '
                 f'baseline\'s: {status}'
                 + (f' (never reached: {", ".join(never)})' if never else ''))
    flat = [m for m in table if table[m]['plateau_gap'] is not None
            and table[m]['plateau_gap'] <= PLATEAU]
    # '; ' between names: some hold a comma ('ours, FIFO memory')
    lines.append(f'- plateaued (gap <= {PLATEAU}, mean over seeds): '
                 f'{"; ".join(flat) or "none"}. Not: '
                 f'{"; ".join(m for m in table if m not in flat) or "none"}')
    return lines


def iterations_to(result, accuracy):
    """The iteration of the run's first evaluation at ``accuracy`` or
    above; None if none was."""
    for i, v in zip(result['history_iters'], result['history_values']):
        if v >= accuracy:
            return i
    return None


def to_lower_final(runs, table, a, b, costs=None):
    """Which of ``a`` and ``b`` reaches the lower of their two finals
    (means over seeds) first: in student updates (any machine), and in
    seconds where ``costs`` has both methods' iterations timed side by
    side in one run (the runs' own wall times come from different machines
    and loads). A warm-up iteration (no student update) is timed as its
    own variant."""
    bar = min(table[a]['final'], table[b]['final'])
    parts, seconds = [], {}
    for m in (a, b):
        spec = METHODS[m]
        warmup, steps = spec['warmup'], spec['steps']
        its = [iterations_to(r, bar) for r in runs[m]]
        done = [i for i in its if i is not None]
        updates = [(i - warmup) * steps for i in done]
        cost = (costs or {}).get(m)
        text = (f'{m} {statistics.mean(updates):.0f} updates '
                f'({len(done)} of {len(its)} seeds)' if done else
                f'{m} never ({len(its)} seeds)')
        if cost and done:
            secs = [(i - warmup) * cost[0] + warmup * cost[1] for i in done]
            seconds[m] = statistics.mean(secs)
            text += f', {seconds[m]:.0f} s'
        parts.append(text)
    if len(seconds) == 2:
        verdict = (f'{a} first' if seconds[a] < seconds[b] else
                   f'{b} first')
    else:
        verdict = 'no side-by-side timing (iter_time.json)' if not costs \
            else 'not both reached'
    return (f'- time to the lower final ({bar:.2f}), {a} vs {b}: '
            f'{"; ".join(parts)}: {verdict}')


def load_costs(path):
    """``{method: (s/iter, s per warm-up iteration)}`` from a
    ``measure_iter_time.py --out`` file, through ``COST_VARIANTS``; None
    when there is no such file."""
    import json
    import os.path as osp
    if not osp.isfile(path):
        return None
    with open(path) as f:
        timed = json.load(f)['variants']
    costs = {}
    for method, (variant, warmup_variant) in COST_VARIANTS.items():
        if variant in timed and (warmup_variant is None or
                                 warmup_variant in timed):
            costs[method] = (
                timed[variant]['seconds_per_iter'],
                timed[warmup_variant]['seconds_per_iter']
                if warmup_variant else 0.0)
    return costs


def compare(runs, fmt, a, b, key, label, lower_is_better=False):
    """'label A vs B: verdict', every seed against every seed; with
    ``lower_is_better`` "held" means every seed of A is below B's."""
    va, vb = _values(runs, a, key), _values(runs, b, key)
    if lower_is_better:
        verdict = _verdict([-v for v in va], [-v for v in vb]).replace(
            'above', 'below')
    else:
        verdict = _verdict(va, vb)
    return f'{label} {fmt(a, key)} vs {fmt(b, key)}: {verdict}'


def _met(ok):
    return 'met' if ok else 'missed'


def replay_targets(table, fmt):
    """The replay study's targets (means over seeds): the replay hook on
    MMRazor's DAFL, ours' memory against none, ours against the real-data
    ceiling."""
    lines = []
    if HOOK in table and 'MMRazor DAFL' in table:
        h, d = table[HOOK], table['MMRazor DAFL']
        lines += [
            f'- DAFL + replay hook mean over the run >= DAFL\'s + 5: '
            f'{fmt(HOOK, "mean")} vs {fmt("MMRazor DAFL", "mean")}, '
            f'{_met(h["mean"] >= d["mean"] + 5)}',
            f'- DAFL + replay hook largest drop <= half of DAFL\'s: '
            f'{fmt(HOOK, "largest_drop")} vs '
            f'{fmt("MMRazor DAFL", "largest_drop")}, '
            f'{_met(h["largest_drop"] <= d["largest_drop"] / 2)}',
            f'- DAFL + replay hook final >= DAFL\'s: {fmt(HOOK, "final")} '
            f'vs {fmt("MMRazor DAFL", "final")}, '
            f'{_met(h["final"] >= d["final"])}',
        ]
    if 'ours w/o memory' in table:
        o, n = table['ours'], table['ours w/o memory']
        lines += [
            f'- ours final >= ours w/o memory: {fmt("ours", "final")} vs '
            f'{fmt("ours w/o memory", "final")}, '
            f'{_met(o["final"] >= n["final"])}',
            f'- ours mean over the run >= ours w/o memory + 1: '
            f'{fmt("ours", "mean")} vs {fmt("ours w/o memory", "mean")}, '
            f'{_met(o["mean"] >= n["mean"] + 1)}',
        ]
    if CEILING_NAME in table:
        gap = table[CEILING_NAME]['final'] - table['ours']['final']
        lines.append(
            f'- ours final within 2 points of the real-data ceiling: '
            f'{fmt("ours", "final")} vs {fmt(CEILING_NAME, "final")} '
            f'(ceiling − ours {gap:.2f}), {_met(gap <= 2)}')
    return lines


def policy_choice(table, candidates=POLICY_CANDIDATES):
    """The replay study's rule, applied: the memory policy with the
    highest mean final over ``POLICY_SEEDS`` seeds; where two are within
    ``POLICY_TIE`` points, the higher mean over the run wins. Nothing
    until every candidate has its seeds."""
    present = [m for m in candidates if m in table]
    if not present:
        return []
    short = [m for m in candidates
             if table.get(m, {}).get('final_n', 0) < POLICY_SEEDS]
    if short:
        return [f'- memory policy by the rule: not decided, fewer than '
                f'{POLICY_SEEDS} seeds for {"; ".join(short)}']
    best = max(table[m]['final'] for m in candidates)
    tied = [m for m in candidates if table[m]['final'] >= best - POLICY_TIE]
    winner = max(tied, key=lambda m: table[m]['mean'])
    figures = '; '.join(f'{m} final {table[m]["final"]:.2f}, mean over the '
                        f'run {table[m]["mean"]:.2f}' for m in candidates)
    how = (f'within {POLICY_TIE} points of the best final: '
           f'{"; ".join(tied)}, the higher mean over the run wins'
           if len(tied) > 1 else 'the highest mean final')
    return [f'- memory policy by the rule: **{winner}** ({how}; '
            f'{figures})']


def memory_choice(runs, table, costs=None):
    """The memory study's rule (benchmarks/fmnist/README.md), applied: the
    screening ranks every candidate by its seed-0 final and sends the best
    ``MEMORY_ROUND`` to 3 seeds beside the default before the study; of
    those four, the highest mean final wins; finals within ``POLICY_TIE``
    points tie and the higher mean over the run wins; means within
    ``POLICY_TIE`` points tie too and the cheaper run wins (seconds per
    iteration timed side by side in one run, ``costs``). Nothing is
    decided until each of the four has its seeds."""
    if not any(m in table for m in MEMORY_CANDIDATES):
        return []
    if any((r.get('settings') or {}).get('split') == 'test'
           for m in MEMORY_CANDIDATES for r in runs.get(m, ())):
        return []  # the rule chooses on the validation split only
    seed0 = {m: r['final'] for m in MEMORY_CANDIDATES
             for r in runs.get(m, ()) if r.get('seed') == 0}
    missing = [m for m in MEMORY_CANDIDATES if m not in seed0]
    if missing:
        return [f'- memory screening: {len(seed0)} of '
                f'{len(MEMORY_CANDIDATES)} candidates run (seed 0); not '
                f'yet: {"; ".join(missing)}']
    ranked = sorted(seed0, key=seed0.get, reverse=True)
    best = ranked[:MEMORY_ROUND]
    lines = [f'- memory screening (seed-0 finals): '
             f'{"; ".join(f"{m} {seed0[m]:.2f}" for m in ranked)}; to '
             f'{POLICY_SEEDS} seeds: {"; ".join(best)}']
    contenders = best + [PREVIOUS_DEFAULT]
    short = [m for m in contenders
             if len(_values(runs, m, 'final')) < POLICY_SEEDS]
    if short:
        return lines + [f'- memory by the rule: not decided, fewer than '
                        f'{POLICY_SEEDS} seeds for {"; ".join(short)}']
    top = max(table[m]['final'] for m in contenders)
    tied = [m for m in contenders if table[m]['final'] >= top - POLICY_TIE]
    how = 'the highest mean final'
    if len(tied) > 1:
        top_mean = max(table[m]['mean'] for m in tied)
        how = (f'finals within {POLICY_TIE} points: {"; ".join(tied)}, '
               'the higher mean over the run')
        tied = [m for m in tied if table[m]['mean'] >= top_mean - POLICY_TIE]
    if len(tied) > 1:
        cost = {m: costs[m][0] for m in tied if m in (costs or {})}
        if len(cost) < len(tied):
            variants = ' '.join(shlex.quote(COST_VARIANTS[m][0])
                                for m in tied)
            return lines + [
                f'- memory by the rule: not decided, {"; ".join(tied)} '
                f'tie on final and mean over the run and are not timed side '
                f'by side (python tools/analysis_tools/measure_iter_time.py '
                f'--threads 1 --variants {variants} --out '
                '<out-dir>/iter_time.json)']
        how += (f'; means within {POLICY_TIE} points: {"; ".join(tied)}, '
                'the cheaper run (' + '; '.join(
                    f'{m} {cost[m]:.3f} s/iter' for m in tied) + ')')
        tied = [min(tied, key=cost.get)]
    figures = '; '.join(f'{m} final {table[m]["final"]:.2f}, mean over the '
                        f'run {table[m]["mean"]:.2f}' for m in contenders)
    return lines + [f'- memory by the rule: **{tied[0]}** ({how}; '
                    f'{figures})']


def memory_chosen(results_path):
    """The candidate the memory study's rule picked, as a results file's
    claims name it ("memory by the rule: **NAME**"); None while the rule
    has not decided."""
    import json
    import re
    with open(results_path) as f:
        claim_lines = json.load(f)['claims']
    for line in claim_lines:
        found = re.match(r'- memory by the rule: \*\*(.+?)\*\*', line)
        if found:
            return found.group(1)
    return None


def memory_targets(runs, table, fmt, costs=None):
    """The memory study's targets on the test split, where ours (the
    study's default) runs beside the default before it; verdicts seed
    against seed where the target is a comparison."""
    if 'ours' not in table or PREVIOUS_DEFAULT not in table:
        return []
    ours, before = table['ours'], table[PREVIOUS_DEFAULT]
    finals, means = _values(runs, 'ours', 'final'), _values(
        runs, 'ours', 'mean')
    lines = []
    if CEILING_NAME in table:
        bar = table[CEILING_NAME]['final'] - 2
        lines.append(
            f'- every seed of ours >= the ceiling\'s mean final − 2 '
            f'({bar:.2f}): seeds {", ".join(f"{v:.2f}" for v in finals)}, '
            + ('met' if min(finals) >= bar else
               f'missed by {bar - min(finals):.2f} (lowest seed)'))
    if 'ours w/o memory' in table:
        verdict = _verdict(finals, _values(runs, 'ours w/o memory', 'final'))
        lines.append(f'- memory vs none, final held: {fmt("ours", "final")} '
                     f'vs {fmt("ours w/o memory", "final")}, '
                     f'{_target(verdict)}')
    lines.append(
        f'- ours mean over the run >= 84: {fmt("ours", "mean")} (seeds '
        f'{", ".join(f"{v:.2f}" for v in means)}), '
        + ('met' if ours['mean'] >= 84 else
           f'missed by {84 - ours["mean"]:.2f}'))
    bar = before['final']
    parts, seconds = [], {}
    for m in ('ours', PREVIOUS_DEFAULT):
        its = [iterations_to(r, bar) for r in runs[m]]
        done = [i for i in its if i is not None]
        cost = (costs or {}).get(m)
        if cost and done:
            seconds[m] = statistics.mean(i * cost[0] for i in done)
        parts.append(f'{m} {len(done)} of {len(its)} seeds' + (
            f', {seconds[m]:.0f} s' if m in seconds else ''))
    if len(seconds) == 2:
        half = seconds[PREVIOUS_DEFAULT] / 2
        verdict = 'met' if seconds['ours'] <= half else \
            f'missed ({seconds["ours"]:.0f} s > {half:.0f} s)'
    elif costs and all(m in costs for m in ('ours', PREVIOUS_DEFAULT)):
        verdict = 'not reached by both' if 'ours' in seconds else \
            'missed: ours never reached it'
    else:
        verdict = 'no side-by-side timing (iter_time.json)'
    lines.append(f'- seconds to the default before\'s final ({bar:.2f}) '
                 f'<= half of its own: {"; ".join(parts)}: {verdict}')
    if costs and all(m in costs for m in ('ours', PREVIOUS_DEFAULT)):
        a, b = costs['ours'][0], costs[PREVIOUS_DEFAULT][0]
        lines.append(
            f'- a run no slower than the default before (s/iter side by '
            f'side): {a:.3f} vs {b:.3f}, {_met(a <= b)}')
    largest = max((r for rs in runs.values() for r in rs
                   if r.get('memory_bytes') and r.get('peak_rss_mb')),
                  key=lambda r: r['memory_bytes'], default=None)
    if largest is not None:
        lines.append(
            f'- peak RSS of a run with the largest memory '
            f'({largest["memory_bytes"] / 2**20:.1f} MB): '
            f'{largest["peak_rss_mb"]:.0f} MB <= {RSS_LIMIT_MB}, '
            f'{_met(largest["peak_rss_mb"] <= RSS_LIMIT_MB)}')
    return lines


def write_markdown(path, table, teacher_acc, meta, claim_lines=()):
    lines = [] if meta['complete'] else [
        '**Partial results: the benchmark was still running or was '
        'interrupted; methods have fewer seeds than planned.**', ''
    ]
    used = meta['teachers']
    if len(used) > 1:
        trained = (f' (mean of {len(used)} trainings of the same seeded '
                   'recipe on machines with other CPUs, which give other '
                   'weights: ' + ', '.join(
                       f'{t["accuracy"]:.2f}% for {t["runs"]} run'
                       f'{"s" if t["runs"] > 1 else ""}' for t in used) +
                   '; each run is measured against its own teacher)')
    else:
        trained = ''
    lines += [
        f'Fashion-MNIST, teacher ResNet_CIFAR-18 (16 ch.) {teacher_acc:.2f}% '
        f'top-1 on the {meta["split"]} split{trained} -> student '
        'ResNet_CIFAR-18 (8 '
        f'ch.); student accuracy (%) on the {meta["split"]} split, '
        f'{meta["evals"]} evaluations per run, {meta["updates"]} student '
        f'updates of batch {meta["batch"]}. Mean ± std over seeds. '
        f'"updates to T-5": student updates until the accuracy first '
        f'reached teacher - {TARGET_GAP:g} points (n = runs that reached '
        'it); "plateau": |mean of the last 5 evaluations - mean of the 5 '
        'before|; "Spearman": rank correlation, within a run, of the '
        'data-free agreement with the real accuracy; "BN gap": '
        'datafree/bn_gap of the held-out samples at the end (n = runs '
        'that logged it).', '',
        'Forgetting and cost: "checkpoint (MB)": the run\'s last '
        'checkpoint on disk, its memory included; "save (s)": one more save '
        'of the same state, timed at the end of the run; "largest drop": '
        'the largest fall of the '
        'accuracy between two consecutive evaluations; "drops > '
        f'{DROP:g}": how many falls exceed {DROP:g} points; "s to best '
        'baseline": training seconds (validation left out) until the '
        'accuracy first reached the best baseline\'s mean final '
        f'({meta.get("best_baseline") or "no baseline in these runs"}); '
        'the plot draws accuracy '
        'against student updates and against these seconds.', '',
        '| method | seeds | final | peak | mean over run | variance over '
        'run | peak − final | updates to T-5 (n) | s to T-5 | plateau | '
        'Spearman | BN gap (n) | s / iter | iters | peak RSS (MB) | '
        'memory (MB) | checkpoint (MB) | save (s) | largest drop | '
        'drops > 2 | s to best baseline (n) |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|'
        '---|---|---|---|---|'
    ]

    def pm(r, key, fmt='.2f'):
        if r[key] is None:
            return '–'
        if r['seeds'] == 1:
            return format(r[key], fmt)
        return f'{r[key]:{fmt}} ± {r[key + "_std"]:{fmt}}'

    for method, r in table.items():
        reached = f'{pm(r, "updates_to_target", ".0f")} ' \
            f'({r["updates_to_target_n"]})'
        lines.append(
            f'| {method} | {r["seeds"]} | {pm(r, "final")} | '
            f'{pm(r, "peak")} | {pm(r, "mean")} | {pm(r, "variance", ".1f")}'
            f' | {pm(r, "peak_minus_final")} | {reached} | '
            f'{pm(r, "seconds_to_target", ".0f")} | {pm(r, "plateau_gap")} |'
            f' {pm(r, "spearman_agreement")} | '
            f'{pm(r, "final_bn_gap", ".4f")} ({r["final_bn_gap_n"]}) | '
            f'{r["time_per_iter"]:.3f} | '
            f'{r["iters"]:.0f} | {r["peak_rss_mb"]:.0f} | '
            f'{r["memory_bytes"] / 2**20:.2f} | '
            f'{_or_dash(r["checkpoint_bytes"], 2**-20)} | '
            f'{_or_dash(r["save_seconds"])} | {pm(r, "largest_drop")} | '
            f'{pm(r, "drops_over_2", ".1f")} | '
            f'{pm(r, "seconds_to_best_baseline", ".0f")} '
            f'({r["seconds_to_best_baseline_n"]}) |')
    if claim_lines:
        lines += ['', 'Claims (verdicts compare every seed of one method '
                  'with every seed of the other):', *claim_lines]
    lines += [
        '', f'Machine: {meta["machine"]}. Date: {meta["date"]}. Command: '
        f'`{meta["command"]}`; ' + (
            f'{meta["jobs"]} run(s) at a time.' if meta['jobs'] else
            'rewritten from the finished runs (each run file records how '
            'many ran at a time).')
    ]
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def plot(path, runs, teacher_acc, split):
    """Accuracy against student updates (left) and against training
    seconds (right), mean over seeds with the seed range as a band."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(15, 5.5), sharey=True)
    for method, results in runs.items():
        if method == CEILING_NAME:  # a line: what real images reach
            final = statistics.mean(r['final'] for r in results)
            for ax in axes:
                ax.axhline(final, color='tab:gray', ls=':', lw=1.5,
                           label=f'{method}, final ({len(results)} '
                           f'seed{"s" if len(results) > 1 else ""})')
            continue
        length = min(len(r['history_values']) for r in results)
        iters = results[0]['history_iters'][:length]
        columns = [[r['history_values'][k] for r in results]
                   for k in range(length)]
        mean = [statistics.mean(c) for c in columns]
        per_iter = statistics.mean(r['time_per_iter'] for r in results)
        for ax, xs in ((axes[0], [i * results[0]['student_steps']
                                  for i in iters]),
                       (axes[1], [i * per_iter for i in iters])):
            line, = ax.plot(xs, mean, label=f'{method} ({len(results)} '
                            f'seed{"s" if len(results) > 1 else ""})')
            if len(results) > 1:
                ax.fill_between(xs, [min(c) for c in columns],
                                [max(c) for c in columns],
                                color=line.get_color(), alpha=0.15)
    for ax, label in zip(axes, ('student updates',
                                'training seconds (validation left out)')):
        ax.axhline(teacher_acc, color='k', ls='--', lw=1, label='teacher')
        ax.set_xlabel(label)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f'{split} accuracy (%)')
    fig.suptitle('Fashion-MNIST, data-free distillation (band: seed range)')
    axes[1].legend(fontsize=8, loc='upper left', bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def teachers(runs):
    """The teachers behind the runs: weights hash -> (accuracy, runs)."""
    found = {}
    for results in runs.values():
        for r in results:
            acc, n = found.get(r['teacher_weights_sha256'],
                               (r['teacher_accuracy'], 0))
            found[r['teacher_weights_sha256']] = (acc, n + 1)
    return found


def teacher_mean(results):
    """Mean accuracy of the teachers of these runs (each run its own)."""
    return statistics.mean(r['teacher_accuracy'] for r in results)


def command_line(argv):
    """The command as one could type it again (a method name holds spaces
    and a comma: 'ours, FIFO memory')."""
    return shlex.join(['python'] + argv)


