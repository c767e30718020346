# Copyright (c) mmdfkd contributors. All rights reserved.
"""Checkpoints load with ``weights_only=True`` on every scheme."""
import functools
import os
import os.path as osp
import pickle
import re
import threading
import zipfile
from typing import Any, Dict

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

# --------------------------------------------------------------------------
# torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine
#    0.10.7 cannot read back its own checkpoints that way: they pickle
#    ``HistoryBuffer`` objects (whose state holds ``getattr`` references to
#    its methods) and numpy arrays/scalars. Resume is broken out of the box.
#    Two halves answer it without turning safe loading off:
#    - ``WeightsOnlyCheckpointHook`` (``engine/hooks``), with
#      ``make_weights_only`` / ``restore_weights_only`` below, rewrites what
#      mmengine adds to each checkpoint into tensors and plain Python values
#      before it is saved, and rebuilds the ``HistoryBuffer`` objects when
#      it is loaded back;
#    - every checkpoint loader mmengine has (local files, http(s)://,
#      open-mmlab://, torchvision://, mmcls://, pavi://, s3:// ...) loads
#      with ``weights_only=True``: the local one is replaced by
#      ``load_from_local``, every other registered scheme's loader is
#      wrapped so that the ``torch.load`` it calls (directly or through
#      ``torch.hub``) in its thread is the safe one. Remote schemes would
#      otherwise unpickle whatever the URL (or a file placed in the hub
#      cache) holds.
#      A checkpoint that needs arbitrary unpickling is refused with an
#      explanation, unless the user trusts that very file or URL by listing
#      it in the environment variable ``MMDFKD_TRUSTED_CHECKPOINTS``.
# --------------------------------------------------------------------------
TRUSTED_CHECKPOINTS_ENV = 'MMDFKD_TRUSTED_CHECKPOINTS'
_HISTORY_BUFFER_TAG = '__mmengine_history_buffer__'
_torch_load = torch.load  # the real one, called by the safe loaders


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint needs arbitrary code execution to be unpickled."""


def _is_trusted(source: str) -> bool:
    """Whether ``source`` (a path or a URL) is listed in
    ``MMDFKD_TRUSTED_CHECKPOINTS``: entries separated by white space or
    ``;``, and local paths also by ``os.pathsep``; ``~`` is expanded and
    local paths compare as real paths (links resolved)."""
    listed = os.environ.get(TRUSTED_CHECKPOINTS_ENV, '')
    entries = set()
    for token in re.split(r'[\s;]+', listed):
        if '://' in token:
            entries.add(token)
        else:
            entries.update(
                osp.realpath(osp.expanduser(p))
                for p in token.split(os.pathsep) if p)
    if '://' in source:
        return source in entries
    return osp.realpath(osp.expanduser(source)) in entries


def _safe_torch_load(source: str, f, map_location=None, **kwargs) -> Any:
    """``torch.load`` of ``f`` (read for ``source``) with
    ``weights_only=True`` unless ``source`` is trusted."""
    kwargs.pop('weights_only', None)
    if _is_trusted(source):
        return _torch_load(
            f, map_location=map_location, weights_only=False, **kwargs)
    try:
        return _torch_load(
            f, map_location=map_location, weights_only=True, **kwargs)
    except pickle.UnpicklingError as err:
        needed = re.findall(r'GLOBAL ([\w.]+)', str(err))
        what = f' (it needs {", ".join(needed)})' if needed else ''
        raise UnsafeCheckpointError(
            f'Refusing to load {source}: it holds Python objects that only '
            f'a full unpickler can rebuild{what}, and unpickling can run '
            'arbitrary code. Checkpoints saved by mmdfkd runs (with '
            'mmdfkd.WeightsOnlyCheckpointHook, which every mmdfkd config '
            'enables) never need this. If you trust this file, list it (its '
            f'path or URL) in the environment variable '
            f'{TRUSTED_CHECKPOINTS_ENV} (entries separated by spaces), e.g. '
            f"{TRUSTED_CHECKPOINTS_ENV}='{source}' python tools/train.py ..."
        ) from err


def load_from_local(filename: str, map_location=None) -> Any:
    """Load a local checkpoint with ``weights_only=True``.

    Args:
        filename (str): Path of the checkpoint file.
        map_location (str | callable, optional): Same as :func:`torch.load`.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    if not _is_trusted(filename) and not _looks_like_torch_file(filename):
        raise ValueError(
            f'{filename} is not a PyTorch checkpoint (neither a torch.save '
            'zip archive nor a legacy pickle). Point the config at the .pth '
            'file saved by torch.save / mmengine.')
    return _safe_torch_load(filename, filename, map_location)


