# Copyright (c) mmdfkd contributors. All rights reserved.
"""Config edits that switch a run to a faster path (mixed precision,
channels_last, compiled sub-modules), shared by ``tools/train.py``, the
demo, the benchmark and ``tools/analysis_tools/measure_iter_time.py``."""
from typing import Optional

from mmengine.config import Config, ConfigDict

_HOOK = 'mmdfkd.FastPathHook'


def _wrappers(optim_wrapper):
    if 'constructor' in optim_wrapper and 'type' not in optim_wrapper:
        # SeparateOptimWrapperConstructor: one wrapper per sub-module
        return [v for v in optim_wrapper.values() if isinstance(v, dict)]
    return [optim_wrapper]


def use_fast_path(cfg: Config,
                  amp: Optional[bool] = None,
                  channels_last: Optional[bool] = None,
                  compile: Optional[bool] = None) -> None:
    """Switch ``cfg`` to (or off) each speed option; None leaves it as the
    config has it.

    ``amp``: every plain optimizer wrapper becomes ``mmdfkd.AmpOptimWrapper``
    (float16 with loss scaling on a GPU, bfloat16 on a CPU that computes it
    natively, float32 with a warning on one that does not), or back.
    ``channels_last`` / ``compile``: the ``mmdfkd.FastPathHook`` entry of
    ``custom_hooks`` (added if missing).
    """
    if amp is not None:
        for wrapper in _wrappers(cfg.optim_wrapper):
            kind = wrapper.get('type', 'OptimWrapper')
            if amp and kind in ('OptimWrapper', 'AmpOptimWrapper'):
                wrapper['type'] = 'mmdfkd.AmpOptimWrapper'
            elif not amp and kind == 'mmdfkd.AmpOptimWrapper':
                wrapper['type'] = 'OptimWrapper'
                wrapper.pop('dtype', None)
                wrapper.pop('loss_scale', None)
    if channels_last is None and compile is None:
        return
    hooks = list(cfg.get('custom_hooks') or [])
    hook = next((h for h in hooks if h.get('type') in (_HOOK, 'FastPathHook')),
                None)
    if hook is None:
        hook = ConfigDict(type=_HOOK)
        hooks.append(hook)
    if channels_last is not None:
        hook['channels_last'] = channels_last
    if compile is not None:
        hook['compile'] = compile
    cfg.custom_hooks = hooks


def fastest_path() -> dict:
    """:func:`use_fast_path` keywords of the fastest path measured to keep
    accuracy, for the machine this runs on
    (``tools/analysis_tools/measure_iter_time.py`` and
    ``benchmarks/fmnist/README.md``, "The fast path"): on a CPU that
    computes bfloat16 natively, bfloat16 + channels_last; on another CPU,
    channels_last (float32, the same arithmetic); on a GPU, the configs as
    they ship (``--amp`` for float16)."""
    import torch

    from mmdfkd.utils.cpu_features import cpu_has_native_bf16
    if torch.cuda.is_available():
        return {}
    if cpu_has_native_bf16():
        return dict(amp=True, channels_last=True)
    return dict(channels_last=True)
