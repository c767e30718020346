# Copyright (c) mmdfkd contributors. All rights reserved.
"""Head-to-head benchmark on real Fashion-MNIST: ours vs MMRazor's DAFL,
DFAD and ZSKT, plus ablations, over several seeds, with forgetting
metrics, cost and the data-free health signal.

Every method uses the same teacher checkpoint, student architecture, batch
size and number of student updates; each run is a subprocess running an
ordinary config file with ``--cfg-options``-style overrides. Each finished
run is written to ``<out-dir>/runs/<split>/<method>_seed<k>.json`` at once,
so an interrupted benchmark restarted with the same settings runs only
what is missing. Summaries: ``results.json``, ``results.md`` and
``accuracy.png`` in ``--out-dir``.

    python tools/benchmark.py --split val ...   # choices (budget, ...)
    python tools/benchmark.py                   # the reported benchmark
    python tools/benchmark.py --quick           # same pipeline, minutes

``--split val`` evaluates on the last 5,000 Fashion-MNIST training images,
which the benchmark teacher does not train on and no data-free run sees;
``--split test`` on the 10,000 test images, which are only reported.
"""
import argparse
import datetime
import hashlib
import json
import os
import os.path as osp
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

TEACHER_CFG = 'configs/teachers/fmnist_resnet18_w16_e20.py'
TEACHER_CKPT = 'checkpoints/fmnist_resnet18_w16_e20_teacher.pth'
OURS = 'configs/dfkd/fmnist_resnet18w16_resnet18w8.py'
BASELINES = 'configs/baselines/{0}/{0}_logits_resnet18w16_resnet18w8_fmnist.py'
# name: (config, student steps per iteration, --cfg-options, seeds)
METHODS = {
    'ours': (OURS, 5, {}, 3),
    'ours w/o memory': (OURS, 5, {'model.memory': None}, 3),
    'MMRazor DFAD': (BASELINES.format('dfad'), 5, {}, 3),
    'MMRazor DAFL': (BASELINES.format('dafl'), 1, {}, 3),
    'MMRazor ZSKT': (BASELINES.format('zskt'), 10, {}, 3),
    'ours w/o BN loss': (OURS, 5, {'model.bn_loss': None}, 2),
    'ours, FIFO memory':
    (OURS, 5, {'model.memory.policy.type': 'mmdfkd.FIFOPolicy'}, 2),
    'ours, uint8 memory': (OURS, 5, {'model.memory.dtype': 'uint8'}, 2),
}
# the validation split: the last 5,000 training images
VAL_SPLIT = {
    'val_dataloader.dataset.split': 'train',
    'val_dataloader.dataset.test_mode': False,
    'val_dataloader.dataset.indices': -5000,
}
TARGET_GAP = 5.0  # "reached": accuracy >= teacher - 5 points
PLATEAU = 0.5  # plateaued: mean of the last 5 evaluations within 0.5 of
# the mean of the 5 before


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='tiny sizes: checks the pipeline in minutes')
    parser.add_argument('--data-root', default='data/fashion_mnist')
    parser.add_argument('--out-dir', default='benchmarks/fmnist')
    parser.add_argument('--work-dir', default='work_dirs/benchmark')
    parser.add_argument('--teacher-ckpt', default=TEACHER_CKPT,
                        help='reused if it exists, else trained and saved')
    parser.add_argument('--split', choices=['test', 'val'], default='test')
    # chosen on the validation split: at 8000 updates no method had
    # plateaued (README, "Budget")
    parser.add_argument('--updates', type=int, default=16000,
                        help='student updates per run (all methods)')
    parser.add_argument('--evals', type=int, default=20,
                        help='evaluations per run')
    parser.add_argument('--seeds', type=int, default=None,
                        help='seeds per method (default: 3 for ours, ours '
                        'w/o memory and the baselines, 2 for ablations)')
    parser.add_argument('--methods', nargs='+', default=list(METHODS),
                        choices=list(METHODS))
    # measured: two 200-iteration runs took 187 s one at a time with 2
    # threads, 161 s side by side with 1 thread each (README, "Budget")
    parser.add_argument('--jobs', type=int, default=2, choices=[1, 2],
                        help='runs side by side: 1 (2 threads) or 2 (1 '
                        'thread each, the default: faster on 2 cores)')
    parser.add_argument('--report-only', action='store_true',
                        help='rewrite results.{json,md} and the plot from '
                        'the finished runs; start none')
    parser.add_argument('--run-one', help=argparse.SUPPRESS)
    return parser.parse_args()


