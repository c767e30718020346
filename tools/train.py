# Copyright (c) mmdfkd contributors. All rights reserved.
"""Train a model from an OpenMMLab config (mmdfkd, MMRazor or mmpretrain)."""
from mmengine.runner import Runner

import mmdfkd  # noqa: F401  (applies mmdfkd.compat, registers components)
from mmdfkd.apis import build_train_config, parse_train_args
from mmdfkd.compat import end_distributed
from mmdfkd.engine import check_prerequisites, resolve_resume
from mmdfkd.utils import keep_freed_memory
from mmdfkd.utils.errors import RUN_ERRORS, user_errors


def main():
    args = parse_train_args()
    keep_freed_memory()  # see mmdfkd/utils/allocator.py
    with user_errors():
        cfg = build_train_config(args)
    loaders = ['train_dataloader']
    if cfg.get('val_cfg') is not None:
        loaders.append('val_dataloader')
    # the test loader is built only by runner.test(), not here
    with user_errors(cfg=cfg):
        check_prerequisites(cfg, loaders)
        resolve_resume(cfg)
        runner = Runner.from_cfg(cfg)
    with user_errors(RUN_ERRORS, cfg=cfg):
        runner.train()
    end_distributed()


if __name__ == '__main__':
    main()
