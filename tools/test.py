# Copyright (c) mmdfkd contributors. All rights reserved.
"""Evaluate a checkpoint on the test split of a config."""
from mmengine.fileio import dump
from mmengine.runner import Runner

import mmdfkd  # noqa: F401  (applies mmdfkd.compat, registers components)
from mmdfkd.apis import (
    build_test_config,
    load_tested_weights,
    load_weights,
    parse_test_args,
)
from mmdfkd.compat import end_distributed
from mmdfkd.engine import check_prerequisites
from mmdfkd.utils import keep_freed_memory
from mmdfkd.utils.errors import RUN_ERRORS, user_errors


def main():
    args = parse_test_args()
    keep_freed_memory()  # see mmdfkd/utils/allocator.py
    with user_errors():
        state = load_weights(args.checkpoint)
        cfg = build_test_config(args, state)
    with user_errors(cfg=cfg):
        check_prerequisites(cfg, ['test_dataloader'])
        runner = Runner.from_cfg(cfg)
        load_tested_weights(runner, state, args)
    with user_errors(RUN_ERRORS, cfg=cfg):
        metrics = runner.test()
    end_distributed()
    if args.out:
        dump(metrics, args.out)


if __name__ == '__main__':
    main()
