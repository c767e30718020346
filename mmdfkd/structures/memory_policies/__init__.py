# Copyright (c) mmdfkd contributors. All rights reserved.
from .base_policy import BaseMemoryPolicy
from .class_balanced_policy import ClassBalancedPolicy
from .fifo_policy import FIFOPolicy
from .reservoir_policy import ReservoirPolicy

__all__ = [
    'BaseMemoryPolicy', 'ClassBalancedPolicy', 'FIFOPolicy', 'ReservoirPolicy'
]
