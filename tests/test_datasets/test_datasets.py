# Copyright (c) mmdfkd contributors. All rights reserved.
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from scipy.io import loadmat

from mmdfkd.datasets import SVHN, DataFreeDataset, check_data_files
from mmdfkd.testing import NUM_IMAGES


def test_svhn_reads_mat_files_and_maps_label_10_to_0(svhn_root):
    dataset = SVHN(svhn_root, split='test',
                   pipeline=[dict(type='mmpretrain.PackInputs')])
    assert len(dataset) == NUM_IMAGES
    raw = loadmat(f'{svhn_root}/test_32x32.mat')
    item = dataset[0]
    assert item['inputs'].shape == (3, 32, 32)
    assert torch.equal(item['inputs'],
                       torch.from_numpy(raw['X'][..., 0]).permute(2, 0, 1))
    labels = [
        dataset.get_data_info(i)['gt_label'] for i in range(len(dataset))
    ]
    assert labels == (raw['y'].reshape(-1).astype(np.int64) % 10).tolist()
    assert max(labels) <= 9


def test_svhn_missing_file_says_where_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match='train_32x32.mat'):
        SVHN(str(tmp_path), split='train')
    with pytest.raises(ValueError, match='split'):
        SVHN(str(tmp_path), split='val')


def test_data_free_dataset_gives_placeholder_batches():
    dataset = DataFreeDataset(length=10, in_channels=1)
    batch = pseudo_collate([dataset[i] for i in range(4)])
    assert len(batch['inputs']) == 4
    assert batch['inputs'][0].shape == (1, 1, 1)
    assert int(batch['data_samples'][0].gt_label) == 0


@pytest.mark.parametrize('name', ['fmnist', 'cifar10', 'cifar100', 'svhn'])
def test_validation_reads_the_test_split(name, data_roots):
    """The dataset bases validate on the test files, never the training
    ones (mmpretrain's FashionMNIST needs test_mode=True for that)."""
    import os.path as osp

    from mmengine.config import Config

    from mmdfkd.registry import DATASETS
    from mmdfkd.testing import REPO
    cfg = Config.fromfile(
        osp.join(REPO, f'configs/_base_/datasets/{name}.py'))
    dataset_cfg = cfg.val_dataloader.dataset
    dataset_cfg.data_root = data_roots[name]
    dataset = DATASETS.build(dataset_cfg)
    assert len(dataset) == NUM_IMAGES
    if name == 'fmnist':
        from mmpretrain.datasets.mnist import read_image_file
        test_images = read_image_file(
            osp.join(data_roots[name], 't10k-images-idx3-ubyte'))
        assert torch.equal(dataset[0]['inputs'][0], test_images[0])


def test_data_files_are_checked_only_for_the_loaders_a_run_builds(
        tmp_path, fmnist_root):
    from mmengine.config import Config

    def loader(root):
        return dict(dataset=dict(type='mmpretrain.FashionMNIST',
                                 data_root=root))

    missing = str(tmp_path / 'nowhere')
    cfg = Config(dict(train_dataloader=dict(dataset=dict(
        type='mmdfkd.DataFreeDataset')), val_dataloader=loader(fmnist_root),
        test_dataloader=loader(missing)))
    check_data_files(cfg, ['train_dataloader', 'val_dataloader'])
    with pytest.raises(FileNotFoundError, match='test_dataloader: the '
                       'FashionMNIST files are not under'):
        check_data_files(cfg)
    with pytest.raises(FileNotFoundError, match='--cfg-options '
                       'test_dataloader.dataset.data_root=DIR'):
        check_data_files(cfg, ['test_dataloader'])
    assert not osp.exists(missing)
