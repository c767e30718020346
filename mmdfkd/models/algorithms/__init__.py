# Copyright (c) mmdfkd contributors. All rights reserved.
from .datafree_distillation import DataFreeDistillation
from .replay_datafree_distillation import ReplayDataFreeDistillation

__all__ = ['DataFreeDistillation', 'ReplayDataFreeDistillation']
