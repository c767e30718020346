# Copyright (c) mmdfkd contributors. All rights reserved.
from .datafree_distillation import DataFreeDistillation
from .fast_meta_distillation import FastMetaDistillation
from .replay_datafree_distillation import ReplayDataFreeDistillation

__all__ = [
    'DataFreeDistillation', 'FastMetaDistillation',
    'ReplayDataFreeDistillation'
]
