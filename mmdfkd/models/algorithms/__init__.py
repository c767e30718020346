# Copyright (c) mmdfkd contributors. All rights reserved.
from .replay_datafree_distillation import ReplayDataFreeDistillation

__all__ = ['ReplayDataFreeDistillation']
