# Copyright (c) mmdfkd contributors. All rights reserved.
from .datafree_val_loop import DataFreeValLoop, use_datafree_validation

__all__ = ['DataFreeValLoop', 'use_datafree_validation']
