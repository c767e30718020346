# Copyright (c) mmdfkd contributors. All rights reserved.
"""What the tools do, as functions: build a training config from the
command line's choices, prepare a checkpoint for testing, export the
distilled student."""
from .export import export_student, student_config
from .test import (
    build_test_config,
    check_checkpoint_fits,
    fit_config_to,
    load_tested_weights,
    load_weights,
    parse_test_args,
)
from .train import build_train_config, parse_train_args

__all__ = [
    'build_test_config', 'build_train_config', 'check_checkpoint_fits',
    'export_student', 'fit_config_to', 'load_tested_weights', 'load_weights',
    'parse_test_args', 'parse_train_args', 'student_config'
]
