# Copyright (c) mmdfkd contributors. All rights reserved.
import os.path as osp
from typing import List

import numpy as np
from mmpretrain.datasets import BaseDataset
from scipy.io import loadmat

from mmdfkd.registry import DATASETS


@DATASETS.register_module()
class SVHN(BaseDataset):
    """`SVHN <http://ufldl.stanford.edu/housenumbers/>`_ (cropped digits),
    read from the standard ``{split}_32x32.mat`` files.

    mmpretrain has no SVHN dataset. The files hold ``X`` (32, 32, 3, N)
    uint8 RGB images and ``y`` (N, 1) labels where the digit 0 is labelled
    10; here it is labelled 0, as torchvision does.

    Args:
        data_root (str): Folder with ``train_32x32.mat`` / ``test_32x32.mat``
            / ``extra_32x32.mat``.
        split (str): ``'train'``, ``'test'`` or ``'extra'``. Defaults to
            ``'train'``.
        **kwargs: Other arguments of mmpretrain's ``BaseDataset``
            (``pipeline``, ``indices``, ...).
    """

    METAINFO = {'classes': tuple(str(d) for d in range(10))}
    SPLITS = ('train', 'test', 'extra')

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        if split not in self.SPLITS:
            raise ValueError(f'SVHN: split must be one of {self.SPLITS}, '
                             f'got {split!r}.')
        self.split = split
        super().__init__(
            ann_file='',
            data_root=data_root,
            test_mode=split == 'test',
            **kwargs)

    def load_data_list(self) -> List[dict]:
        path = osp.join(self.data_root, f'{self.split}_32x32.mat')
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'SVHN: {path} not found. Download {self.split}_32x32.mat '
                'from http://ufldl.stanford.edu/housenumbers/ into '
                f'{self.data_root}.')
        mat = loadmat(path)
        images = np.ascontiguousarray(mat['X'].transpose(3, 0, 1, 2))
        labels = mat['y'].reshape(-1).astype(np.int64) % 10
        return [
            dict(img=img, gt_label=int(label))
            for img, label in zip(images, labels)
        ]
