# Copyright (c) mmdfkd contributors. All rights reserved.
from .dfkd_generator import DFKDGenerator
from .single_process_wrapper import SingleProcessGeneratorWrapper

__all__ = ['DFKDGenerator', 'SingleProcessGeneratorWrapper']
