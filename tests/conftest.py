# Copyright (c) mmdfkd contributors. All rights reserved.
"""Shared fixtures: tiny models and tiny data sets in their real on-disk
formats (Fashion-MNIST idx, CIFAR pickles, SVHN .mat)."""
import os
import os.path as osp
import pickle
import struct
import sys

import numpy as np
import pytest
import torch
from scipy.io import savemat

import mmdfkd  # noqa: F401  (applies mmdfkd.compat)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(REPO, 'tools'))
torch.set_num_threads(2)

NUM_IMAGES = 24


def tiny_classifier(in_channels=1, num_classes=10, width=4, depth=18):
    """An mmpretrain ResNet_CIFAR classifier config, ``width`` base
    channels."""
    return dict(
        _scope_='mmpretrain',
        type='ImageClassifier',
        backbone=dict(
            type='ResNet_CIFAR',
            depth=depth,
            in_channels=in_channels,
            stem_channels=width,
            base_channels=width,
            out_indices=(3, )),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead',
            num_classes=num_classes,
            in_channels=width * 8,
            loss=dict(type='CrossEntropyLoss')))


def tiny_algorithm(in_channels=1, num_classes=10, img_size=8, **kwargs):
    """A ReplayDataFreeDistillation config with tiny models."""
    cfg = dict(
        type='mmdfkd.ReplayDataFreeDistillation',
        architecture=tiny_classifier(in_channels, num_classes, width=4),
        teachers=dict(
            t=dict(
                build_cfg=tiny_classifier(in_channels, num_classes, width=8),
                ckpt_path=None)),
        generator=dict(
            type='mmdfkd.DFKDGenerator',
            img_size=img_size,
            out_channels=in_channels,
            latent_dim=8,
            hidden_channels=4),
        student_iter=2)
    cfg.update(kwargs)
    return cfg


def save_state_dict(model, path):
    os.makedirs(osp.dirname(path), exist_ok=True)
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


def _write_idx(path, array):
    code = {1: 2049, 3: 2051}[array.ndim]
    with open(path, 'wb') as f:
        f.write(struct.pack('>I', code))
        f.write(struct.pack(f'>{array.ndim}I', *array.shape))
        f.write(array.astype(np.uint8).tobytes())


@pytest.fixture(scope='session')
def fmnist_root(tmp_path_factory):
    """Fashion-MNIST idx files (uncompressed, as mmpretrain reads them)."""
    root = str(tmp_path_factory.mktemp('fashion_mnist'))
    rng = np.random.default_rng(0)
    # more training than test images, so that a test can tell them apart
    for prefix, num in (('train', NUM_IMAGES + 8), ('t10k', NUM_IMAGES)):
        _write_idx(
            osp.join(root, f'{prefix}-images-idx3-ubyte'),
            rng.integers(0, 256, (num, 28, 28)))
        _write_idx(
            osp.join(root, f'{prefix}-labels-idx1-ubyte'),
            rng.integers(0, 10, num))
    return root


def _cifar_files(root, folder, batches, label_key, num_classes, meta):
    rng = np.random.default_rng(1)
    os.makedirs(osp.join(root, folder), exist_ok=True)
    for name in batches:
        entry = {
            'data': rng.integers(0, 256, (NUM_IMAGES, 3072), dtype=np.uint8),
            label_key: rng.integers(0, num_classes, NUM_IMAGES).tolist(),
        }
        with open(osp.join(root, folder, name), 'wb') as f:
            pickle.dump(entry, f)
    with open(osp.join(root, folder, meta[0]), 'wb') as f:
        pickle.dump({meta[1]: [str(i) for i in range(num_classes)]}, f)


@pytest.fixture(scope='session')
def cifar_roots(tmp_path_factory):
    """CIFAR-10 and CIFAR-100 python pickles. mmpretrain checks the md5 of
    the official files; the tiny fixture files cannot match it, so the
    check is switched off for the session (the reading code is unchanged)."""
    from mmpretrain.datasets import CIFAR10, CIFAR100
    c10 = str(tmp_path_factory.mktemp('cifar10'))
    _cifar_files(c10, 'cifar-10-batches-py',
                 [f'data_batch_{i}' for i in range(1, 6)] + ['test_batch'],
                 'labels', 10, ('batches.meta', 'label_names'))
    c100 = str(tmp_path_factory.mktemp('cifar100'))
    _cifar_files(c100, 'cifar-100-python', ['train', 'test'], 'fine_labels',
                 100, ('meta', 'fine_label_names'))
    patch = pytest.MonkeyPatch()
    for cls in (CIFAR10, CIFAR100):
        for attr in ('train_list', 'test_list'):
            patch.setattr(cls, attr,
                          [[name, None] for name, _ in getattr(cls, attr)])
    yield dict(cifar10=c10, cifar100=c100)
    patch.undo()


@pytest.fixture(scope='session')
def svhn_root(tmp_path_factory):
    """SVHN test_32x32.mat with digit 0 labelled 10, as the real file."""
    root = str(tmp_path_factory.mktemp('svhn'))
    rng = np.random.default_rng(2)
    savemat(
        osp.join(root, 'test_32x32.mat'),
        dict(
            X=rng.integers(0, 256, (32, 32, 3, NUM_IMAGES), dtype=np.uint8),
            y=rng.integers(1, 11, (NUM_IMAGES, 1)).astype(np.uint8)))
    return root


@pytest.fixture(scope='session')
def data_roots(fmnist_root, cifar_roots, svhn_root):
    return dict(fmnist=fmnist_root, svhn=svhn_root, **cifar_roots)
