# Copyright (c) mmdfkd contributors. All rights reserved.
"""Workarounds that make MMRazor 1.0.0 + mmengine 0.10 work on torch 2.x.

One module per upstream defect, each saying what it answers; nothing here
edits site-packages. :func:`apply` (run by ``import mmdfkd``) has three
process-wide effects only: MMRazor's modules are imported
(:mod:`.mmrazor_import`), mmengine's checkpoint loaders are replaced by
safe ones through its public ``CheckpointLoader.register_scheme``
(:mod:`.safe_loading`), and its local file backend writes through an
atomic rename (:mod:`.atomic_saves`, public ``register_backend``).
:mod:`.distributed` acts when a tool calls it;
:mod:`.generator_wrapper` registers a module for the baseline configs.
"""
from .atomic_saves import AtomicLocalBackend, use_atomic_saves
from .distributed import end_distributed, prepare_cpu_distributed
from .generator_wrapper import SingleProcessGeneratorWrapper
from .mmrazor_import import import_mmrazor
from .safe_loading import (
    TRUSTED_CHECKPOINTS_ENV,
    UnsafeCheckpointError,
    load_from_local,
    make_weights_only,
    restore_weights_only,
    use_safe_loaders,
)

__all__ = [
    'AtomicLocalBackend', 'SingleProcessGeneratorWrapper',
    'TRUSTED_CHECKPOINTS_ENV',
    'UnsafeCheckpointError', 'apply', 'end_distributed', 'import_mmrazor',
    'load_from_local', 'make_weights_only', 'prepare_cpu_distributed',
    'restore_weights_only', 'use_atomic_saves', 'use_safe_loaders'
]


def apply() -> None:
    """Apply all workarounds; idempotent."""
    import_mmrazor()
    use_safe_loaders()
    use_atomic_saves()
