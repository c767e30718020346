# Copyright (c) mmdfkd contributors. All rights reserved.
"""Evaluate a checkpoint on the test split of a config."""
from mmengine.runner import Runner, load_state_dict

import mmdfkd  # noqa: F401  (applies mmdfkd.compat, registers components)
from mmdfkd.apis import (
    check_checkpoint_fits,
    fit_config_to,
    load_weights,
    parse_test_args,
)
from mmdfkd.apis.train import load_run_config
from mmdfkd.compat import end_distributed, prepare_cpu_distributed
from mmdfkd.engine import check_prerequisites, use_datafree_validation
from mmdfkd.utils import keep_freed_memory
from mmdfkd.utils.errors import RUN_ERRORS, user_errors


def main():
    args = parse_test_args()
    keep_freed_memory()  # see mmdfkd/utils/allocator.py
    with user_errors():
        cfg = load_run_config(args)
        state = load_weights(args.checkpoint)
    fit_config_to(cfg, state)
    # loaded here, once, rather than again by the runner
    cfg.load_from = None
    # test_dataloader=None: the data-free health signal is the test
    use_datafree_validation(cfg)
    if args.launcher != 'none':
        prepare_cpu_distributed(cfg)
    with user_errors(cfg=cfg):
        check_prerequisites(cfg, ['test_dataloader'])
        runner = Runner.from_cfg(cfg)
        check_checkpoint_fits(runner.model, state, args.checkpoint,
                              args.config)
        load_state_dict(runner.model, state, strict=False)
    with user_errors(RUN_ERRORS, cfg=cfg):
        metrics = runner.test()
    end_distributed()
    if args.out:
        from mmengine.fileio import dump
        dump(metrics, args.out)


if __name__ == '__main__':
    main()
