# Copyright (c) mmdfkd contributors. All rights reserved.
from .allocator import keep_freed_memory
from .runs import (
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

__all__ = [
    'config_sha256', 'distil', 'evaluate', 'find_hook', 'keep_freed_memory',
    'load_config', 'real_bn_gap', 'set_data_root', 'train_teacher',
    'weights_sha256'
]
