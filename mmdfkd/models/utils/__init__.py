# Copyright (c) mmdfkd contributors. All rights reserved.
from .bn_stats import bn_statistics_gap
from .checkpoint import (
    checkpoint_mismatch,
    load_teacher_checkpoint,
    missing_teacher,
)
from .holdout_metrics import holdout_metrics
from .misc import (
    backup_buffers,
    module_device,
    no_param_grads,
    restore_buffers,
    strip_module_prefix,
    unwrap_model,
)
from .nonfinite_guard import NonFiniteGuard
from .random_stream import RandomStream, pack_extra_state, unpack_extra_state

__all__ = [
    'NonFiniteGuard', 'RandomStream', 'backup_buffers', 'bn_statistics_gap',
    'checkpoint_mismatch', 'holdout_metrics', 'load_teacher_checkpoint',
    'missing_teacher', 'module_device', 'no_param_grads', 'pack_extra_state',
    'restore_buffers', 'strip_module_prefix', 'unpack_extra_state',
    'unwrap_model'
]
