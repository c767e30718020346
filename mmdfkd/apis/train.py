# Copyright (c) mmdfkd contributors. All rights reserved.
"""The command line of ``tools/train.py`` and the config it makes."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction

from mmdfkd.compat import prepare_cpu_distributed
from mmdfkd.engine import use_datafree_validation, use_fast_path


def parse_train_args(argv=None) -> argparse.Namespace:
    """``tools/train.py``'s command line; sets ``LOCAL_RANK`` from
    ``--local-rank`` / ``--local_rank`` when the launcher did not."""
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
        '--amp',
        action='store_true',
        help='mixed precision: float16 on a GPU, bfloat16 on a CPU that '
        'supports it (float32 on one that does not)')
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='run student, teacher and generator in channels_last '
        '(mmdfkd.FastPathHook)')
    parser.add_argument(
        '--compile',
        action='store_true',
        help='torch.compile student, teacher and generator, each on its '
        'own (mmdfkd.FastPathHook)')
    parser.add_argument(
        '--auto-scale-lr', action='store_true', help='scale lr by batch size')
    return parse_with_launch_args(parser, argv)


def parse_with_launch_args(parser: argparse.ArgumentParser,
                           argv=None) -> argparse.Namespace:
    """Add what ``tools/train.py`` and ``tools/test.py`` share
    (``--cfg-options``, ``--launcher``, ``--local-rank``), parse, and set
    ``LOCAL_RANK`` when the launcher did not."""
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
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def load_run_config(args) -> Config:
    """``args.config`` with ``--cfg-options``, the launcher and the work
    dir (``--work-dir``, else the config's, else ``work_dirs/<name>``)."""
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def build_train_config(args) -> Config:
    """The config a training run of ``args`` uses: overrides, work dir,
    speed options, resume, CPU distributed set-up and data-free
    validation."""
    cfg = load_run_config(args)
    use_fast_path(
        cfg,
        amp=True if args.amp else None,
        channels_last=True if args.channels_last else None,
        compile=True if args.compile else None)
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
