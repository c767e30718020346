# Copyright (c) mmdfkd contributors. All rights reserved.
"""Train a model from an OpenMMLab config (mmdfkd, MMRazor or mmpretrain)."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmdfkd  # noqa: F401  (applies mmdfkd.compat, registers components)
from mmdfkd.compat import end_distributed, prepare_cpu_distributed
from mmdfkd.datasets import check_data_files
from mmdfkd.engine import use_datafree_validation
from mmdfkd.utils import keep_freed_memory


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint; without a path, from the '
        'latest checkpoint in the work dir')
    parser.add_argument(
        '--amp', action='store_true', help='mixed precision training')
    parser.add_argument(
        '--auto-scale-lr', action='store_true', help='scale lr by batch size')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. model.student_iter=1')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank on torch 2.x and
    # --local_rank before; accept both.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def enable_amp(cfg: Config) -> None:
    from mmengine.device import get_device
    if get_device() == 'cpu':
        # mmengine's AmpOptimWrapper asserts a GPU/NPU/MLU/MUSA device
        raise SystemExit(
            'error: --amp needs a GPU (mmengine\'s AmpOptimWrapper runs '
            'float16 autocast with loss scaling on CUDA/NPU/MLU/MUSA '
            'devices only); this machine has none. Train without --amp.')
    optim_wrapper = cfg.optim_wrapper
    if 'constructor' in optim_wrapper and 'type' not in optim_wrapper:
        # SeparateOptimWrapperConstructor: one wrapper per sub-module
        wrappers = [v for v in optim_wrapper.values() if isinstance(v, dict)]
    else:
        wrappers = [optim_wrapper]
    for wrapper in wrappers:
        if wrapper.get('type', 'OptimWrapper') == 'OptimWrapper':
            wrapper['type'] = 'AmpOptimWrapper'
            wrapper.setdefault('loss_scale', 'dynamic')


def build_config(args) -> Config:
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        enable_amp(cfg)
    if args.auto_scale_lr:
        cfg.setdefault('auto_scale_lr', {})['enable'] = True
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.launcher != 'none':
        prepare_cpu_distributed(cfg)
    use_datafree_validation(cfg)
    return cfg


def main():
    args = parse_args()
    keep_freed_memory()  # see mmdfkd/utils/allocator.py
    cfg = build_config(args)
    loaders = ['train_dataloader']
    if cfg.get('val_cfg') is not None:
        loaders.append('val_dataloader')
    try:  # the test loader is built only by runner.test(), not here
        check_data_files(cfg, loaders)
    except FileNotFoundError as err:
        raise SystemExit(f'error: {err}')
    runner = Runner.from_cfg(cfg)
    runner.train()
    end_distributed()


if __name__ == '__main__':
    main()
