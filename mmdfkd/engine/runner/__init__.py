# Copyright (c) mmdfkd contributors. All rights reserved.
from .datafree_loops import (
    DataFreeTestLoop,
    DataFreeValLoop,
    use_datafree_validation,
)
from .preflight import check_prerequisites, resolve_resume

__all__ = [
    'DataFreeTestLoop', 'DataFreeValLoop', 'check_prerequisites',
    'resolve_resume', 'use_datafree_validation'
]
