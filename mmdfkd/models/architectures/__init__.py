# Copyright (c) mmdfkd contributors. All rights reserved.
from .generators import DFKDGenerator

__all__ = ['DFKDGenerator']
