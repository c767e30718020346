# Copyright (c) mmdfkd contributors. All rights reserved.
from .allocator import keep_freed_memory

__all__ = ['keep_freed_memory']
