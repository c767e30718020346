# Copyright (c) mmdfkd contributors. All rights reserved.
from .datafree_dataset import DataFreeDataset
from .svhn import SVHN

__all__ = ['DataFreeDataset', 'SVHN']
