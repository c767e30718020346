# Copyright (c) mmdfkd contributors. All rights reserved.
from contextlib import contextmanager
from typing import Iterator, List, Tuple

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmdfkd.registry import MODELS


@MODELS.register_module()
class BNStatisticsLoss(nn.Module):
    """Distance between a batch's per-layer statistics and a model's
    BatchNorm running statistics (DeepInversion's feature regulariser).

    For each BatchNorm layer (1d, 2d, 3d, SyncBN) of the watched model, the
    per-channel mean and biased variance of the layer *input* over every
    dimension but the channel one are compared with the layer's
    ``running_mean`` / ``running_var``:

    - ``norm='l2'`` (DeepInversion and its followers):
      ``||running_var - var||_2 + ||running_mean - mean||_2`` per layer,
      summed over layers;
    - ``norm='mse'``: the mean of the squared differences per layer, averaged
      over layers (a scale that does not grow with depth or width).

    Usage: ``attach(teacher)`` once, then ``with loss.record(): teacher(x)``
    and ``loss()``. Hooks exist only inside ``record()``, so forwards outside
    it (e.g. the student steps of a distiller) pay nothing.

    Args:
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        norm (str): ``'l2'`` or ``'mse'``. Defaults to ``'l2'``.
        first_bn_weight (float): Extra multiplier of the first BatchNorm
            layer's term (DeepInversion's ``first_bn_multiplier`` is 10).
            Defaults to 1.0.
        momentum (float): Fast-DFKD's ``bn_mmt``: with ``m > 0`` the batch
            statistics are blended with a moving average of those of earlier
            synthesis rounds, ``(1 - m) * stat + m * average``, before the
            comparison; :meth:`update_momentum` folds the last recorded
            statistics into the average (once per round). The averages are
            buffers of this loss, so checkpoints hold them. 0 compares the
            batch statistics alone. Defaults to 0.
    """

    NORMS = ('l2', 'mse')

    def __init__(self,
                 loss_weight: float = 1.0,
                 norm: str = 'l2',
                 first_bn_weight: float = 1.0,
                 momentum: float = 0.0) -> None:
        super().__init__()
        if not 0 <= momentum < 1:
            raise ValueError('BNStatisticsLoss: momentum must be in [0, 1), '
                             f'got {momentum!r}.')
        self.momentum = momentum
        if norm not in self.NORMS:
            raise ValueError(f'BNStatisticsLoss: unknown norm {norm!r}; use '
                             f'one of {self.NORMS}.')
        self.loss_weight = loss_weight
        self.norm = norm
        self.first_bn_weight = first_bn_weight
        # Plain list, not a ModuleList: the watched layers belong to the
        # watched model and must not become parameters of this loss.
        self._layers: List[_BatchNorm] = []
        self._terms: List[torch.Tensor] = []
        self._stats: List[Tuple[torch.Tensor, torch.Tensor]] = []

    def attach(self, model: nn.Module) -> None:
        """Watch every BatchNorm layer of ``model`` that tracks running
        statistics."""
        layers = [
            m for m in model.modules()
            if isinstance(m, _BatchNorm) and m.track_running_stats
        ]
        if not layers:
            raise ValueError(
                f'BNStatisticsLoss: {type(model).__name__} has no BatchNorm '
                'layer with running statistics, so there is nothing to '
                'match. Remove the BN loss from the config (bn_loss=None) '
                'or use a teacher that has BatchNorm layers.')
        self._layers = layers
        if self.momentum:
            # the moving averages, per layer; ``mmt_ready`` is 0 until the
            # first update_momentum()
            self.register_buffer('mmt_ready',
                                 torch.zeros((), dtype=torch.bool))
            for i, layer in enumerate(layers):
                ref = layer.running_mean
                self.register_buffer(f'mmt_mean_{i}', torch.zeros_like(ref))
                self.register_buffer(f'mmt_var_{i}', torch.zeros_like(ref))

    @property
    def num_layers(self) -> int:
        return len(self._layers)

    def _term(self, layer: _BatchNorm, inputs: torch.Tensor) -> torch.Tensor:
        dims = [0] + list(range(2, inputs.dim()))
        # in float32 under bfloat16/float16 autocast too: the statistics
        # are compared with float32 running statistics
        var, mean = torch.var_mean(inputs.float(), dim=dims, unbiased=False)
        if self.momentum:
            index = len(self._stats)
            self._stats.append((mean.detach(), var.detach()))
            m = self.momentum * self.mmt_ready.float()
            mean = (1 - m) * mean + m * getattr(self, f'mmt_mean_{index}')
            var = (1 - m) * var + m * getattr(self, f'mmt_var_{index}')
        if self.norm == 'l2':
            return (torch.norm(layer.running_var - var, 2) +
                    torch.norm(layer.running_mean - mean, 2))
        return (torch.mean((layer.running_var - var)**2) +
                torch.mean((layer.running_mean - mean)**2))

    def _hook(self, layer, args, output) -> None:
        self._terms.append(self._term(layer, args[0]))

    @contextmanager
    def record(self) -> Iterator[None]:
        """Collect the statistics of the forwards run inside the block."""
        if not self._layers:
            raise RuntimeError('BNStatisticsLoss.attach(model) must be '
                               'called before record().')
        self._terms, self._stats = [], []
        handles = [m.register_forward_hook(self._hook) for m in self._layers]
        try:
            yield
        finally:
            for handle in handles:
                handle.remove()

    @torch.no_grad()
    def update_momentum(self) -> None:
        """Fold the statistics of the last ``record()`` block into the
        moving averages (Fast-DFKD: once per synthesis round, after its
        last inner step)."""
        if not self.momentum or not self._stats:
            return
        m = self.momentum * self.mmt_ready.float()
        for i, (mean, var) in enumerate(self._stats):
            for name, stat in ((f'mmt_mean_{i}', mean), (f'mmt_var_{i}', var)):
                average = getattr(self, name)
                average.copy_(m * average + (1 - m) * stat)
        self.mmt_ready.fill_(True)

    def forward(self) -> torch.Tensor:
        """The weighted loss over the last ``record()`` block."""
        if not self._terms:
            raise RuntimeError('BNStatisticsLoss: no statistics recorded; '
                               'run the watched model inside record().')
        terms = self._terms
        self._terms = []
        total = terms[0] * self.first_bn_weight + sum(terms[1:])
        if self.norm == 'mse':
            total = total / len(terms)
        return self.loss_weight * total