# ---------------------------------------------------------------------------
# one run, in a child process
def run_one(spec_path):
    import mmdfkd  # noqa: F401
    from mmdfkd.utils import (
        distil,
        keep_freed_memory,
        load_config,
        set_data_root,
    )
    keep_freed_memory()  # see mmdfkd/utils/allocator.py
    with open(spec_path) as f:
        spec = json.load(f)
    cfg = load_config(spec['config'], spec['work_dir'], spec['options'])
    set_data_root(cfg, spec['data_root'])
    result = distil(cfg)
    with open(spec['result'], 'w') as f:
        json.dump(result, f)


def start(spec, log_path, threads):
    """Start a spec in a child process."""
    spec_file = tempfile.NamedTemporaryFile(
        'w', suffix='.json', delete=False)
    json.dump(spec, spec_file)
    spec_file.close()
    env = dict(os.environ, OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    log = open(log_path, 'a')  # a resumed run adds to its log
    child = subprocess.Popen(
        [sys.executable, __file__, '--run-one', spec_file.name],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    return child, spec_file.name, log


def wait_any(running):
    """Wait for whichever running child ends first (a short run finishes,
    and is written, while a longer one goes on); returns its entry, its
    exit status and resource usage."""
    while True:  # polled: waiting for any pid could reap other children
        for entry in running:
            pid, status, usage = os.wait4(entry[1][0].pid, os.WNOHANG)
            if pid:
                running.remove(entry)
                return entry, status, usage
        time.sleep(2)


def finish(child, spec_file, log, spec, log_path, status, usage):
    """A child that has ended: returns its result with its peak RSS."""
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here
    log.close()
    os.unlink(spec_file)
    if child.returncode != 0:
        raise RuntimeError(f'run failed, see {log_path}')
    with open(spec['result']) as f:
        result = json.load(f)
    result['peak_rss_mb'] = usage.ru_maxrss / 1024  # KiB on Linux
    return result


# ---------------------------------------------------------------------------
def teacher_accuracy(args, split_opts, quick_opts):
    import mmdfkd  # noqa: F401
    from mmdfkd.utils import (
        evaluate,
        load_config,
        set_data_root,
        train_teacher,
    )
    opts = dict(quick_opts, train_cfg=dict(max_epochs=1)) if args.quick \
        else {}
    cfg = load_config(TEACHER_CFG, osp.join(args.work_dir, 'teacher'), opts)
    set_data_root(cfg, args.data_root)
    if not osp.isfile(args.teacher_ckpt):
        train_teacher(cfg, args.teacher_ckpt)
    # test_dataloader is what evaluate() reads: give it the chosen split
    for key, value in split_opts.items():
        cfg.merge_from_dict({key.replace('val_', 'test_', 1): value})
    return evaluate(cfg, args.teacher_ckpt)


def spearman(xs, ys):
    """Spearman rank correlation (None with fewer than 3 pairs or no
    spread)."""
    pairs = [(x, y) for x, y in zip(xs, ys) if x is not None]
    if len(pairs) < 3:
        return None
    from scipy.stats import spearmanr
    rho = spearmanr([p[0] for p in pairs], [p[1] for p in pairs]).statistic
    return None if rho != rho else float(rho)  # NaN: a constant series


def run_metrics(result, teacher_acc):
    """What is reported per run, from its evaluation history."""
    iters, values = result['history_iters'], result['history_values']
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
    )


def summarise(runs):
    """Mean and spread over seeds of each method's metrics."""
    keys = ('final', 'peak', 'mean', 'variance', 'peak_minus_final',
            'updates_to_target', 'seconds_to_target', 'plateau_gap',
            'spearman_agreement', 'final_bn_gap', 'time_per_iter',
            'peak_rss_mb', 'memory_bytes', 'iters')
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


BASELINE_NAMES = ('MMRazor DFAD', 'MMRazor DAFL', 'MMRazor ZSKT')
# (claim, method A, method B): "A ends above B"
COMPARISONS = (
    ('memory vs no memory', 'ours', 'ours w/o memory'),
    ('BN loss vs none', 'ours', 'ours w/o BN loss'),
    ('reservoir vs FIFO memory', 'ours', 'ours, FIFO memory'),
    ('float16 vs uint8 memory', 'ours', 'ours, uint8 memory'),
) + tuple((f'ours vs {b}', 'ours', b) for b in BASELINE_NAMES)


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


def claims(runs, table):
    """The benchmark's claims and the issue's targets, each with its
    numbers and a verdict, from the runs finished so far."""
    lines = []

    def fmt(method, key):
        r = table[method]
        return f'{r[key]:.2f} ± {r[key + "_std"]:.2f} (n={r[key + "_n"]})'

    for claim, a, b in COMPARISONS:
        if not (_values(runs, a, 'final') and _values(runs, b, 'final')):
            lines.append(f'- {claim}: not run yet')
            continue
        lines.append(
            f'- {claim}: final {fmt(a, "final")} vs {fmt(b, "final")}, '
            f'peak − final {fmt(a, "peak_minus_final")} vs '
            f'{fmt(b, "peak_minus_final")}: '
            f'{_verdict(_values(runs, a, "final"), _values(runs, b, "final"))}'
        )
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
        '| method | seeds | final | peak | mean over run | variance over '
        'run | peak − final | updates to T-5 (n) | s to T-5 | plateau | '
        'Spearman | BN gap (n) | s / iter | iters | peak RSS (MB) | '
        'memory (MB) |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|'
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
            f'{r["memory_bytes"] / 2**20:.2f} |')
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
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(11, 5.5))
    for method, results in runs.items():
        length = min(len(r['history_values']) for r in results)
        updates = [i * results[0]['student_steps']
                   for i in results[0]['history_iters'][:length]]
        columns = [[r['history_values'][k] for r in results]
                   for k in range(length)]
        mean = [statistics.mean(c) for c in columns]
        line, = ax.plot(updates, mean, label=f'{method} ({len(results)} '
                        f'seed{"s" if len(results) > 1 else ""})')
        if len(results) > 1:
            ax.fill_between(updates, [min(c) for c in columns],
                            [max(c) for c in columns],
                            color=line.get_color(), alpha=0.15)
    ax.axhline(teacher_acc, color='k', ls='--', lw=1, label='teacher')
    ax.set_xlabel('student updates')
    ax.set_ylabel(f'{split} accuracy (%)')
    ax.set_title('Fashion-MNIST, data-free distillation (band: seed range)')
    ax.legend(fontsize=8, loc='upper left', bbox_to_anchor=(1.01, 1))
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def _slug(method):
    return method.replace(' ', '_').replace(',', '').replace('/', '')


