# Copyright (c) mmdfkd contributors. All rights reserved.
"""The Fashion-MNIST benchmark behind ``tools/benchmark.py`` and the demo:
its methods and teacher (:mod:`.methods`), the experiments each run is
(:mod:`.experiments`), the runner that schedules and resumes them
(:mod:`.runner`) and the figures and verdicts of its report
(:mod:`.report`)."""
from .experiments import (
    config_sha256,
    distil,
    evaluate,
    find_hook,
    load_config,
    real_bn_gap,
    set_data_root,
    train_teacher,
    weights_sha256,
)
from .methods import DEFAULT_METHODS, METHODS, TEACHER_CKPT
from .runner import run_benchmark

__all__ = [
    'DEFAULT_METHODS', 'METHODS', 'TEACHER_CKPT', 'config_sha256', 'distil',
    'evaluate', 'find_hook', 'load_config', 'real_bn_gap', 'run_benchmark',
    'set_data_root', 'train_teacher', 'weights_sha256'
]
