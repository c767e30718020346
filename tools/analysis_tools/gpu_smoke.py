# Copyright (c) mmdfkd contributors. All rights reserved.
"""GPU smoke run of a full-size config where no CIFAR data is reachable:
a random-weight teacher, tiny CIFAR-format fixture files, ``--iters``
iterations on CUDA with ``--amp`` (float16 there), then a resume for
``--resume-iters`` more. Prints s/iter and peak GPU memory of each part.
Throughput and the AMP/resume paths only: the accuracy means nothing. The
test suite never needs it.

    python tools/analysis_tools/gpu_smoke.py
    python tools/analysis_tools/gpu_smoke.py \
        configs/fast_dfkd/fast-dfkd_logits_resnet34_resnet18_cifar100.py
    python tools/analysis_tools/gpu_smoke.py --cpu --iters 2 --batch-size 8
"""
import argparse
import os.path as osp
import time

import torch
from mmengine.runner import Runner

import mmdfkd  # noqa: F401  (applies mmdfkd.compat, registers components)
from mmdfkd.apis import build_train_config, parse_train_args
from mmdfkd.registry import MODELS
from mmdfkd.testing import save_state_dict, write_cifar


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', nargs='?',
                        default='configs/dfkd/cifar100_resnet34_resnet18.py')
    parser.add_argument('--iters', type=int, default=200)
    parser.add_argument('--resume-iters', type=int, default=20)
    parser.add_argument('--work-dir', default='work_dirs/gpu_smoke')
    parser.add_argument('--no-amp', action='store_true')
    parser.add_argument('--batch-size', type=int, default=None,
                        help='default: the config\'s')
    parser.add_argument('--cpu', action='store_true',
                        help='a dry run of this script on the CPU (no AMP)')
    return parser.parse_args()


def fixture_cifar(root: str, num_classes: int) -> None:
    """Tiny CIFAR pickles; mmpretrain's md5 check of the official files is
    switched off for this process (the reading code is unchanged)."""
    from mmpretrain.datasets import CIFAR10, CIFAR100
    write_cifar(root, num_classes, num=512)
    for cls in (CIFAR10, CIFAR100):
        for attr in ('train_list', 'test_list'):
            setattr(cls, attr,
                    [[name, None] for name, _ in getattr(cls, attr)])


def run(cfg, max_iters: int, resume: bool):
    cfg.train_cfg.max_iters = max_iters
    cfg.resume = resume
    cuda = torch.cuda.is_available()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    runner = Runner.from_cfg(cfg)
    start = time.perf_counter()
    runner.train()
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    times = runner.message_hub.get_scalar('train/time').data[0]
    peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else 0.0
    return dict(iters=runner.iter, seconds=seconds,
                s_per_iter=float(times[len(times) // 4:].mean()),
                peak_gb=peak)


def main():
    args = parse_args()
    if not torch.cuda.is_available() and not args.cpu:
        raise SystemExit('error: no CUDA device here; this smoke run needs '
                         'a GPU (--cpu: a dry run of the script).')
    amp = not (args.no_amp or args.cpu)
    argv = [args.config, '--work-dir', args.work_dir]
    cfg = build_train_config(parse_train_args(argv + (['--amp'] if amp
                                                      else [])))
    if args.batch_size:
        cfg.train_dataloader.batch_size = args.batch_size
    num_classes = cfg.data_preprocessor.get('num_classes', 10)
    data = osp.join(args.work_dir, 'data')
    fixture_cifar(data, num_classes)
    teacher_cfg = cfg.model.teachers.teacher
    torch.manual_seed(0)
    teacher_cfg.ckpt_path = save_state_dict(
        MODELS.build(teacher_cfg.build_cfg),
        osp.join(args.work_dir, 'random_teacher.pth'))
    for loader in ('val_dataloader', 'test_dataloader'):
        if cfg.get(loader):
            cfg[loader].dataset.data_root = data
    cfg.train_cfg.val_interval = args.iters
    cfg.default_hooks.checkpoint.interval = args.iters
    cfg.default_hooks.logger.interval = max(1, args.iters // 10)
    first = run(cfg, args.iters, resume=False)
    second = run(cfg, args.iters + args.resume_iters, resume=True)
    device = torch.cuda.get_device_name() if torch.cuda.is_available() \
        else 'the CPU'
    print(f'{args.config} on {device}, '
          f'{"AMP (float16)" if amp else "float32"}, batch '
          f'{cfg.train_dataloader.batch_size}:')
    print(f'  {first["iters"]} iterations: {first["s_per_iter"]:.3f} s/iter '
          f'(after the first quarter), {first["seconds"]:.0f} s, peak '
          f'{first["peak_gb"]:.2f} GB')
    print(f'  resumed to {second["iters"]}: {second["s_per_iter"]:.3f} '
          f's/iter, peak {second["peak_gb"]:.2f} GB')


if __name__ == '__main__':
    main()
