# Copyright (c) mmdfkd contributors. All rights reserved.
"""Does a checkpoint's replay memory replay what the teacher said?

The memory keeps the frozen teacher's logits beside each stored sample, so
replay needs no teacher forward; that is only right if the sample that comes
back out is one the teacher still answers the same way. For the memory in
CHECKPOINT this prints, for the samples as stored and as each uint8 encoding
would return them, how often the teacher's class on them equals that of
their stored logits and the KL divergence from the stored answer (and
how far the stored samples, and the held-out ones, are from the teacher's
BatchNorm statistics: ``datafree/bn_gap`` of each set), and what the
stored samples are to the teacher and the student: the teacher's classes
on them (the largest and the smallest class share), its mean top-1
probability, and how often the student gives the teacher's class:

- ``uint8, per-sample range``: what ``model.memory.dtype='uint8'`` does;
- ``uint8, data pixel range``: quantising to the data's 0..255 range (from
  the data preprocessor's mean and std), the encoding replaced on
  2026-11-30, which clips what the generator puts outside that range.

    python tools/analysis_tools/memory_fidelity.py \\
        work_dirs/benchmark/test/<run>/fmnist_resnet18w16_resnet18w8.py \\
        work_dirs/benchmark/test/<run>/iter_3200.pth [--out fidelity.json]

A run whose memory comes from ``mmdfkd.ReplayMemoryHook`` (MMRazor's DAFL
or DFAD with the hook in ``custom_hooks``) is read the same way: the hook
in the config builds the memory into the model before the checkpoint
loads. The checkpoint is loaded with ``weights_only=True`` (mmdfkd's safe
loader).
"""
import argparse
import json

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint

import mmdfkd  # noqa: F401  (registers the modules, safe checkpoint loading)
from mmdfkd.models.utils import bn_statistics_gap
from mmdfkd.registry import HOOKS, MODELS
from mmdfkd.structures import ReplayMemory


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='the run\'s config')
    parser.add_argument('checkpoint', help='a checkpoint of that run')
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--out', help='also write the figures as JSON')
    return parser.parse_args(argv)


@torch.no_grad()
def outputs(net, samples, batch_size):
    """``net``'s logits on ``samples``, ``batch_size`` at a time."""
    return torch.cat([
        net(batch, mode='tensor') for batch in samples.split(batch_size)
    ])


def agreement(now, logits):
    """Share of the samples on which the teacher's class now (its logits
    ``now``) is that of the stored ``logits`` (%), and the mean
    KL(stored || teacher now)."""
    same = (now.argmax(1) == logits.argmax(1)).float().mean().item()
    kl = F.kl_div(now.log_softmax(1), logits.log_softmax(1),
                  log_target=True, reduction='batchmean').item()
    return dict(agreement=100 * same, kl=kl)


def held(teacher_logits, student_logits):
    """What the stored samples are to the teacher and the student, from
    their logits on them: the teacher's share of each class, its largest
    and smallest (%), its mean top-1 probability (%), and the share on
    which the student gives the teacher's class (%)."""
    classes = teacher_logits.argmax(1)
    shares = 100 * torch.bincount(
        classes, minlength=teacher_logits.shape[1]).float() / len(classes)
    top1 = teacher_logits.float().softmax(1).max(1).values
    return dict(
        class_shares=[round(v, 2) for v in shares.tolist()],
        largest_class_share=shares.max().item(),
        smallest_class_share=shares.min().item(),
        teacher_confidence=100 * top1.mean().item(),
        student_agreement=100 * (student_logits.argmax(1) == classes)
        .float().mean().item())


def _teacher(model):
    """Ours' ``teacher``, or the one entry of MMRazor's ``teachers``."""
    teacher = getattr(model, 'teacher', None)
    if teacher is None:
        teacher, = model.teachers.values()
    return teacher


def memory_hook(cfg):
    """The config's ``ReplayMemoryHook`` (custom_hooks), built; or None."""
    for hook in cfg.get('custom_hooks') or []:
        if str(hook.get('type')).split('.')[-1] == 'ReplayMemoryHook':
            return HOOKS.build(hook)
    return None


