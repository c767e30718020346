# Copyright (c) mmdfkd contributors. All rights reserved.
from .bn_stats import bn_statistics_gap
from .checkpoint import (
    checkpoint_mismatch,
    load_teacher_checkpoint,
    missing_teacher,
)
from .misc import no_param_grads, unwrap_model

__all__ = [
    'bn_statistics_gap', 'checkpoint_mismatch', 'load_teacher_checkpoint',
    'missing_teacher', 'no_param_grads', 'unwrap_model'
]
