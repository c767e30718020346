# Copyright (c) mmdfkd contributors. All rights reserved.
from .replay_memory import ReplayMemory

__all__ = ['ReplayMemory']
