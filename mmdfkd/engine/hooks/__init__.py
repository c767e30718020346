# Copyright (c) mmdfkd contributors. All rights reserved.
from .replay_memory_hook import ReplayMemoryHook

__all__ = ['ReplayMemoryHook']
