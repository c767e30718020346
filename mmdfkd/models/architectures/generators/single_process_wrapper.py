# Copyright (c) mmdfkd contributors. All rights reserved.
import torch.nn as nn

from mmdfkd.registry import MODELS


@MODELS.register_module()
class SingleProcessGeneratorWrapper(nn.Module):
    """Gives a generator the ``.module`` attribute of a distributed wrapper.

    MMRazor 1.0.0's ``DataFreeDistillation`` and ``DAFLDataFreeDistillation``
    read ``self.generator.module.latent_dim``, which only exists when the
    model is wrapped by ``MMSeparateDistributedDataParallel``; a plain
    ``python tools/train.py`` raises ``AttributeError``. Wrapping the
    generator in this module lets those algorithms run in one process with
    their training logic unchanged: ``forward`` is the generator's. Under a
    distributed launch the wrapper is itself wrapped, and ``.module`` then
    resolves to this wrapper, which passes ``latent_dim`` through.

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
