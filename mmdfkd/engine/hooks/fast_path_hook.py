# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import Dict, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.optim import BaseOptimWrapper

from mmdfkd.models.utils import unwrap_model
from mmdfkd.registry import HOOKS

from ..optimizers.amp_optim_wrapper import optim_precision


@HOOKS.register_module()
class FastPathHook(Hook):
    """Runs the sub-modules of a data-free distiller (student, teacher,
    generator) in the channels_last memory format and/or compiled with
    ``torch.compile``, without changing what they compute or their state
    dicts: any data-free algorithm here (ours, MMRazor's DAFL, DFAD, ZSKT)
    takes it from ``custom_hooks`` alone, and a run resumes across the
    switch either way.

    Each sub-module is compiled on its own (``nn.Module.compile``, in place,
    so parameter names keep no ``_orig_mod.`` prefix), not the whole
    ``train_step`` as mmengine's ``compile`` does: a data-free step holds
    data-dependent checks (non-finite batches are skipped) and memory
    updates that would break one graph into many. Mixed precision is the
    optimizer wrapper's job (``mmdfkd.AmpOptimWrapper``, ``--amp``); the
    hook logs it beside its own settings, and :attr:`path` says all three.

    Args:
        channels_last (bool): Convert the 4-D parameters and buffers of the
            sub-modules to ``torch.channels_last``. Defaults to False.
        compile (bool | dict): Compile each sub-module; a dict is passed to
            ``torch.compile`` (e.g. ``dict(mode='max-autotune')``).
            Defaults to False.
        modules (Sequence[str]): Attributes of the (unwrapped) model to
            convert; a ``ModuleDict`` (``teachers``) has each of its entries
            converted. Missing ones are skipped, but at least one must
            exist. Defaults to ('architecture', 'teachers', 'generator').
    """

    priority = 'VERY_HIGH'  # before hooks that run the model

    def __init__(self,
                 channels_last: bool = False,
                 compile: Union[bool, Dict] = False,
                 modules: Sequence[str] = ('architecture', 'teachers',
                                           'generator')) -> None:
        self.channels_last = channels_last
        self.compile_cfg: Optional[Dict] = (
            dict(compile) if isinstance(compile, dict) else
            ({} if compile else None))
        self.modules = tuple(modules)
        self.path: Dict[str, Union[bool, str]] = {}
        self._applied = False

    def _targets(self, model: nn.Module):
        targets = []
        for name in self.modules:
            module = getattr(model, name, None)
            if module is None:
                continue
            module = unwrap_model(module)
            if isinstance(module, nn.ModuleDict):
                targets += [(f'{name}.{k}', unwrap_model(m))
                            for k, m in module.items()]
            else:
                targets.append((name, module))
        if not targets:
            raise ValueError(
                f'FastPathHook: the model ({type(model).__name__}) has none '
                f'of the sub-modules {list(self.modules)}; set '
                'modules=[...] in its custom_hooks entry to the names of '
                'the sub-modules to speed up.')
        return targets

    def apply(self, model: nn.Module) -> None:
        """Convert and/or compile ``model``'s sub-modules (once)."""
        if self._applied:
            return
        self._names = []
        for name, module in self._targets(unwrap_model(model)):
            if self.channels_last:
                module.to(memory_format=torch.channels_last)
            if self.compile_cfg is not None:
                module.compile(**self.compile_cfg)
            self._names.append(name)
        self._applied = True

    def before_run(self, runner) -> None:
        self.apply(runner.model)
        optim = getattr(runner, 'optim_wrapper', None)
        self.path = dict(
            precision=optim_precision(optim) if isinstance(
                optim, BaseOptimWrapper) else 'float32',
            channels_last=bool(self.channels_last),
            compile=self.compile_cfg is not None)
        runner.message_hub.update_info('fast_path', dict(self.path))
        MMLogger.get_current_instance().info(
            f'FastPathHook: {describe_path(self.path)} for '
            f'{", ".join(self._names)}.')


def describe_path(path: Dict) -> str:
    """'bfloat16, channels_last, compiled' and the like."""
    parts = [path.get('precision', 'float32')]
    parts.append('channels_last' if path.get('channels_last') else 'NCHW')
    parts.append('compiled' if path.get('compile') else 'eager')
    return ', '.join(parts)