# The remote loaders (torch.hub for http(s)://, and the schemes built on
# it) call the module attribute ``torch.load``. At the first remote load
# (never at import) it is replaced, once, by ``_dispatching_load``: in every
# thread it is the real ``torch.load``, except in a thread that is inside
# one of mmdfkd's remote loaders, where it loads that source safely. No
# swap back and forth, so another thread loading at the same time is never
# affected.
_remote = threading.local()
_install_lock = threading.Lock()


def _dispatching_load(f, map_location=None, *args, **kwargs):
    source = getattr(_remote, 'source', None)
    if source is None:
        return _torch_load(f, map_location, *args, **kwargs)
    return _safe_torch_load(source, f, map_location, **kwargs)


def _install_dispatch() -> None:
    with _install_lock:
        if torch.load is not _dispatching_load:
            torch.load = _dispatching_load


def _safe_scheme(loader):
    """Wrap a remote scheme's loader: every ``torch.load`` it makes (in its
    thread) is the safe one, for the file or URL it was given."""
    if getattr(loader, '_mmdfkd_safe', False):
        return loader

    @functools.wraps(loader)
    def safe_loader(filename, *args, **kwargs):
        _install_dispatch()
        outer = getattr(_remote, 'source', None)
        _remote.source = filename
        try:
            return loader(filename, *args, **kwargs)
        finally:
            _remote.source = outer

    safe_loader._mmdfkd_safe = True
    return safe_loader


def use_safe_loaders() -> None:
    """Every checkpoint loader mmengine has loads with
    ``weights_only=True``; idempotent."""
    # mmengine has no public list of its schemes: read its registry
    for prefix, loader in list(CheckpointLoader._schemes.items()):
        CheckpointLoader.register_scheme(
            prefixes=prefix,
            loader=load_from_local if prefix == '' else _safe_scheme(loader),
            force=True)


def _looks_like_torch_file(filename: str) -> bool:
    if zipfile.is_zipfile(filename):
        return True
    with open(filename, 'rb') as f:
        return f.read(1) == b'\x80'  # pickle protocol >= 2 (legacy format)


def _to_weights_only(value: Any) -> Any:
    """Replace numpy values and HistoryBuffers by tensors / Python
    values."""
    if isinstance(value, HistoryBuffer):
        log_history, count_history = value.data
        return {
            _HISTORY_BUFFER_TAG: True,
            'log_history': torch.from_numpy(np.asarray(log_history)),
            'count_history': torch.from_numpy(np.asarray(count_history)),
            'max_length': value.max_length,
        }
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return type(value)((k, _to_weights_only(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_to_weights_only(v) for v in value)
    return value


def restore_weights_only(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(_HISTORY_BUFFER_TAG):
            return HistoryBuffer(value['log_history'].numpy(),
                                 value['count_history'].numpy(),
                                 value['max_length'])
        return type(value)(
            (k, restore_weights_only(v)) for k, v in value.items())
    return value


def make_weights_only(checkpoint: Dict) -> None:
    """Rewrite mmengine's additions to a checkpoint in place."""
    for key in ('meta', 'message_hub', 'param_schedulers'):
        if key in checkpoint:
            checkpoint[key] = _to_weights_only(checkpoint[key])