def main():
    args = parse_args()
    if args.run_one:
        return run_one(args.run_one)
    from mmdfkd.utils import keep_freed_memory
    keep_freed_memory()  # the teacher trains in this process
    quick_opts = dict(
        train_dataloader=dict(batch_size=16, num_workers=0),
        val_dataloader=dict(num_workers=0),
        test_dataloader=dict(num_workers=0))
    if args.quick:
        args.updates, args.evals, args.seeds = min(args.updates, 40), 4, 1
    split_opts = VAL_SPLIT if args.split == 'val' else {}
    runs_dir = osp.join(args.out_dir, 'runs', args.split)
    os.makedirs(runs_dir, exist_ok=True)
    os.makedirs(args.work_dir, exist_ok=True)

    teacher_acc = teacher_accuracy(args, split_opts, quick_opts)
    print(f'teacher: {teacher_acc:.2f}% ({args.split} split)', flush=True)
    from mmengine.config import Config
    batch = quick_opts['train_dataloader']['batch_size'] if args.quick \
        else Config.fromfile(OURS).train_dataloader.batch_size
    settings = dict(updates=args.updates, evals=args.evals, batch=batch,
                    quick=args.quick, split=args.split,
                    teacher=osp.basename(args.teacher_ckpt))
    # the checkpoint is not committed, so each fresh machine trains the
    # teacher again from the same seeded, deterministic recipe; machines
    # with other CPUs give other weights (README, "Set-up"), so finished
    # runs count for the same recipe, and each records its own teacher
    from mmdfkd.utils import config_sha256, weights_sha256
    args.teacher_weights_sha256 = weights_sha256(args.teacher_ckpt)
    args.teacher_recipe_sha256 = config_sha256(TEACHER_CFG)

    todo = []
    for method in args.methods:
        config, steps, ablation, seeds = METHODS[method]
        iters = max(1, args.updates // steps)
        for seed in range(args.seeds or seeds):
            result_path = osp.join(runs_dir, f'{_slug(method)}_seed{seed}'
                                   '.json')
            if osp.isfile(result_path):
                with open(result_path) as f:
                    if counts(json.load(f), settings, args):
                        continue
            val_interval = max(1, iters // args.evals)
            options = {
                'randomness.seed': seed,
                'train_cfg.max_iters': iters,
                'train_cfg.val_interval': val_interval,
                'param_scheduler.architecture.T_max': iters,
                'param_scheduler.generator.T_max': iters,
                # a run stopped half-way (session end, kill) resumes from
                # its last evaluation when the benchmark starts again
                'default_hooks.checkpoint.interval': val_interval,
                'default_hooks.checkpoint.max_keep_ckpts': 1,
                'resume': True,
                'default_hooks.logger.interval': max(1, iters // 20),
                'model.teachers.teacher.ckpt_path': args.teacher_ckpt,
                **split_opts,
                **ablation,
            }
            if args.quick:
                options.update(quick_opts)
            # resumes only the very same run: same config, options,
            # settings and teacher weights
            key = hashlib.sha256(json.dumps(
                [config, options, settings, args.teacher_weights_sha256],
                sort_keys=True).encode()).hexdigest()[:10]
            work_dir = osp.join(args.work_dir, args.split,
                                f'{_slug(method)}_seed{seed}_{key}')
            spec = dict(config=config, work_dir=work_dir, options=options,
                        data_root=args.data_root,
                        result=work_dir + '.result.json')
            todo.append((method, seed, steps, spec, result_path))

    if args.report_only:
        return write_outputs(args, runs_dir, settings, final=True)
    # seed 0 of every method first: a benchmark stopped half-way has one
    # run of each method rather than every seed of the first few
    todo.sort(key=lambda run: run[1])
    threads = 2 if args.jobs == 1 else 1
    running, started = [], time.perf_counter()
    while todo or running:
        while todo and len(running) < args.jobs:
            method, seed, steps, spec, result_path = todo.pop(0)
            os.makedirs(osp.dirname(spec['work_dir']), exist_ok=True)
            print(f'running {method} seed {seed}: '
                  f'{spec["options"]["train_cfg.max_iters"]} iterations ...',
                  flush=True)
            log_path = spec['work_dir'] + '.log'
            running.append(((method, seed, steps, spec, result_path,
                             log_path), start(spec, log_path, threads)))
        entry, status, usage = wait_any(running)
        (method, seed, steps, spec, result_path, log_path), child = entry
        result = finish(*child, spec, log_path, status, usage)
        result.update(student_steps=steps, seed=seed, settings=settings,
                      jobs=args.jobs, teacher_accuracy=teacher_acc,
                      teacher_weights_sha256=args.teacher_weights_sha256,
                      teacher_recipe_sha256=args.teacher_recipe_sha256)
        result.update(run_metrics(result, teacher_acc))
        with open(result_path, 'w') as f:
            json.dump(result, f)
        print(f'  {method} seed {seed}: final {result["final"]:.2f}  peak '
              f'{result["peak"]:.2f}  mean {result["mean"]:.2f}  '
              f'{result["time_per_iter"]:.3f} s/iter', flush=True)
        write_outputs(args, runs_dir, settings, final=False)
    print(f'runs took {time.perf_counter() - started:.0f} s', flush=True)
    write_outputs(args, runs_dir, settings, final=True)


def counts(result, settings, args):
    """Whether a finished run belongs to this benchmark: same settings and
    a teacher trained from the same recipe (its own weights and accuracy
    are in the run file)."""
    return result.get('settings') == settings and result.get(
        'teacher_recipe_sha256') == args.teacher_recipe_sha256


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


def write_outputs(args, runs_dir, settings, final):
    """Summaries of every finished run of these settings (after every run,
    so an interrupted benchmark keeps what it measured)."""
    runs = {}
    for method in METHODS:
        for name in sorted(os.listdir(runs_dir)):
            if not name.startswith(_slug(method) + '_seed'):
                continue
            with open(osp.join(runs_dir, name)) as f:
                result = json.load(f)
            if counts(result, settings, args):
                # derived figures from the run's history, by this code
                result.update(
                    run_metrics(result, result['teacher_accuracy']))
                runs.setdefault(method, []).append(result)
    if not runs:
        return
    planned = all(
        len(runs.get(m, [])) >= (args.seeds or METHODS[m][3])
        for m in args.methods)
    table = summarise(runs)
    used = teachers(runs)
    # the reference line and header: the mean over the teachers used
    teacher_acc = statistics.mean(acc for acc, _ in used.values())
    meta = dict(
        machine=f'{platform.machine()}, {os.cpu_count()} CPU cores, no GPU'
        if not _has_gpu() else f'{platform.machine()} with GPU',
        date=datetime.date.today().isoformat(),
        command=command_line(sys.argv),
        jobs=None if args.report_only else args.jobs,
        complete=final and planned,
        teacher_weights_sha256=args.teacher_weights_sha256,
        teacher_recipe_sha256=args.teacher_recipe_sha256,
        teachers=[dict(weights_sha256=k, accuracy=acc, runs=n)
                  for k, (acc, n) in used.items()],
        **settings)
    suffix = '' if args.split == 'test' else '_val'
    claim_lines = claims(runs, table)
    with open(osp.join(args.out_dir, f'results{suffix}.json'), 'w') as f:
        json.dump(dict(meta=meta, teacher_accuracy=teacher_acc,
                       summary=table, claims=claim_lines,
                       runs={m: [{k: v for k, v in r.items()
                                  if k != 'log_dir'} for r in rs]
                             for m, rs in runs.items()}), f, indent=1)
    write_markdown(osp.join(args.out_dir, f'results{suffix}.md'), table,
                   teacher_acc, meta, claim_lines)
    plot(osp.join(args.out_dir, f'accuracy{suffix}.png'), runs,
         teacher_acc, args.split)
    if final:
        with open(osp.join(args.out_dir, f'results{suffix}.md')) as f:
            print(f.read())


def _has_gpu():
    import torch
    return torch.cuda.is_available()


if __name__ == '__main__':
    main()
