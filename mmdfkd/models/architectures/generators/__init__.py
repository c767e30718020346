# Copyright (c) mmdfkd contributors. All rights reserved.
from .dfkd_generator import DFKDGenerator

__all__ = ['DFKDGenerator']
