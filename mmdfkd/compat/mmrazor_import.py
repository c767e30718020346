# Copyright (c) mmdfkd contributors. All rights reserved.
"""``import mmrazor.models`` on torch 2.x."""
import importlib.abc
import importlib.machinery
import sys

import torch

# ``import mmrazor.models`` fails on torch >= 2.0 (open-mmlab/mmrazor
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


def import_mmrazor() -> None:
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


