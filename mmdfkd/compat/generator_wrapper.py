# Copyright (c) mmdfkd contributors. All rights reserved.
"""MMRazor's data-free algorithms in one process."""
import torch

from mmdfkd.registry import MODELS


# MMRazor 1.0.0's ``DataFreeDistillation`` and ``DAFLDataFreeDistillation``
#    read ``self.generator.module.latent_dim``, which exists only when the
#    model is wrapped by ``MMSeparateDistributedDataParallel`` (a distributed
#    launch); a plain ``python tools/train.py`` raises ``AttributeError``.
#    The baselines' configs wrap their generator in the module below, so
#    that those algorithms run in one process with their logic unchanged.
# --------------------------------------------------------------------------
@MODELS.register_module()
class SingleProcessGeneratorWrapper(torch.nn.Module):
    """Gives a generator the ``.module`` attribute of a distributed wrapper
    (see ``mmdfkd/compat/__init__.py``). ``forward`` is the
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