def pixel_range(samples, mean, std):
    """The samples quantised to the data's 0..255 pixel range and back."""
    pixels = (samples * std + mean).round().clamp(0, 255)
    return (pixels - mean) / std


def per_sample_uint8(samples):
    """The samples through a uint8 ReplayMemory and back."""
    memory = ReplayMemory(len(samples), dtype='uint8', store_logits=False,
                          policy=dict(type='mmdfkd.FIFOPolicy'))
    memory.push(samples)
    return memory.contents()[0]


def fidelity(model, batch_size=256):
    memory = getattr(model, 'memory', None)
    if memory is None or not len(memory):
        raise SystemExit('The checkpoint holds no replay memory (a run with '
                         'model.memory=None, or one saved before the first '
                         'push): there is nothing to check.')
    samples, logits = memory.contents()
    if logits is None:
        raise SystemExit('This memory stores no teacher logits '
                         '(store_logits=False): replay re-runs the teacher, '
                         'so its answers cannot be stale.')
    teacher = _teacher(model).eval()
    now = outputs(teacher, samples, batch_size)
    rows = {f'as stored ({memory.dtype})': agreement(now, logits)}
    if samples.dim() >= 3:
        rows['uint8, per-sample range'] = agreement(
            outputs(teacher, per_sample_uint8(samples), batch_size), logits)
    report = dict(samples=len(samples), encodings=rows,
                  **held(now, outputs(model.architecture, samples,
                                      batch_size)))
    for name, store in (('memory', memory),
                        ('holdout', getattr(model, 'holdout', None))):
        if store is not None and len(store):
            stored = store.contents()[0]
            report[f'{name}_bn_gap'] = bn_statistics_gap(
                teacher, stored.split(batch_size))
    mean = getattr(model.data_preprocessor, 'mean', None)
    std = getattr(model.data_preprocessor, 'std', None)
    if mean is not None and std is not None and samples.dim() == 4:
        mean, std = mean.view(1, -1, 1, 1), std.view(1, -1, 1, 1)
        low, high = (0 - mean) / std, (255 - mean) / std
        report['below_pixel_0'] = 100 * (samples < low).float().mean().item()
        report['above_pixel_255'] = 100 * (samples >
                                            high).float().mean().item()
        rows['uint8, data pixel range (replaced)'] = agreement(
            outputs(teacher, pixel_range(samples, mean, std), batch_size),
            logits)
    return report


def main(argv=None):
    args = parse_args(argv)
    torch.set_grad_enabled(False)
    cfg = Config.fromfile(args.config)
    if cfg.get('data_preprocessor'):  # as the Runner passes it
        cfg.model.setdefault('data_preprocessor', cfg.data_preprocessor)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope')):
        model = MODELS.build(cfg.model)
        hook = memory_hook(cfg)
        if hook is not None:
            hook.attach(model)  # as before_run: the memory joins the model
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    report = fidelity(model.eval(), args.batch_size)
    print(f'{report["samples"]} stored samples of {args.checkpoint}')
    if 'below_pixel_0' in report:
        print(f'values outside the data pixel range: '
              f'{report["below_pixel_0"]:.1f} % below 0, '
              f'{report["above_pixel_255"]:.1f} % above 255')
    print(f'the teacher\'s classes on them: '
          f'{report["largest_class_share"]:.1f} % the largest share, '
          f'{report["smallest_class_share"]:.1f} % the smallest; its mean '
          f'top-1 probability {report["teacher_confidence"]:.1f} %; the '
          f'student gives its class on {report["student_agreement"]:.1f} %')
    for name in ('memory', 'holdout'):
        if report.get(f'{name}_bn_gap') is not None:
            print(f'BN-statistics gap of the {name} samples: '
                  f'{report[f"{name}_bn_gap"]:.4f}')
    print(f'{"replayed as":<36} {"same class %":>12} {"KL":>8}')
    for name, row in report['encodings'].items():
        print(f'{name:<36} {row["agreement"]:>12.2f} {row["kl"]:>8.4f}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=1)
    return report


if __name__ == '__main__':
    main()
