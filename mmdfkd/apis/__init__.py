# Copyright (c) mmdfkd contributors. All rights reserved.
"""What the tools do, as functions: build a training config from the
command line's choices, export the distilled student."""
from .export import export_student, student_config
from .train import build_train_config, parse_train_args

__all__ = [
    'build_train_config', 'export_student', 'parse_train_args',
    'student_config'
]
