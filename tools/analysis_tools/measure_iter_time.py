# Copyright (c) mmdfkd contributors. All rights reserved.
"""Per-iteration time of the data-free distillers on every path, side by
side in one process on the same models and batch: the step of ours written
as a bare eager float32 PyTorch loop (no mmengine runner, algorithm or
optimizer wrappers: the reference), ours as its config ships, ours in
float32 NCHW eager, with each speed option (bfloat16 autocast,
channels_last, torch.compile) and bfloat16 + channels_last, ours without
memory, the memory study's candidates and the default before it on the
fastest path (their memories full), MMRazor's DFAD and DAFL as their
configs ship, DAFL given a replay memory by ``mmdfkd.ReplayMemoryHook``
(one extra student update per iteration on replayed samples), and
Fast-DFKD past its warm-up (a synthesis round and 5 student steps on its
pool) as shipped and on the fastest path.

Variants run round-robin, a few iterations each per round, so that drifts
of the machine hit all of them alike; the table gives the median. Compare
times only within one run: the CPU differs between machines.

    python tools/analysis_tools/measure_iter_time.py --threads 1
    python tools/analysis_tools/measure_iter_time.py --threads 2 \
        [--rounds 5] [--iters 3]
"""
import argparse
import functools
import json
import os.path as osp
import statistics
import sys
import time

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

import mmdfkd  # noqa: F401  (applies mmdfkd.compat, registers components)
from mmdfkd.engine import fastest_path, use_fast_path
from mmdfkd.registry import HOOKS, MODELS, TRANSFORMS
from mmdfkd.utils import keep_freed_memory
from mmdfkd.utils.cpu_features import cpu_has_native_bf16, cpu_name

# the benchmark harness lives in tools/fmnist_benchmark, beside the tools
sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))
from fmnist_benchmark.methods import (  # noqa: E402
    COST_VARIANTS,
    FAST_DFKD,
    MEMORY_CANDIDATES,
    METHODS,
    PREVIOUS_DEFAULT,
    replay_hook_like_ours,
)

OURS = 'configs/dfkd/fmnist_resnet18w16_resnet18w8.py'
DFAD = 'configs/baselines/dfad/dfad_logits_resnet18w16_resnet18w8_fmnist.py'
DAFL = 'configs/baselines/dafl/dafl_logits_resnet18w16_resnet18w8_fmnist.py'
BARE = 'bare loop, eager float32 (reference)'
DFAD_NAME = 'MMRazor DFAD as shipped'
AFTER_WARMUP = {'model.warmup_iters': 0, 'model.reset_iter': None}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--iters', type=int, default=3,
                        help='iterations per variant per round')
    parser.add_argument('--batch-size', type=int, default=None)
    parser.add_argument('--threads', type=int, default=None,
                        help='torch threads (default: torch\'s own)')
    parser.add_argument('--out', default=None,
                        help='also write the figures to this JSON file')
    parser.add_argument('--variants', nargs='+', default=None,
                        help='names (or unique prefixes) of the variants to '
                        'time; default: all')
    return parser.parse_args()


