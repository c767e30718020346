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
from mmdfkd.structures import ReplayMemory

OURS = 'configs/dfkd/fmnist_resnet18w16_resnet18w8.py'
DFAD = 'configs/baselines/dfad/fmnist_resnet18w16_resnet18w8.py'


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--iters', type=int, default=3,
                        help='iterations per variant per round')
    parser.add_argument('--batch-size', type=int, default=None)
    return parser.parse_args()


def build(path, batch_size):
    cfg = Config.fromfile(path)
    (_, teacher), = cfg.model.teachers.items()
    teacher.pop('ckpt_path', None)  # timing does not depend on the weights
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
    batch_size = batch_size or cfg.train_dataloader.batch_size
    data = dict(
        inputs=[torch.zeros(1, 1, 1, dtype=torch.uint8)] * batch_size,
        data_samples=[cfg_sample()] * batch_size)
    hook = next(h for h in cfg.custom_hooks
                if h.type == 'mmdfkd.ReplayMemoryHook') \
        if 'ReplayDataFree' in cfg.model.type else None
    return model.train(), optim, data, hook


def cfg_sample():
    from mmpretrain.structures import DataSample
    return DataSample().set_gt_label(0)


def main():
    args = parse_args()
    torch.manual_seed(0)
    variants = {}
    for name, store_logits in (('ours, no memory', None),
                               ('ours, memory, cached teacher logits', True),
                               ('ours, memory, teacher re-run on replay',
                                False)):
        model, optim, data, hook = build(OURS, args.batch_size)
        memory = None
        if store_logits is not None:
            memory = ReplayMemory(hook.capacity, store_logits=store_logits)
            model.attach_memory(memory, hook.replay_batch_size)
        variants[name] = (model, optim, data, memory, hook)
    model, optim, data, _ = build(DFAD, args.batch_size)
    variants['MMRazor DFAD (same models, batch, 5 student steps)'] = (
        model, optim, data, None, None)

    def step(model, optim, data, memory, hook):
        model.train_step(data, optim)
        if memory is not None:
            samples, logits = model.pop_fresh_samples()
            memory.push(samples[:hook.push_per_iter],
                        logits[:hook.push_per_iter])

    for variant in variants.values():  # warm-up; fills the memories
        for _ in range(2):
            step(*variant)
        model, memory = variant[0], variant[3]
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
