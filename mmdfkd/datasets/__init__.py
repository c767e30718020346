# Copyright (c) mmdfkd contributors. All rights reserved.
from .data_files import check_data_files, missing_data_files
from .datafree_dataset import DataFreeDataset
from .svhn import SVHN

__all__ = ['DataFreeDataset', 'SVHN', 'check_data_files',
    'missing_data_files'
]
