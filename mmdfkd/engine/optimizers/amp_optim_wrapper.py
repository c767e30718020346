# Copyright (c) mmdfkd contributors. All rights reserved.
from contextlib import contextmanager
from typing import Optional, Union

import torch
import torch.nn as nn
from mmengine.device import get_device
from mmengine.logging import MMLogger
from mmengine.optim import AmpOptimWrapper as _MMEngineAmpOptimWrapper
from mmengine.optim import OptimWrapper

from mmdfkd.registry import OPTIM_WRAPPERS
from mmdfkd.utils.cpu_features import cpu_has_native_bf16


@OPTIM_WRAPPERS.register_module()
class AmpOptimWrapper(_MMEngineAmpOptimWrapper):
    """mmengine's ``AmpOptimWrapper`` that also runs on a CPU.

    mmengine 0.10's wrapper asserts a GPU/NPU/MLU/MUSA device. On those
    devices this class is that wrapper (float16 autocast with loss scaling
    by default, or ``dtype``). On a CPU it autocasts to bfloat16, which
    needs no loss scaling (bfloat16 has float32's exponent range), when the
    CPU computes bfloat16 in hardware (AVX512-BF16 or AMX); on a CPU without
    it, emulated bfloat16 is slower than float32, so it says so and trains
    in float32. Checkpoints of both kinds load into either (a CPU run holds
    no ``loss_scaler`` state, and one saved on a GPU is dropped on a CPU).

    Args:
        loss_scale (float | str | dict): As mmengine's; used on a GPU only.
            Defaults to 'dynamic'.
        dtype (str | torch.dtype, optional): The autocast type. None: float16
            on a GPU, bfloat16 on a CPU that supports it. On a CPU only
            'bfloat16' or 'float32' (no autocast) are accepted.
            Defaults to None.
        **kwargs: Passed to ``OptimWrapper`` (``optimizer``, ``clip_grad``,
            ``accumulative_counts``).
    """

    def __init__(self,
                 loss_scale: Union[str, float, dict] = 'dynamic',
                 dtype: Union[str, torch.dtype, None] = None,
                 **kwargs) -> None:
        self.on_cpu = get_device() == 'cpu'
        if not self.on_cpu:
            super().__init__(loss_scale=loss_scale, dtype=dtype, **kwargs)
            return
        OptimWrapper.__init__(self, **kwargs)
        if isinstance(dtype, torch.dtype):
            dtype = str(dtype).replace('torch.', '')
        if dtype not in (None, 'bfloat16', 'float32'):
            raise ValueError(
                f'optim_wrapper dtype={dtype!r} cannot be used on a CPU: '
                "use 'bfloat16' (or None for it) or 'float32'.")
        if dtype == 'float32':
            self.cast_dtype = None
        elif cpu_has_native_bf16():
            self.cast_dtype = torch.bfloat16
        else:
            MMLogger.get_current_instance().warning(
                'AmpOptimWrapper: this CPU has no native bfloat16 '
                '(neither avx512_bf16 nor amx_bf16 in its flags), where '
                'bfloat16 autocast runs slower than float32: training in '
                'float32.')
            self.cast_dtype = None
        self.loss_scaler = None

    @property
    def precision(self) -> str:
        """What the wrapped steps compute in, for logs and run files."""
        return str(self.cast_dtype or torch.float32).replace('torch.', '')

    def backward(self, loss: torch.Tensor, **kwargs) -> None:
        if self.loss_scaler is None:
            OptimWrapper.backward(self, loss, **kwargs)
        else:
            super().backward(loss, **kwargs)

    def step(self, **kwargs) -> None:
        if self.loss_scaler is None:
            OptimWrapper.step(self, **kwargs)
        else:
            super().step(**kwargs)

    def state_dict(self) -> dict:
        if self.loss_scaler is None:
            return OptimWrapper.state_dict(self)
        return super().state_dict()

    def load_state_dict(self, state_dict: dict) -> None:
        if self.loss_scaler is None:
            state_dict = dict(state_dict)
            state_dict.pop('loss_scaler', None)  # saved by a GPU run
            if 'base_param_settings' in state_dict:
                self.base_param_settings = state_dict.pop(
                    'base_param_settings')
            self.optimizer.load_state_dict(state_dict)
        else:
            super().load_state_dict(state_dict)

    @contextmanager
    def optim_context(self, model: nn.Module):
        if not self.on_cpu:
            with super().optim_context(model):
                yield
            return
        with OptimWrapper.optim_context(self, model), torch.autocast(
                'cpu', dtype=self.cast_dtype or torch.bfloat16,
                enabled=self.cast_dtype is not None):
            yield


def optim_precision(optim_wrapper) -> Optional[str]:
    """The autocast type of an optimizer wrapper (or of the first of an
    ``OptimWrapperDict`` that autocasts); 'float32' without autocast."""
    wrappers = getattr(optim_wrapper, 'optim_wrappers', None)
    wrappers = list(wrappers.values()) if wrappers else [optim_wrapper]
    for wrapper in wrappers:
        dtype = getattr(wrapper, 'cast_dtype', None)
        if dtype is not None:
            return str(dtype).replace('torch.', '')
    return 'float32'
