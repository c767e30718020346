# Copyright (c) mmdfkd contributors. All rights reserved.
from .amp_optim_wrapper import AmpOptimWrapper

__all__ = ['AmpOptimWrapper']
