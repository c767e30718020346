# Copyright (c) mmdfkd contributors. All rights reserved.
"""DFAD and ZSKT as bare PyTorch loops written from their papers, on the
benchmark's teacher, student, generator, batch, optimizers, schedule and
number of student updates: the reference that says whether a baseline that
does not learn under MMRazor's port fails because of the algorithm or
because of the port / our harness.

No mmengine runner, optimizer wrapper, recorder or distiller: the modules are
built from the baseline's config (so they are the very same networks, and
the teacher is the benchmark's checkpoint) and then driven by plain
``torch.optim`` optimizers and ``CosineAnnealingLR``.

- DFAD (Fang et al., 2019, Algorithm 1): per iteration, 5 student steps,
  each ``zero_grad``; ``x = G(z).detach()``; ``L1(S(x), T(x))``; then one
  generator step on ``-L1(S(G(z)), T(G(z)))``.
- ZSKT (Micaelli & Storkey, 2019): per iteration, one generator step on
  ``-KL(T(x) || S(x))``, then 10 student steps on ``KL(T || S) + 250 *
  sum_l AT(S_l, T_l)``, AT over the output of each of the 4 ResNet
  stages (the squared-channel-mean attention map, L2-normalised, mean
  squared difference).

    python tools/analysis_tools/bare_baselines.py dfad --updates 8000
    python tools/analysis_tools/bare_baselines.py zskt --updates 8000

Accuracy is measured on the validation split of ``tools/benchmark.py``
(the last 5,000 Fashion-MNIST training images), ``--evals`` times per run.
The result (curve, final, peak, seconds) goes to
``benchmarks/fmnist/bare/<method>_seed<k>.json``.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

import mmdfkd  # noqa: F401
from mmdfkd.registry import MODELS
from mmdfkd.utils import keep_freed_memory

# the benchmark harness lives in tools/fmnist_benchmark, beside the tools
sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))
from fmnist_benchmark.methods import (  # noqa: E402
    BASELINES,
    TEACHER_CKPT,
    VAL_SPLIT,
)

STUDENT_STEPS = dict(dfad=5, zskt=10)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('method', choices=list(STUDENT_STEPS))
    parser.add_argument('--updates', type=int, default=8000,
                        help='student updates (the benchmark\'s --updates)')
    parser.add_argument('--evals', type=int, default=20)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--teacher-ckpt', default=TEACHER_CKPT)
    parser.add_argument('--data-root', default='data/fashion_mnist')
    parser.add_argument('--out-dir', default='benchmarks/fmnist/bare')
    return parser.parse_args()


def build(args):
    cfg = Config.fromfile(BASELINES.format(args.method))
    cfg.model.teachers.teacher.ckpt_path = args.teacher_ckpt
    # the normalisation of real images, as the runner sets it
    cfg.model.setdefault('data_preprocessor', cfg.data_preprocessor)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        algorithm = MODELS.build(cfg.model)
    cfg.merge_from_dict(VAL_SPLIT)  # the benchmark's validation split
    loader = cfg.val_dataloader
    loader.dataset.data_root = args.data_root
    loader.update(batch_size=500, num_workers=0)
    return cfg, algorithm, Runner.build_dataloader(loader)


@torch.no_grad()
def evaluate(student, preprocessor, loader):
    student.eval()
    correct = total = 0
    for batch in loader:
        data = preprocessor(batch, False)
        pred = student(data['inputs'], mode='tensor').argmax(1)
        labels = torch.cat([s.gt_label for s in data['data_samples']])
        correct += (pred == labels).sum().item()
        total += len(labels)
    student.train()
    return 100.0 * correct / total


def stage_outputs(model):
    """Record the output of each ResNet stage (its last block's ReLU)."""
    feats = []
    for i in range(1, 5):
        getattr(model.backbone, f'layer{i}').register_forward_hook(
            lambda m, args, out: feats.append(out))
    return feats


def attention(x):
    return F.normalize(x.pow(2).mean(1).flatten(1))


def kl(s_logits, t_logits):
    return F.kl_div(F.log_softmax(s_logits, 1), F.softmax(t_logits, 1),
                    reduction='batchmean')


def main():
    args = parse_args()
    keep_freed_memory()
    torch.manual_seed(args.seed)
    cfg, algorithm, val_loader = build(args)
    teacher, student = algorithm.teachers['teacher'], algorithm.student
    generator = algorithm.generator.module
    preprocessor = algorithm.data_preprocessor
    teacher.eval()
    student.train()
    generator.train()
    k = STUDENT_STEPS[args.method]
    iters = max(1, args.updates // k)
    batch = cfg.train_dataloader.batch_size
    s_opt = cfg.optim_wrapper.architecture.optimizer
    opt_s = torch.optim.SGD(student.parameters(), lr=s_opt.lr,
                            momentum=s_opt.momentum,
                            weight_decay=s_opt.weight_decay)
    g_opt = cfg.optim_wrapper.generator.optimizer
    opt_g = getattr(torch.optim, g_opt.type)(generator.parameters(),
                                             lr=g_opt.lr)
    scheds = [torch.optim.lr_scheduler.CosineAnnealingLR(o, iters)
              for o in (opt_s, opt_g)]
    t_feats, s_feats = stage_outputs(teacher), stage_outputs(student)

    def latent():
        return torch.randn(batch, generator.latent_dim)

    def student_step():
        with torch.no_grad():
            x = generator(latent())
            t_feats.clear()
            t = teacher(x, mode='tensor')
        s_feats.clear()
        s = student(x, mode='tensor')
        if args.method == 'dfad':
            loss = F.l1_loss(s, t)
        else:
            loss = kl(s, t) + 250 * sum(
                (attention(a) - attention(b)).pow(2).mean()
                for a, b in zip(s_feats, t_feats))
        opt_s.zero_grad()
        loss.backward()
        opt_s.step()
        return loss.item()

    def generator_step():
        for p in student.parameters():
            p.requires_grad_(False)
        x = generator(latent())
        t, s = teacher(x, mode='tensor'), student(x, mode='tensor')
        for p in student.parameters():
            p.requires_grad_(True)
        loss = -F.l1_loss(s, t) if args.method == 'dfad' else -kl(s, t)
        opt_g.zero_grad()
        loss.backward()
        opt_g.step()
        return loss.item()

    interval = max(1, iters // args.evals)
    curve, eval_seconds, start = [], 0.0, time.perf_counter()
    for it in range(1, iters + 1):
        if args.method == 'dfad':  # DFAD: student first
            loss_s = [student_step() for _ in range(k)][-1]
            loss_g = generator_step()
        else:  # ZSKT: generator first
            loss_g = generator_step()
            loss_s = [student_step() for _ in range(k)][-1]
        for sched in scheds:
            sched.step()
        if it % interval == 0 or it == iters:
            tic = time.perf_counter()
            acc = evaluate(student, preprocessor, val_loader)
            eval_seconds += time.perf_counter() - tic
            curve.append([it * k, acc])
            print(f'iter {it}/{iters} ({it * k} student updates): student '
                  f'loss {loss_s:.4f}  generator loss {loss_g:.4f}  val '
                  f'top-1 {acc:.2f}%', flush=True)
    seconds = time.perf_counter() - start - eval_seconds  # training only
    accs = [a for _, a in curve]
    result = dict(
        method=f'bare {args.method.upper()}', seed=args.seed, iters=iters,
        student_steps=k, batch=batch, curve=curve, final=accs[-1],
        peak=max(accs), mean=sum(accs) / len(accs), seconds=seconds,
        time_per_iter=seconds / iters, split='val',
        teacher=osp.basename(args.teacher_ckpt),
        command='python ' + ' '.join(sys.argv))
    os.makedirs(args.out_dir, exist_ok=True)
    path = osp.join(args.out_dir, f'{args.method}_seed{args.seed}.json')
    with open(path, 'w') as f:
        json.dump(result, f, indent=1)
    print(f'final {result["final"]:.2f}  peak {result["peak"]:.2f}  '
          f'{result["time_per_iter"]:.3f} s/iter -> {path}', flush=True)


if __name__ == '__main__':
    main()
