# Copyright (c) mmdfkd contributors. All rights reserved.
from .memory_policies import BaseMemoryPolicy, FIFOPolicy, ReservoirPolicy
from .replay_memory import ReplayMemory

__all__ = ['BaseMemoryPolicy', 'FIFOPolicy', 'ReplayMemory', 'ReservoirPolicy']