def build(path, batch_size, options=None, bare=False, **fast_path):
    """A variant: the model, its optimizer wrapper and a batch. ``fast_path``
    (amp, channels_last, compile) as :func:`mmdfkd.engine.use_fast_path`;
    the config's own settings where not given."""
    cfg = Config.fromfile(path)
    if options:
        cfg.merge_from_dict(options)
    use_fast_path(cfg, **fast_path)
    # timing does not depend on the weights
    cfg.model.teachers.teacher.pop('ckpt_path', None)
    # as mmengine's Runner builds the model: with the config's preprocessor
    if cfg.get('data_preprocessor'):
        cfg.model.setdefault('data_preprocessor', cfg.data_preprocessor)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
        for hook in cfg.get('custom_hooks') or []:
            if hook['type'] in ('mmdfkd.FastPathHook', 'FastPathHook'):
                HOOKS.build(hook).apply(model)
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
    forward hooks, the distillation loss the config ships (L1, or KL at a
    temperature) and its memory: a FIFO ring of float16 samples in a
    preallocated tensor, with float32 teacher logits beside them, or, with
    the memory's augments, replayed samples augmented by the same tensor
    transforms and labelled by the teacher in the fresh samples' forward
    (it refuses other policies, dtypes and replay shares rather than time
    something else)."""

    def __init__(self, model, cfg):
        self.teacher, self.student = model.teacher, model.student
        self.generator = model.generator
        self.k = cfg.model.student_iter
        mem = cfg.model.memory
        policy = mem.get('policy', {}).get('type', 'mmdfkd.FIFOPolicy')
        if policy != 'mmdfkd.FIFOPolicy' or mem.get('dtype') != 'float16' \
                or cfg.model.get('replay_share'):
            raise SystemExit(
                'The bare step times a float16 FIFO memory beside fresh '
                f'samples; this config ships {policy}, dtype '
                f'{mem.get("dtype")!r}, replay_share '
                f'{cfg.model.get("replay_share")}: update BareStep first.')
        self.capacity, self.push = mem.capacity, mem.push_per_iter
        self.replay = mem.replay_batch_size
        self.rng = torch.Generator().manual_seed(0)
        self.augments = [TRANSFORMS.build(a) for a in mem.get('augments')
                         or []]
        # the config's own loss module (L1, or KL at a temperature): a
        # plain function of two logit tensors
        self.distill = MODELS.build(cfg.model.distill_loss)
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
            slot = self.seen % self.capacity  # FIFO ring
            self.samples[slot] = x[i]
            self.logits[slot] = t[i]
            self.seen += 1
        self.size = min(self.capacity, self.seen)

    def _replayed(self, x):
        """Fresh and replayed inputs, and the cached logits of the replayed
        ones (None where the teacher labels them)."""
        if not self.size:
            return x, None
        idx = torch.randint(self.size, (self.replay, ))
        xm = self.samples[idx].float()
        if not self.augments:
            return torch.cat([x, xm]), self.logits[idx]
        for augment in self.augments:
            xm = augment(xm, self.rng)
        return torch.cat([x, xm]), None

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
        loss = -self.distill(s, t) + self.bn_weight * sum(self.terms)
        self.opt_g.zero_grad()
        loss.backward()
        self.opt_g.step()
        # student steps
        for _ in range(self.k):
            with torch.no_grad():
                x = self.generator(torch.randn(n, latent))
                inputs, cached = self._replayed(x)
                t = self.teacher(inputs if cached is None else x,
                                 mode='tensor')
                if cached is not None:
                    t = torch.cat([t, cached])
            s = self.student(inputs, mode='tensor')
            loss = self.distill(s[:n], t[:n])
            if len(inputs) > n:
                loss = loss + self.distill(s[n:], t[n:])
            self.opt_s.zero_grad()
            loss.backward()
            self.opt_s.step()
        self._push(x, t[:n])


class HookedStep:
    """A distiller with ``mmdfkd.ReplayMemoryHook`` attached, stepped as
    the runner would: the hook's recording, the distiller's train_step,
    then the hook's memory update and replay update."""

    def __init__(self, model, hook_cfg):
        self.model = model
        self.hook = HOOKS.build(hook_cfg)
        self.memory = self.hook.attach(model)
        self.generator = model.generator
        self.teacher, = model.teachers.values()

    def train_step(self, data, optim):
        self.hook.before_train_iter(None, 0)
        self.model.train_step(data, optim)
        self.hook.step(self.model, optim)


def hooked(path, batch_size, hook_cfg):
    model, optim, data = build(path, batch_size)
    return HookedStep(model, hook_cfg), optim, data


def cfg_sample():
    from mmpretrain.structures import DataSample
    return DataSample().set_gt_label(0)


