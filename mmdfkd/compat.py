# Copyright (c) mmdfkd contributors. All rights reserved.
"""Workarounds that make MMRazor 1.0.0 + mmengine 0.10 work on torch 2.x.

This is the only module of mmdfkd that deals with other packages' bugs.
Each workaround names the upstream defect it answers. Nothing here edits
site-packages, and nothing leaks out of the import: the only process-wide
effects are (a) MMRazor's modules being imported and (b) mmengine's
checkpoint loaders being replaced by safe ones through mmengine's public
``CheckpointLoader.register_scheme``.
"""
import functools
import importlib.abc
import importlib.machinery
import os
import os.path as osp
import pickle
import re
import sys
import zipfile
from typing import Any, Dict

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

from .registry import MODELS

# --------------------------------------------------------------------------
# 1. ``import mmrazor.models`` fails on torch >= 2.0 (open-mmlab/mmrazor
#    issues 615 and 632). Three quantization modules import names that torch
#    2.x removed, fall back to placeholders, and then call those placeholders
#    at import time under ``if torch.__version__ >= 1.13``. Quantization is
#    irrelevant to distillation, so while (and only while) those three module
#    bodies execute, ``torch.__version__`` reads '1.12.0' and they take their
#    own pre-1.13 branch. The real version is restored before any other
#    module can observe the change; the quantization algorithms stay unusable.
# --------------------------------------------------------------------------
_VERSION_GATED_MODULES = frozenset({
    'mmrazor.structures.quantization.backend_config.'
    'common_operator_config_utils',
    'mmrazor.structures.quantization.backend_config.mapping',
    'mmrazor.models.quantizers.native_quantizer',
})
_PRE_QUANTIZATION_TORCH = '1.12.0'


class _MaskedTorchVersionLoader(importlib.abc.Loader):
    """Executes one module while ``torch.__version__`` reads 1.12.0."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        real_version = torch.__version__
        torch.__version__ = _PRE_QUANTIZATION_TORCH
        try:
            self._loader.exec_module(module)
        finally:
            torch.__version__ = real_version


class _MMRazorQuantizationFinder(importlib.abc.MetaPathFinder):
    """Routes the three version-gated MMRazor modules to the masking
    loader."""

    def find_spec(self, fullname, path, target=None):
        if fullname not in _VERSION_GATED_MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _MaskedTorchVersionLoader(spec.loader)
        return spec


def _import_mmrazor() -> None:
    # Import everything mmrazor pulls in from other packages first, so that
    # no module of theirs can be executed for the first time while the
    # version is masked.
    import mmcv  # noqa: F401
    import mmengine.runner  # noqa: F401
    import mmpretrain.models  # noqa: F401
    import torch.ao.quantization  # noqa: F401

    finder = _MMRazorQuantizationFinder()
    sys.meta_path.insert(0, finder)
    try:
        import mmrazor.datasets  # noqa: F401
        import mmrazor.engine  # noqa: F401
        import mmrazor.models  # noqa: F401
    finally:
        sys.meta_path.remove(finder)


# --------------------------------------------------------------------------
# 2. torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine
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
#      ``torch.hub``) is the safe one. Remote schemes would otherwise
#      unpickle whatever the URL (or a file placed in the hub cache) holds.
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
    ``;``, and local paths also by ``os.pathsep``."""
    listed = os.environ.get(TRUSTED_CHECKPOINTS_ENV, '')
    entries = set()
    for token in re.split(r'[\s;]+', listed):
        if '://' in token:
            entries.add(token)
        else:
            entries.update(
                osp.realpath(p) for p in token.split(os.pathsep) if p)
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


def _safe_scheme(loader):
    """Wrap a remote scheme's loader: every ``torch.load`` it makes while
    it runs is the safe one, for the file or URL it was given."""
    if getattr(loader, '_mmdfkd_safe', False):
        return loader

    @functools.wraps(loader)
    def safe_loader(filename, *args, **kwargs):
        def load(f, map_location=None, *load_args, **load_kwargs):
            return _safe_torch_load(filename, f, map_location, **load_kwargs)

        torch.load = load
        try:
            return loader(filename, *args, **kwargs)
        finally:
            torch.load = _torch_load

    safe_loader._mmdfkd_safe = True
    return safe_loader


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


def apply() -> None:
    """Apply all workarounds; idempotent."""
    _import_mmrazor()
    # mmengine has no public list of its schemes: read its registry
    for prefix, loader in list(CheckpointLoader._schemes.items()):
        CheckpointLoader.register_scheme(
            prefixes=prefix,
            loader=load_from_local if prefix == '' else _safe_scheme(loader),
            force=True)


# --------------------------------------------------------------------------
# 3. mmengine 0.10's distributed set-up assumes a GPU: ``init_dist`` calls
#    ``torch.cuda.set_device`` and ``Runner.wrap_model`` passes
#    ``device_ids=[LOCAL_RANK]`` to DDP, both of which fail on a CPU-only
#    machine. For CPU runs (tests, CI) the process group is started here
#    with gloo (the runner then skips ``init_dist``) and the wrapper gets
#    ``device_ids=None``.
# --------------------------------------------------------------------------
def prepare_cpu_distributed(cfg) -> None:
    """Make a ``--launcher pytorch`` config run without a GPU."""
    import torch.distributed as torch_dist
    if torch.cuda.is_available() or torch_dist.is_initialized():
        return
    torch_dist.init_process_group(backend='gloo')
    wrapper_cfg = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel')
    wrapper_cfg['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper_cfg


# mmengine never destroys the process group it runs in. A process that exits
# with a live gloo group can abort while the interpreter shuts down (its
# worker threads outlive Python; seen in CI as rank 1 dying with SIGABRT,
# "terminate called without an active exception", after a finished run;
# pytorch/pytorch pull request 179291 describes the same). Every rank waits
# for the others, then destroys the group while Python is still alive.
def end_distributed() -> None:
    """Leave the process group cleanly, if one was started."""
    import torch.distributed as torch_dist
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()


# --------------------------------------------------------------------------
# 4. MMRazor 1.0.0's ``DataFreeDistillation`` and ``DAFLDataFreeDistillation``
#    read ``self.generator.module.latent_dim``, which exists only when the
#    model is wrapped by ``MMSeparateDistributedDataParallel`` (a distributed
#    launch); a plain ``python tools/train.py`` raises ``AttributeError``.
#    The baselines' configs wrap their generator in the module below, so
#    that those algorithms run in one process with their logic unchanged.
# --------------------------------------------------------------------------
@MODELS.register_module()
class SingleProcessGeneratorWrapper(torch.nn.Module):
    """Gives a generator the ``.module`` attribute of a distributed wrapper
    (see workaround 4 in ``mmdfkd/compat.py``). ``forward`` is the
    generator's. Under a distributed launch the wrapper is itself wrapped,
    and ``.module`` then resolves to this wrapper, which passes
    ``latent_dim`` through.

    Args:
        generator (dict): Config of the wrapped generator.
    """

    def __init__(self, generator: dict) -> None:
        super().__init__()
        self.module = MODELS.build(generator)

    @property
    def latent_dim(self) -> int:
        return self.module.latent_dim

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)
