# Copyright (c) mmdfkd contributors. All rights reserved.
"""The command line of ``tools/test.py`` and what it does to a checkpoint
before testing it, as ``mmdfkd.apis.train`` is for ``tools/train.py``."""
import argparse

from mmdfkd.models.utils import (
    checkpoint_mismatch,
    strip_module_prefix,
    unwrap_model,
)
from mmdfkd.utils.errors import ConfigError

from .train import load_run_config, parse_with_launch_args


def parse_test_args(argv=None) -> argparse.Namespace:
    """``tools/test.py``'s command line."""
    parser = argparse.ArgumentParser(description='Test a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs')
    parser.add_argument(
        '--out', help='dump the metrics to this .json/.pkl file')
    return parse_with_launch_args(parser, argv)


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


def build_test_config(args, state: dict):
    """The config ``tools/test.py`` runs, as :func:`build_train_config` is
    ``tools/train.py``'s: the command line's config and options, fitted to
    the checkpoint's ``state`` (read once, by :func:`load_weights`; the
    runner loads nothing again), and the data-free health signal as the
    test where ``test_dataloader`` is None."""
    from mmdfkd.compat import prepare_cpu_distributed
    from mmdfkd.engine import use_datafree_validation
    cfg = load_run_config(args)
    fit_config_to(cfg, state)
    cfg.load_from = None
    use_datafree_validation(cfg)
    if args.launcher != 'none':
        prepare_cpu_distributed(cfg)
    return cfg


def load_tested_weights(runner, state: dict, args) -> None:
    """Load ``state`` into the runner's model, once it is checked to fit
    (:func:`check_checkpoint_fits`)."""
    from mmengine.runner import load_state_dict
    check_checkpoint_fits(runner.model, state, args.checkpoint, args.config)
    load_state_dict(runner.model, state, strict=False)


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
