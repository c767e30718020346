# Copyright (c) mmdfkd contributors. All rights reserved.
"""Head-to-head benchmark on real Fashion-MNIST: ours vs MMRazor's DAFL,
DFAD and ZSKT, plus ablations, with forgetting metrics and cost.

Every method uses the same teacher checkpoint, student architecture, batch
size and number of student updates; each run is a subprocess (so that its
peak memory is its own) running an ordinary config file. Writes
``results.json``, ``results.md`` and ``accuracy.png`` to ``--out-dir``.

    python tools/benchmark.py            # the full benchmark
    python tools/benchmark.py --quick    # same pipeline, minutes
"""
import argparse
import datetime
import json
import os
import os.path as osp
import platform
import statistics
import subprocess
import sys
import tempfile

TEACHER_CFG = 'configs/teachers/fmnist_resnet18_w16.py'
OURS = 'configs/dfkd/fmnist_resnet18w16_resnet18w8.py'
METHODS = {
    # name: (config, student steps per iteration, --cfg-options)
    'ours': (OURS, 5, {}),
    'ours w/o memory': (OURS, 5, {'model.memory': None}),
    'ours w/o BN loss': (OURS, 5, {'model.bn_loss': None}),
    'ours, FIFO memory':
    (OURS, 5, {'model.memory.policy.type': 'mmdfkd.FIFOPolicy'}),
    'MMRazor DFAD':
    ('configs/baselines/dfad/fmnist_resnet18w16_resnet18w8.py', 5, {}),
    'MMRazor DAFL':
    ('configs/baselines/dafl/fmnist_resnet18w16_resnet18w8.py', 1, {}),
    'MMRazor ZSKT':
    ('configs/baselines/zskt/fmnist_resnet18w16_resnet18w8.py', 10, {}),
}
MULTI_SEED = ('ours', 'MMRazor DFAD')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='tiny sizes: checks the pipeline in minutes')
    parser.add_argument('--data-root', default='data/fashion_mnist')
    parser.add_argument('--out-dir', default='benchmarks/fmnist')
    parser.add_argument('--work-dir', default='work_dirs/benchmark')
    parser.add_argument(
        '--teacher-ckpt',
        default='checkpoints/fmnist_resnet18_w16_teacher.pth',
        help='reused if it exists, else trained and saved here')
    parser.add_argument('--updates', type=int, default=1000,
                        help='student updates per run (all methods)')
    parser.add_argument('--evals', type=int, default=20,
                        help='test-set evaluations per run')
    parser.add_argument('--seeds', type=int, default=3,
                        help=f'seeds for {MULTI_SEED}; 1 for the others')
    parser.add_argument('--methods', nargs='+', default=list(METHODS),
                        choices=list(METHODS))
    parser.add_argument('--fresh', action='store_true',
                        help='ignore the runs of an interrupted benchmark')
    parser.add_argument('--run-one', help=argparse.SUPPRESS)
    return parser.parse_args()


# ---------------------------------------------------------------------------
# one run, in a child process
def run_one(spec_path):
    import mmdfkd  # noqa: F401
    from mmdfkd.utils import distil, load_config, set_data_root
    with open(spec_path) as f:
        spec = json.load(f)
    cfg = load_config(spec['config'], spec['work_dir'], spec['options'])
    set_data_root(cfg, spec['data_root'])
    result = distil(cfg)
    with open(spec['result'], 'w') as f:
        json.dump(result, f)


def launch(spec, log_path):
    """Run a spec in a child process; returns its result and peak RSS."""
    spec_file = tempfile.NamedTemporaryFile(
        'w', suffix='.json', delete=False)
    json.dump(spec, spec_file)
    spec_file.close()
    with open(log_path, 'w') as log:
        child = subprocess.Popen(
            [sys.executable, __file__, '--run-one', spec_file.name],
            stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
    os.unlink(spec_file.name)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f'run failed, see {log_path}')
    with open(spec['result']) as f:
        result = json.load(f)
    result['peak_rss_mb'] = usage.ru_maxrss / 1024  # KiB on Linux
    return result