def variants(batch_size):
    """name: a function that builds the variant."""
    fp32 = dict(amp=False, channels_last=False, compile=False)
    return {
        BARE: lambda: build(OURS, batch_size, bare=True, **fp32),
        'ours as shipped': lambda: build(OURS, batch_size),
        'ours, float32 NCHW eager': lambda: build(OURS, batch_size, **fp32),
        'ours, bfloat16': lambda: build(
            OURS, batch_size, **dict(fp32, amp=True)),
        'ours, channels_last': lambda: build(
            OURS, batch_size, **dict(fp32, channels_last=True)),
        'ours, compiled': lambda: build(
            OURS, batch_size, **dict(fp32, compile=True)),
        'ours, bfloat16 + channels_last': lambda: build(
            OURS, batch_size, **dict(fp32, amp=True, channels_last=True)),
        # the path the benchmark runs ours on here (--path auto)
        'ours, fastest path on this CPU': lambda: build(
            OURS, batch_size, **dict(fp32, **fastest_path())),
        'ours, no memory, float32': lambda: build(
            OURS, batch_size, {'model.memory': None}, **fp32),
        DFAD_NAME: lambda: build(DFAD, batch_size),
        'MMRazor DAFL as shipped': lambda: build(DAFL, batch_size),
        'MMRazor DAFL + replay hook': lambda: hooked(
            DAFL, batch_size, replay_hook_like_ours()),
        # a round after the warm-up: synthesis and student steps
        'Fast-DFKD as shipped': lambda: build(
            FAST_DFKD, batch_size, AFTER_WARMUP),
        'Fast-DFKD, bfloat16 + channels_last': lambda: build(
            FAST_DFKD, batch_size, AFTER_WARMUP,
            **dict(fp32, amp=True, channels_last=True)),
        # a warm-up round: synthesis only, no student step
        'Fast-DFKD, warm-up round': lambda: build(
            FAST_DFKD, batch_size,
            {'model.warmup_iters': 10**9, 'model.reset_iter': None}),
        # the memory study's candidates and the default before it, as the
        # benchmark runs them (the fastest path), each memory full
        **{COST_VARIANTS[m][0]: functools.partial(
            build, OURS, batch_size, METHODS[m]['options'],
            **dict(fp32, **fastest_path()))
           for m in (*MEMORY_CANDIDATES, PREVIOUS_DEFAULT)},
    }


def select(names, wanted):
    if not wanted:
        return names
    chosen = []
    for want in wanted:
        hits = [n for n in names if n == want] or \
            [n for n in names if n.startswith(want)]
        if len(hits) != 1:
            raise SystemExit(f'error: --variants {want!r} matches {hits}; '
                             f'choose among {names}')
        chosen.append(hits[0])
    return list(dict.fromkeys(chosen))


def main():
    args = parse_args()
    keep_freed_memory()  # see mmdfkd/utils/allocator.py
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    builders = variants(args.batch_size)
    names = select(list(builders), args.variants)
    built = {name: builders[name]() for name in names}

    def step(model, optim, data):
        model.train_step(data, optim)

    for model, optim, data in built.values():  # warm-up; fill memories
        for _ in range(2):
            step(model, optim, data)
        # full memories: one generated batch offered until full (a draw
        # costs the same whatever the samples)
        memory = getattr(model, 'memory', None)
        if memory is not None or isinstance(model, BareStep):
            with torch.no_grad():
                samples = model.generator(batch_size=256)
                logits = model.teacher(samples, mode='tensor')
        while memory is not None and len(memory) < memory.capacity:
            memory.push(samples, logits)
        while isinstance(model, BareStep) and model.size < model.capacity:
            model._push(samples, logits, num=len(samples))
        for _ in range(2):  # compiled variants: the shapes with replay
            step(model, optim, data)

    times = {name: [] for name in built}
    for _ in range(args.rounds):
        for name, variant in built.items():
            start = time.perf_counter()
            for _ in range(args.iters):
                step(*variant)
            times[name].append((time.perf_counter() - start) / args.iters)

    batch = len(next(iter(built.values()))[2]['inputs'])
    medians = {name: statistics.median(v) for name, v in times.items()}
    base, dfad = medians.get(BARE), medians.get(DFAD_NAME)
    print(f'\nPer-iteration time, batch {batch}, {torch.get_num_threads()} '
          f'thread(s), median of {args.rounds} rounds x {args.iters} iters; '
          f'CPU: {cpu_name()}, native bfloat16: '
          f'{"yes" if cpu_has_native_bf16() else "no"}')
    width = max(40, *map(len, medians))
    print(f'{"variant":<{width}} {"s/iter":>8} {"vs bare fp32":>13} '
          f'{"vs DFAD":>8}')
    for name, median in medians.items():
        vs_base = f'{median / base:12.2f}x' if base else f'{"-":>13}'
        vs_dfad = f'{median / dfad:7.2f}x' if dfad else f'{"-":>8}'
        print(f'{name:<{width}} {median:8.3f} {vs_base} {vs_dfad}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(
                batch=batch, threads=torch.get_num_threads(),
                rounds=args.rounds, iters=args.iters, cpu=cpu_name(),
                native_bf16=cpu_has_native_bf16(),
                variants={
                    name: dict(
                        seconds_per_iter=median, rounds=times[name],
                        vs_bare=median / base if base else None,
                        vs_dfad=median / dfad if dfad else None)
                    for name, median in medians.items()
                }), f, indent=1)


if __name__ == '__main__':
    main()
