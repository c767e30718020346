# Copyright (c) mmdfkd contributors. All rights reserved.
from .memory_policies import (
    BaseMemoryPolicy,
    ClassBalancedPolicy,
    FIFOPolicy,
    ReservoirPolicy,
)
from .replay_memory import ReplayMemory

__all__ = [
    'BaseMemoryPolicy', 'ClassBalancedPolicy', 'FIFOPolicy', 'ReplayMemory',
    'ReservoirPolicy'
]
