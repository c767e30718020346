# Copyright (c) mmdfkd contributors. All rights reserved.
from .bn_stats import bn_statistics_gap
from .checkpoint import (
    checkpoint_mismatch,
    load_teacher_checkpoint,
    missing_teacher,
)
from .misc import (
    backup_buffers,
    module_device,
    no_param_grads,
    restore_buffers,
    strip_module_prefix,
    unwrap_model,
)

__all__ = [
    'backup_buffers', 'bn_statistics_gap', 'checkpoint_mismatch',
    'load_teacher_checkpoint',
    'missing_teacher', 'module_device', 'no_param_grads', 'restore_buffers',
    'strip_module_prefix', 'unwrap_model'
]
