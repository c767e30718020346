# Copyright (c) mmdfkd contributors. All rights reserved.
"""Per-iteration time of the distiller with and without the replay memory,
with and without cached teacher logits, and of MMRazor's DFAD, side by side
in one process on the same models and batch.

Variants run round-robin, a few iterations each per round, so that drifts
of the machine hit all of them alike; the table gives the median.

    python tools/measure_iter_time.py [--rounds 5] [--iters 3]
"""
import argparse
import statistics
import time

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

import mmdfkd  # noqa: F401  (applies mmdfkd.compat, registers components)
from mmdfkd.registry import MODELS
from mmdfkd.utils import keep_freed_memory

OURS = 'configs/dfkd/fmnist_resnet18w16_resnet18w8.py'
DFAD = 'configs/baselines/dfad/fmnist_resnet18w16_resnet18w8.py'


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--iters', type=int, default=3,
                        help='iterations per variant per round')
    parser.add_argument('--batch-size', type=int, default=None)
    return parser.parse_args()


def build(path, batch_size, options=None):
    cfg = Config.fromfile(path)
    if options:
        cfg.merge_from_dict(options)
    # timing does not depend on the weights
    cfg.model.teachers.teacher.pop('ckpt_path', None)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
    batch_size = batch_size or cfg.train_dataloader.batch_size
    data = dict(
        inputs=[torch.zeros(1, 1, 1, dtype=torch.uint8)] * batch_size,
        data_samples=[cfg_sample()] * batch_size)
    return model.train(), optim, data


def cfg_sample():
    from mmpretrain.structures import DataSample
    return DataSample().set_gt_label(0)


def main():
    args = parse_args()
    keep_freed_memory()  # see mmdfkd/utils/allocator.py
    torch.manual_seed(0)
    variants = {
        'ours, no memory':
        build(OURS, args.batch_size, {'model.memory': None}),
        'ours, memory, cached teacher logits':
        build(OURS, args.batch_size),
        'ours, memory, teacher re-run on replay':
        build(OURS, args.batch_size, {'model.memory.store_logits': False}),
        'MMRazor DFAD (same models, batch, 5 student steps)':
        build(DFAD, args.batch_size),
    }

    def step(model, optim, data):
        model.train_step(data, optim)

    for model, optim, data in variants.values():  # warm-up; fill memories
        for _ in range(2):
            step(model, optim, data)
        memory = getattr(model, 'memory', None)
        while memory is not None and len(memory) < memory.capacity:
            with torch.no_grad():
                samples = model.generator(batch_size=256)
                memory.push(samples, model.teacher(samples, mode='tensor'))

    times = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, variant in variants.items():
            start = time.perf_counter()
            for _ in range(args.iters):
                step(*variant)
            times[name].append((time.perf_counter() - start) / args.iters)

    batch = len(next(iter(variants.values()))[2]['inputs'])
    base = statistics.median(times['ours, no memory'])
    dfad = statistics.median(
        times['MMRazor DFAD (same models, batch, 5 student steps)'])
    print(f'\nPer-iteration time, batch {batch}, {torch.get_num_threads()} '
          f'threads, median of {args.rounds} rounds x {args.iters} iters')
    print(f'{"variant":<52} {"s/iter":>8} {"vs no memory":>13} '
          f'{"vs DFAD":>8}')
    for name, values in times.items():
        median = statistics.median(values)
        print(f'{name:<52} {median:8.3f} {median / base:12.2f}x '
              f'{median / dfad:7.2f}x')


if __name__ == '__main__':
    main()
