# Copyright (c) mmdfkd contributors. All rights reserved.
"""Shared fixtures: tiny data sets in their real on-disk formats (the
helpers that write them are in :mod:`mmdfkd.testing`)."""
import os

import pytest
import torch

import mmdfkd  # noqa: F401  (applies mmdfkd.compat)
from mmdfkd.testing import (
    cache_config_formatting,
    write_cifar,
    write_fmnist,
    write_svhn,
)

# one thread per pytest-xdist worker (``make test`` runs one worker per
# core), two when the suite runs in one process. The tools the tests start
# keep torch's default: measured on 2 cores, one thread for them made the
# suite slower (1,029 s against 738 s).
torch.set_num_threads(1 if os.environ.get('PYTEST_XDIST_WORKER') else 2)
cache_config_formatting()


@pytest.fixture(scope='session')
def fmnist_root(tmp_path_factory):
    return write_fmnist(str(tmp_path_factory.mktemp('fashion_mnist')))


@pytest.fixture(scope='session')
def cifar_roots(tmp_path_factory):
    """CIFAR-10 and CIFAR-100 pickles. mmpretrain checks the md5 of the
    official files; the tiny fixture files cannot match it, so the check is
    switched off for the session (the reading code is unchanged)."""
    from mmpretrain.datasets import CIFAR10, CIFAR100
    roots = dict(
        cifar10=write_cifar(str(tmp_path_factory.mktemp('cifar10')), 10),
        cifar100=write_cifar(str(tmp_path_factory.mktemp('cifar100')), 100))
    patch = pytest.MonkeyPatch()
    for cls in (CIFAR10, CIFAR100):
        for attr in ('train_list', 'test_list'):
            patch.setattr(cls, attr,
                          [[name, None] for name, _ in getattr(cls, attr)])
    yield roots
    patch.undo()


@pytest.fixture(scope='session')
def svhn_root(tmp_path_factory):
    return write_svhn(str(tmp_path_factory.mktemp('svhn')))


@pytest.fixture(scope='session')
def data_roots(fmnist_root, cifar_roots, svhn_root):
    return dict(fmnist=fmnist_root, svhn=svhn_root, **cifar_roots)
