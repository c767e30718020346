# Copyright (c) mmdfkd contributors. All rights reserved.
from contextlib import contextmanager
from typing import Iterator

import torch.nn as nn
from mmengine.model import is_model_wrapper


def unwrap_model(module: nn.Module) -> nn.Module:
    """The module inside a distributed wrapper (or the module itself)."""
    return module.module if is_model_wrapper(module) else module


@contextmanager
def no_param_grads(module: nn.Module) -> Iterator[None]:
    """Let gradients flow *through* ``module`` but not into its
    parameters."""
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)
