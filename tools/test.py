# Copyright (c) mmdfkd contributors. All rights reserved.
"""Evaluate a checkpoint on the test split of a config."""
import argparse

from mmengine.runner import Runner, load_state_dict

import mmdfkd  # noqa: F401  (applies mmdfkd.compat, registers components)
from mmdfkd.apis.train import load_run_config, parse_with_launch_args
from mmdfkd.compat import end_distributed, prepare_cpu_distributed
from mmdfkd.engine import check_prerequisites, use_datafree_validation
from mmdfkd.models.utils import (
    checkpoint_mismatch,
    strip_module_prefix,
    unwrap_model,
)
from mmdfkd.utils import keep_freed_memory
from mmdfkd.utils.errors import RUN_ERRORS, ConfigError, user_errors


def parse_args():
    parser = argparse.ArgumentParser(description='Test a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs')
    parser.add_argument(
        '--out', help='dump the metrics to this .json/.pkl file')
    return parse_with_launch_args(parser)


def load_weights(checkpoint: str) -> dict:
    """The checkpoint's state dict, read once (with mmdfkd's safe
    loading), without the replay memory: testing the student needs
    none."""
    from mmengine.runner import CheckpointLoader
    state = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
    state = state.get('state_dict', state) if isinstance(state, dict) else {}
    return {k: v for k, v in strip_module_prefix(state).items()
            if not k.startswith('memory.')}


def fit_config_to(cfg, state: dict) -> None:
    """Testing needs no replay memory, and takes the hold-out (the
    data-free health signal) as the checkpoint holds it, whatever the
    config's sizes."""
    model = cfg.get('model') or {}
    if model.get('memory') is not None:
        model.memory = None
    saved = state.get('holdout.counters')
    if model.get('holdout') is not None and saved is not None:
        model.holdout.capacity = int(saved[0])


def check_checkpoint_fits(model, state: dict, checkpoint: str,
                          config: str) -> None:
    """mmengine loads a test checkpoint non-strictly: a file that fills
    none or only part of the model would be scored as a randomly
    initialised model. Stop instead, naming the file and the keys."""
    model = unwrap_model(model)
    # what the forward depends on: saved parameters and buffers
    weights = {name for name, _ in model.named_parameters()}
    weights.update(name for name, _ in model.named_buffers())
    needed = {k: v for k, v in model.state_dict().items() if k in weights}
    problems = checkpoint_mismatch(needed, state, unexpected_too=False)
    if problems:
        raise ConfigError(
            f'{checkpoint} does not fit the model of {config}: '
            f'{"; ".join(problems)}. It was saved by another model (e.g. '
            'the teacher checkpoint given for a distillation config): pass '
            'the checkpoint that this config\'s training wrote (work_dirs/'
            '<config>/iter_*.pth), or the config that wrote this one.')


def main():
    args = parse_args()
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
