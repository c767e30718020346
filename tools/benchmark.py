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

The logic lives in :mod:`fmnist_benchmark` (methods, runner, report); this
file only parses the command line.

``--split val`` evaluates on the last 5,000 Fashion-MNIST training images,
which the benchmark teacher does not train on and no data-free run sees;
``--split test`` on the 10,000 test images, which are only reported.
"""
import argparse
import json

from fmnist_benchmark import (
    DEFAULT_METHODS,
    METHODS,
    TEACHER_CKPT,
    run_benchmark,
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='tiny sizes: checks the pipeline in minutes')
    parser.add_argument('--data-root', default='data/fashion_mnist')
    parser.add_argument('--out-dir', default='benchmarks/fmnist')
    parser.add_argument('--work-dir', default='work_dirs/benchmark')
    parser.add_argument('--teacher-ckpt', default=TEACHER_CKPT,
                        help='the committed benchmark teacher by default; '
                        'another path is reused if it exists, else trained '
                        'from configs/teachers/fmnist_resnet18_w16_e20.py '
                        'and saved there')
    parser.add_argument('--split', choices=['test', 'val'], default='test')
    # chosen on the validation split: at 8000 updates no method had
    # plateaued (benchmarks/fmnist/README.md, "Budget")
    parser.add_argument('--updates', type=int, default=16000,
                        help='student updates per run (all methods)')
    parser.add_argument('--evals', type=int, default=20,
                        help='evaluations per run')
    parser.add_argument('--seeds', type=int, default=None,
                        help='seeds per method (default: 3 for ours, ours '
                        'w/o memory and the baselines, 2 for ablations)')
    parser.add_argument('--first-seed', type=int, default=0,
                        help='run seeds from this one up to --seeds (so '
                        'two benchmarks side by side can split the seeds, '
                        'or a screening can take the one seed that '
                        'matters); reports still count every finished seed')
    parser.add_argument('--methods', nargs='+',
                        default=list(DEFAULT_METHODS), choices=list(METHODS),
                        help='default: the benchmark\'s reported methods')
    # measured: two 200-iteration runs took 187 s one at a time with 2
    # threads, 161 s side by side with 1 thread each
    # (benchmarks/fmnist/README.md, "Budget")
    parser.add_argument('--jobs', type=int, default=2, choices=[1, 2],
                        help='runs side by side: 1 (2 threads) or 2 (1 '
                        'thread each, the default: faster on 2 cores)')
    parser.add_argument('--any-path', action='store_true',
                        help='count runs of ours made on another CPU\'s '
                        'fastest path (with --report-only: a comparison '
                        'whose runs come from two machines)')
    parser.add_argument('--threads', type=int, default=None,
                        help='threads per run (default: 2 with --jobs 1, '
                        '1 with --jobs 2); 1 with --jobs 1 leaves a core to '
                        'another benchmark run beside this one')
    parser.add_argument('--train-teacher', action='store_true',
                        help='train the benchmark teacher from its recipe and '
                        'replace the committed one (benchmarks/fmnist/'
                        'teacher/), then stop')
    parser.add_argument('--path', choices=['float32', 'auto'],
                        default='auto',
                        help='what ours and its ablations compute in: as the '
                        'config ships, or the fastest path that keeps '
                        'accuracy on this machine (mmdfkd.engine.'
                        'fastest_path); MMRazor\'s methods run as shipped')
    parser.add_argument('--report-only', action='store_true',
                        help='rewrite results.{json,md} and the plot from '
                        'the finished runs; start none')
    args = parser.parse_args()
    if args.first_seed and args.quick:
        parser.error('--quick runs seed 0 only: drop --first-seed')
    if args.first_seed and (args.seeds is None or
                            not 0 < args.first_seed < args.seeds):
        parser.error(f'--first-seed {args.first_seed} runs seeds '
                     f'{args.first_seed} to --seeds - 1: give --seeds '
                     f'above it (e.g. --first-seed {args.first_seed} '
                     f'--seeds {max(args.first_seed, 0) + 1})')
    return args


def main():
    args = parse_args()
    if args.train_teacher:
        from fmnist_benchmark.teacher import train_and_export
        facts = train_and_export(args.data_root, args.work_dir + '/teacher')
        print(json.dumps(facts, indent=1))
        return
    run_benchmark(args)


if __name__ == '__main__':
    main()
