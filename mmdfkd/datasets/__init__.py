# Copyright (c) mmdfkd contributors. All rights reserved.
from .datafree_dataset import DataFreeDataset

__all__ = ['DataFreeDataset']
