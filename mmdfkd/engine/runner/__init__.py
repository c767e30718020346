# Copyright (c) mmdfkd contributors. All rights reserved.
from .datafree_loops import (
    DataFreeTestLoop,
    DataFreeValLoop,
    use_datafree_validation,
)

__all__ = ['DataFreeTestLoop', 'DataFreeValLoop', 'use_datafree_validation']
