# Copyright (c) mmdfkd contributors. All rights reserved.
from .generators import DFKDGenerator, SingleProcessGeneratorWrapper

__all__ = ['DFKDGenerator', 'SingleProcessGeneratorWrapper']
