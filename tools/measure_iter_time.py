# Copyright (c) mmdfkd contributors. All rights reserved.
"""Per-iteration time of the distiller with and without the replay memory,
with and without cached teacher logits, of the same step written as a bare
PyTorch loop (no mmengine runner, algorithm or optimizer wrappers), and of
MMRazor's DFAD, side by side in one process on the same models and batch.

Variants run round-robin, a few iterations each per round, so that drifts
of the machine hit all of them alike; the table gives the median.

    python tools/measure_iter_time.py [--rounds 5] [--iters 3]
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F
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


def build(path, batch_size, options=None, bare=False):
    cfg = Config.fromfile(path)
    if options:
        cfg.merge_from_dict(options)
    # timing does not depend on the weights
    cfg.model.teachers.teacher.pop('ckpt_path', None)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
    batch_size = batch_size or cfg.train_dataloader.batch_size
    if bare:
        model, optim = BareStep(model, cfg), None
    data = dict(
        inputs=[torch.zeros(1, 1, 1, dtype=torch.uint8)] * batch_size,
        data_samples=[cfg_sample()] * batch_size)
    if not bare:
        model.train()
    return model, optim, data


class BareStep:
    """Our iteration as a bare PyTorch loop, the reference of the speed
    target: the same teacher, student and generator modules, plain torch
    optimizers with the config's settings, BatchNorm statistics through
    forward hooks, a reservoir memory of float16 samples and float32 teacher
    logits in two preallocated tensors."""

    def __init__(self, model, cfg):
        self.teacher, self.student = model.teacher, model.student
        self.generator = model.generator
        self.k = cfg.model.student_iter
        mem = cfg.model.memory
        self.capacity, self.push = mem.capacity, mem.push_per_iter
        self.replay = mem.replay_batch_size
        self.bn_weight = cfg.model.bn_loss.loss_weight
        s_opt = cfg.optim_wrapper.architecture.optimizer
        self.opt_s = torch.optim.SGD(
            self.student.parameters(), lr=s_opt.lr, momentum=s_opt.momentum,
            weight_decay=s_opt.weight_decay)
        self.opt_g = torch.optim.Adam(
            self.generator.parameters(),
            lr=cfg.optim_wrapper.generator.optimizer.lr)
        self.terms, self.hooks_on = [], False
        for m in self.teacher.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.register_forward_hook(self._bn_hook)
        self.samples = self.logits = None
        self.size = self.seen = 0

    def _bn_hook(self, module, args, output):
        if self.hooks_on:
            x = args[0]
            var, mean = torch.var_mean(x, dim=[0, 2, 3], unbiased=False)
            self.terms.append(
                torch.norm(module.running_var - var, 2) +
                torch.norm(module.running_mean - mean, 2))

    def _push(self, x, t, num=None):
        if self.samples is None:
            self.samples = torch.empty((self.capacity, *x.shape[1:]),
                                       dtype=torch.float16)
            self.logits = torch.empty((self.capacity, t.shape[1]))
        for i in range(min(num or self.push, len(x))):
            slot = self.seen if self.seen < self.capacity else int(
                torch.randint(self.seen + 1, (1, )))
            if slot < self.capacity:
                self.samples[slot] = x[i]
                self.logits[slot] = t[i]
            self.seen += 1
        self.size = min(self.capacity, self.seen)

    def train_step(self, data, optim=None):
        n = len(data['inputs'])
        latent = self.generator.latent_dim
        # generator step
        self.hooks_on, self.terms = True, []
        x = self.generator(torch.randn(n, latent))
        t = self.teacher(x, mode='tensor')
        self.hooks_on = False
        for p in self.student.parameters():
            p.requires_grad_(False)
        s = self.student(x, mode='tensor')
        for p in self.student.parameters():
            p.requires_grad_(True)
        loss = -F.l1_loss(s, t) + self.bn_weight * sum(self.terms)
        self.opt_g.zero_grad()
        loss.backward()
        self.opt_g.step()
        # student steps
        for _ in range(self.k):
            with torch.no_grad():
                x = self.generator(torch.randn(n, latent))
                t = self.teacher(x, mode='tensor')
                if self.size:
                    idx = torch.randint(self.size, (self.replay, ))
                    xm, tm = self.samples[idx].float(), self.logits[idx]
            inputs = torch.cat([x, xm]) if self.size else x
            s = self.student(inputs, mode='tensor')
            loss = F.l1_loss(s[:n], t)
            if self.size:
                loss = loss + F.l1_loss(s[n:], tm)
            self.opt_s.zero_grad()
            loss.backward()
            self.opt_s.step()
        self._push(x, t)


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
        'bare PyTorch reference (memory, cached logits)':
        build(OURS, args.batch_size, bare=True),
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
        while isinstance(model, BareStep) and model.size < model.capacity:
            with torch.no_grad():
                samples = model.generator(batch_size=256)
                model._push(samples, model.teacher(samples, mode='tensor'),
                            num=len(samples))

    times = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, variant in variants.items():
            start = time.perf_counter()
            for _ in range(args.iters):
                step(*variant)
            times[name].append((time.perf_counter() - start) / args.iters)

    batch = len(next(iter(variants.values()))[2]['inputs'])
    base = statistics.median(
        times['bare PyTorch reference (memory, cached logits)'])
    dfad = statistics.median(
        times['MMRazor DFAD (same models, batch, 5 student steps)'])
    print(f'\nPer-iteration time, batch {batch}, {torch.get_num_threads()} '
          f'threads, median of {args.rounds} rounds x {args.iters} iters')
    print(f'{"variant":<52} {"s/iter":>8} {"vs reference":>13} '
          f'{"vs DFAD":>8}')
    for name, values in times.items():
        median = statistics.median(values)
        print(f'{name:<52} {median:8.3f} {median / base:12.2f}x '
              f'{median / dfad:7.2f}x')


if __name__ == '__main__':
    main()
