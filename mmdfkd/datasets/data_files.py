# Copyright (c) mmdfkd contributors. All rights reserved.
"""Stop before a run when a data set's files are not where its config says.

mmpretrain's CIFAR and (Fashion-)MNIST download missing files on first use;
without network that ends in a ``URLError`` traceback and leaves an empty
folder behind. ``check_data_files`` looks first and stops with the path,
the files expected and where to get them, creating nothing.
"""
import os.path as osp
from typing import List, Optional, Sequence

_HOW = {
    'FashionMNIST':
    'bash tools/dataset_converters/prepare_fmnist.sh {root} (puts the '
    'Debian package dataset-fashion-mnist there)',
    'MNIST':
    'download the four idx .gz files from http://yann.lecun.com/exdb/mnist/ '
    'and gunzip them into {root}',
    'CIFAR10':
    'download cifar-10-python.tar.gz from '
    'https://www.cs.toronto.edu/~kriz/cifar.html and extract it into {root}',
    'CIFAR100':
    'download cifar-100-python.tar.gz from '
    'https://www.cs.toronto.edu/~kriz/cifar.html and extract it into {root}',
    'SVHN':
    'download {files} from http://ufldl.stanford.edu/housenumbers/ into '
    '{root}',
}


def expected_files(dataset: dict) -> Optional[List[str]]:
    """The files (relative to ``data_root``) that the data set of this
    config reads before it would try to download, or None for data sets
    this check does not know."""
    name = str(dataset.get('type', '')).split('.')[-1]
    if name in ('MNIST', 'FashionMNIST'):
        from mmpretrain.datasets import MNIST
        return [f[:-len('.gz')] for f, _ in MNIST.train_list + MNIST.test_list]
    if name in ('CIFAR10', 'CIFAR100'):
        import mmpretrain.datasets as datasets
        cls = getattr(datasets, name)
        files = [f for f, _ in cls.train_list + cls.test_list]
        files.append(cls.meta['filename'])
        return [osp.join(cls.base_folder, f) for f in files]
    if name == 'SVHN':
        return [f"{dataset.get('split', 'train')}_32x32.mat"]
    return None


def loader_dataset(cfg, loader: str) -> Optional[dict]:
    """The innermost data set config of ``cfg``'s ``loader`` (through
    dataset wrappers), or None."""
    dataset = (cfg.get(loader) or {}).get('dataset')
    while isinstance(dataset, dict) and isinstance(
            dataset.get('dataset'), dict):  # dataset wrappers
        dataset = dataset['dataset']
    return dataset if isinstance(dataset, dict) else None


def missing_data_files(cfg, loaders: Sequence[str] = (
        'train_dataloader', 'val_dataloader', 'test_dataloader')) -> List[str]:
    """For each of ``loaders`` of ``cfg`` whose data set is not on disk, a
    message naming the folder, the missing files and how to get them.

    Pass only the loaders the run will build: ``tools/train.py`` checks the
    training and validation loaders (mmengine builds the test loader only
    in ``runner.test()``), ``tools/test.py`` the test loader.
    """
    problems = []
    for loader in loaders:
        dataset = loader_dataset(cfg, loader)
        if dataset is None:
            continue
        files = expected_files(dataset)
        if files is None:
            continue
        root = dataset.get('data_root') or dataset.get('data_prefix') or ''
        missing = [f for f in files if not osp.isfile(osp.join(root, f))]
        if not missing:
            continue
        name = str(dataset['type']).split('.')[-1]
        where = f'{root!r} does not exist' if not osp.isdir(root) else \
            f'{len(missing)} of its {len(files)} files are missing'
        problems.append(
            f'{loader}: the {name} files are not under data_root={root!r} '
            f'({where}): expected {", ".join(missing)}. Get them with: '
            f'{_HOW[name].format(root=root or ".", files=", ".join(files))}; '
            f'or point the config at them with --cfg-options '
            f'{loader}.dataset.data_root=DIR.')
    return problems


def check_data_files(cfg, loaders: Sequence[str] = (
        'train_dataloader', 'val_dataloader', 'test_dataloader')) -> None:
    """Raise ``FileNotFoundError`` with :func:`missing_data_files`'s
    messages, if any."""
    problems = missing_data_files(cfg, loaders)
    if problems:
        raise FileNotFoundError(' '.join(problems))
