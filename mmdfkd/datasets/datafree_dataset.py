# Copyright (c) mmdfkd contributors. All rights reserved.
import torch
from mmpretrain.structures import DataSample
from torch.utils.data import Dataset

from mmdfkd.registry import DATASETS


@DATASETS.register_module()
class DataFreeDataset(Dataset):
    """Training "data" for data-free distillation: placeholders that only
    give the dataloader its batch size.

    No image is read. Each item is ``dict(inputs=zeros(C, 1, 1) uint8,
    data_samples=DataSample(gt_label=0))``, the format mmpretrain's
    ``ClsDataPreprocessor`` takes, so MMRazor's data-free algorithms (which
    run the preprocessor and a classification loss on the batch they are
    given) accept it too. Every item is the same shared object, so a batch
    costs next to nothing. Use it with an ``InfiniteSampler`` and an
    iteration-based loop.

    Args:
        length (int): Nominal length of the dataset. Defaults to 1000000.
        in_channels (int): Channels of the placeholder input. The
            preprocessor's per-channel mean/std broadcast over a 1-channel
            placeholder, so the default fits every data set. Defaults to 1.
    """

    def __init__(self, length: int = 1_000_000, in_channels: int = 1) -> None:
        if length <= 0 or in_channels <= 0:
            raise ValueError('DataFreeDataset: length and in_channels must '
                             'be positive.')
        self.length = length
        self.metainfo = dict(data_free=True)
        self._item = dict(
            inputs=torch.zeros((in_channels, 1, 1), dtype=torch.uint8),
            data_samples=DataSample().set_gt_label(0))

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict:
        return self._item