# ---------------------------------------------------------------------------
def teacher_accuracy(args, quick_opts):
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
    if osp.isfile(args.teacher_ckpt):
        return evaluate(cfg, args.teacher_ckpt)
    return train_teacher(cfg, args.teacher_ckpt)['accuracy']


def summarise(runs):
    """Mean and spread over seeds of each method's metrics."""
    keys = ('final', 'peak', 'mean', 'variance', 'peak_minus_final',
            'time_per_iter', 'peak_rss_mb', 'memory_bytes', 'iters')
    table = {}
    for method, results in runs.items():
        row = {}
        for key in keys:
            values = [r[key] for r in results]
            row[key] = statistics.mean(values)
            row[key + '_std'] = statistics.pstdev(values)
        row['seeds'] = len(results)
        table[method] = row
    return table


def write_markdown(path, table, teacher_acc, meta):
    lines = [] if meta['complete'] else [
        '**Partial results: the benchmark was still running or was '
        'interrupted.**', ''
    ]
    lines += [
        f'Fashion-MNIST, teacher ResNet_CIFAR-18 (16 ch.) {teacher_acc:.2f}% '
        'top-1 -> student ResNet_CIFAR-18 (8 ch.); student accuracy (%) on '
        f'the real test split, {meta["evals"]} evaluations per run, '
        f'{meta["updates"]} student updates of batch {meta["batch"]}. '
        'Mean ± std over seeds.', '',
        '| method | seeds | final | peak | mean over run | variance over '
        'run | peak − final | s / iter | iters | peak RSS (MB) | replay '
        'memory (MB) |', '|---|---|---|---|---|---|---|---|---|---|---|'
    ]
    for method, r in table.items():

        def pm(key, fmt='.2f'):
            if r['seeds'] == 1:
                return format(r[key], fmt)
            return f'{r[key]:{fmt}} ± {r[key + "_std"]:{fmt}}'

        lines.append(
            f'| {method} | {r["seeds"]} | {pm("final")} | {pm("peak")} | '
            f'{pm("mean")} | {pm("variance", ".1f")} | '
            f'{pm("peak_minus_final")} | {r["time_per_iter"]:.3f} | '
            f'{r["iters"]:.0f} | {r["peak_rss_mb"]:.0f} | '
            f'{r["memory_bytes"] / 2**20:.2f} |')
    lines += [
        '', f'Machine: {meta["machine"]}. Date: {meta["date"]}. Command: '
        f'`{meta["command"]}`.'
    ]
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def plot(path, runs, teacher_acc):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5))
    for method, results in runs.items():
        iters = results[0]['history_iters']
        updates = [i * results[0]['student_steps'] for i in iters]
        values = [
            statistics.mean(r['history_values'][k] for r in results)
            for k in range(len(iters))
        ]
        ax.plot(updates, values, label=f'{method} ({len(results)} seeds)'
                if len(results) > 1 else method)
    ax.axhline(teacher_acc, color='k', ls='--', lw=1, label='teacher')
    ax.set_xlabel('student updates')
    ax.set_ylabel('test accuracy (%)')
    ax.set_title('Fashion-MNIST, data-free distillation')
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    args = parse_args()
    if args.run_one:
        return run_one(args.run_one)
    os.makedirs(args.out_dir, exist_ok=True)
    os.makedirs(args.work_dir, exist_ok=True)
    quick_opts = dict(
        train_dataloader=dict(batch_size=16, num_workers=0),
        val_dataloader=dict(num_workers=0),
        test_dataloader=dict(num_workers=0))
    if args.quick:
        args.updates, args.evals, args.seeds = min(args.updates, 40), 4, 1

    teacher_acc = teacher_accuracy(args, quick_opts)
    print(f'teacher: {teacher_acc:.2f}%', flush=True)
    from mmengine.config import Config
    batch = quick_opts['train_dataloader']['batch_size'] if args.quick \
        else Config.fromfile(OURS).train_dataloader.batch_size
    runs = previous_runs(args, batch)
    for method in args.methods:
        config, steps, ablation = METHODS[method]
        iters = max(1, args.updates // steps)
        seeds = args.seeds if method in MULTI_SEED else 1
        for seed in range(seeds):
            name = f'{method} seed {seed}'
            if any(r['seed'] == seed for r in runs.get(method, [])):
                print(f'{name}: kept from {args.out_dir}/results.json')
                continue
            work_dir = osp.join(args.work_dir,
                                method.replace(' ', '_').replace(',', '')
                                .replace('/', '') + f'_seed{seed}')
            options = {
                'randomness.seed': seed,
                'train_cfg.max_iters': iters,
                'train_cfg.val_interval': max(1, iters // args.evals),
                'param_scheduler.architecture.T_max': iters,
                'param_scheduler.generator.T_max': iters,
                'default_hooks.checkpoint.interval': iters,
                'default_hooks.logger.interval': max(1, iters // 20),
            }
            options['model.teachers.teacher.ckpt_path'] = args.teacher_ckpt
            options.update(ablation)
            if args.quick:
                options.update(quick_opts)
            spec = dict(
                config=config, work_dir=work_dir, options=options,
                data_root=args.data_root,
                result=osp.join(args.work_dir, f'{osp.basename(work_dir)}'
                                '.json'))
            print(f'running {name}: {iters} iterations ...', flush=True)
            result = launch(spec, work_dir + '.log')
            result['student_steps'] = steps
            result['seed'] = seed
            runs.setdefault(method, []).append(result)
            print(f'  final {result["final"]:.2f}  peak {result["peak"]:.2f}'
                  f'  mean {result["mean"]:.2f}  '
                  f'{result["time_per_iter"]:.3f} s/iter', flush=True)
            write_outputs(args, runs, teacher_acc, batch, final=False)
    write_outputs(args, runs, teacher_acc, batch, final=True)


def previous_runs(args, batch):
    """Runs of an interrupted benchmark with the same settings, so that a
    restart only does what is missing (``--fresh`` ignores them)."""
    path = osp.join(args.out_dir, 'results.json')
    if args.fresh or not osp.isfile(path):
        return {}
    with open(path) as f:
        previous = json.load(f)
    meta = previous['meta']
    same = all(meta.get(k) == v for k, v in dict(
        updates=args.updates, evals=args.evals, batch=batch,
        quick=args.quick).items())
    return previous['runs'] if same else {}


def write_outputs(args, runs, teacher_acc, batch, final):
    """Results so far (after every run, so an interrupted benchmark keeps
    what it measured); the table is printed at the end."""
    table = summarise(runs)
    meta = dict(
        machine=f'{platform.machine()}, {os.cpu_count()} CPU cores, no GPU'
        if not _has_gpu() else f'{platform.machine()} with GPU',
        date=datetime.date.today().isoformat(),
        command=' '.join(['python'] + sys.argv),
        updates=args.updates, evals=args.evals, batch=batch,
        quick=args.quick, complete=final)
    with open(osp.join(args.out_dir, 'results.json'), 'w') as f:
        json.dump(dict(meta=meta, teacher_accuracy=teacher_acc,
                       summary=table, runs=runs), f, indent=1)
    write_markdown(osp.join(args.out_dir, 'results.md'), table, teacher_acc,
                   meta)
    plot(osp.join(args.out_dir, 'accuracy.png'), runs, teacher_acc)
    if final:
        with open(osp.join(args.out_dir, 'results.md')) as f:
            print(f.read())


def _has_gpu():
    import torch
    return torch.cuda.is_available()


if __name__ == '__main__':
    main()
