# Copyright (c) mmdfkd contributors. All rights reserved.
"""What a replay memory at data-set scale costs: for each capacity, the
memory's MB, the time to draw a replay batch (plain and augmented), the
size and save time of a checkpoint that holds it (in the model's state
dict, as training writes it) against a checkpoint without it plus the
memory in a file beside it, and whether it loads back bit for bit. All
sizes in one run, side by side.

    python tools/analysis_tools/memory_scale.py   # uint8, both data sets
    python tools/analysis_tools/memory_scale.py --dtype float16 --repeats 50
"""
import argparse
import os
import statistics
import tempfile
import time

import torch

import mmdfkd  # noqa: F401  (registers components)
from mmdfkd.structures import ReplayMemory

AUGMENTS = [dict(type='mmdfkd.BatchRandomCrop', padding=4),
            dict(type='mmdfkd.BatchRandomFlip')]
# (data set, sample shape, classes, capacities)
SETUPS = [
    ('Fashion-MNIST', (1, 28, 28), 10, (1280, 10240, 60000)),
    ('CIFAR', (3, 32, 32), 100, (1280, 50000)),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dtype', default='uint8',
                        choices=ReplayMemory.DTYPES)
    parser.add_argument('--batch', type=int, default=64,
                        help='samples per replay batch')
    parser.add_argument('--repeats', type=int, default=30,
                        help='timed draws per memory (median reported)')
    return parser.parse_args()


def _median_ms(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def measure(shape, classes, capacity, args):
    memory = ReplayMemory(capacity, dtype=args.dtype, seed=0)
    augmented = ReplayMemory(capacity, dtype=args.dtype, seed=0,
                             augments=AUGMENTS)
    for start in range(0, capacity, 4096):
        num = min(4096, capacity - start)
        samples = torch.randn(num, *shape)
        logits = torch.randn(num, classes)
        memory.push(samples, logits)
        augmented.push(samples, logits)
    row = dict(capacity=capacity, mb=memory.nbytes / 2**20)
    row['sample_ms'] = _median_ms(lambda: memory.sample(args.batch),
                                  args.repeats)
    row['augmented_ms'] = _median_ms(lambda: augmented.sample(args.batch),
                                     args.repeats)
    state = dict(state_dict=memory.state_dict())
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'iter_1.pth')
        start = time.perf_counter()
        torch.save(state, path)
        row['save_s'] = time.perf_counter() - start
        row['ckpt_mb'] = os.path.getsize(path) / 2**20
        loaded = torch.load(path, weights_only=True)['state_dict']
        row.update(_beside(memory, tmp))
    restored = ReplayMemory(capacity, dtype=args.dtype, seed=9)
    restored.load_state_dict(loaded)
    row['bit_exact'] = all(
        torch.equal(v, restored.state_dict()[k])
        for k, v in memory.state_dict().items()) and torch.equal(
            memory.sample(8)[0], restored.sample(8)[0])
    return row


def _beside(memory, tmp):
    """The alternative to the checkpoint holding the memory: a checkpoint
    without it and the memory in a file beside it named by the checkpoint,
    written atomically (a temporary name, then renamed): both files' MB
    and the time to write both."""
    path = os.path.join(tmp, 'beside_iter_1.pth')
    start = time.perf_counter()
    torch.save(dict(state_dict={}), path)
    side = path + '.memory'
    torch.save(memory.state_dict(), side + '.tmp')
    os.replace(side + '.tmp', side)
    return dict(beside_s=time.perf_counter() - start,
                beside_ckpt_mb=os.path.getsize(path) / 2**20,
                beside_file_mb=os.path.getsize(side) / 2**20)


def main():
    args = parse_args()
    torch.set_num_threads(1)
    print(f'replay memory at scale: dtype {args.dtype}, replay batch '
          f'{args.batch}, median of {args.repeats} draws, 1 thread')
    print('| data set | capacity | memory MB | checkpoint MB | save s | '
          'beside: checkpoint MB + file MB | beside: save s | draw ms | '
          'draw + augment ms | restored bit for bit |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    for name, shape, classes, capacities in SETUPS:
        for capacity in capacities:
            r = measure(shape, classes, capacity, args)
            print(f'| {name} {shape} | {capacity:,} | {r["mb"]:.1f} | '
                  f'{r["ckpt_mb"]:.1f} | {r["save_s"]:.2f} | '
                  f'{r["beside_ckpt_mb"]:.3f} + {r["beside_file_mb"]:.1f} | '
                  f'{r["beside_s"]:.2f} | '
                  f'{r["sample_ms"]:.3f} | {r["augmented_ms"]:.3f} | '
                  f'{"yes" if r["bit_exact"] else "NO"} |', flush=True)


if __name__ == '__main__':
    main()
