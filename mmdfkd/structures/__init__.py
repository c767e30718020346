# Copyright (c) mmdfkd contributors. All rights reserved.
from .memory_policies import (
    BaseMemoryPolicy,
    ClassBalancedPolicy,
    FIFOPolicy,
    ReservoirPolicy,
)
from .replay_augments import BatchRandomCrop, BatchRandomFlip
from .replay_memory import ReplayMemory

__all__ = [
    'BaseMemoryPolicy', 'BatchRandomCrop', 'BatchRandomFlip',
    'ClassBalancedPolicy', 'FIFOPolicy', 'ReplayMemory',
    'ReservoirPolicy'
]
