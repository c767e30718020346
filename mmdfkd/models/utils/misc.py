# Copyright (c) mmdfkd contributors. All rights reserved.
from contextlib import contextmanager
from typing import Iterator, List, Optional

import torch
import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmrazor.models.utils import get_module_device, set_requires_grad


def unwrap_model(module: nn.Module) -> nn.Module:
    """The module inside a distributed wrapper (or the module itself)."""
    return module.module if is_model_wrapper(module) else module


def module_device(module: nn.Module) -> torch.device:
    """The device of ``module``'s parameters (MMRazor's
    ``get_module_device``, which gives a CUDA index, as a device)."""
    return torch.device(get_module_device(module))


def strip_module_prefix(state: dict) -> dict:
    """A state dict saved from inside a distributed wrapper, without its
    ``module.`` prefix (what mmengine's ``revise_keys`` default does)."""
    return {k[len('module.'):] if k.startswith('module.') else k: v
            for k, v in state.items()}


@contextmanager
def no_param_grads(module: nn.Module) -> Iterator[None]:
    """Let gradients flow *through* ``module`` but not into its
    parameters (MMRazor's ``set_requires_grad``, undone on exit; a module
    whose parameters are all trainable, as a student's)."""
    set_requires_grad(module, False)
    try:
        yield
    finally:
        set_requires_grad(module, True)


def backup_buffers(module: nn.Module,
                   backup: Optional[List[torch.Tensor]] = None
                   ) -> List[torch.Tensor]:
    """Copy ``module``'s buffers (BatchNorm's running statistics and
    batch counters) into ``backup`` (allocated on the first call), with one
    fused copy, so that :func:`restore_buffers` can undo a forward."""
    buffers = list(module.buffers())
    if backup is None or len(backup) != len(buffers):
        return [b.detach().clone() for b in buffers]
    torch._foreach_copy_(backup, buffers)
    return backup


@torch.no_grad()
def restore_buffers(module: nn.Module, backup: List[torch.Tensor]) -> None:
    """Put back the buffers saved by :func:`backup_buffers`."""
    buffers = list(module.buffers())
    torch._foreach_copy_(buffers, backup)
