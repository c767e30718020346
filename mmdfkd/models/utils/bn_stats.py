# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import Iterable, Optional

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm


@torch.no_grad()
def bn_statistics_gap(model: nn.Module,
                      batches: Iterable[torch.Tensor]) -> Optional[float]:
    """How far a set of inputs is from the data ``model`` was trained on, as
    its BatchNorm layers see it.

    ``model`` (an OpenMMLab model in eval mode, called with
    ``mode='tensor'``) is run on every batch; for each BatchNorm layer
    with running statistics, the per-channel mean and variance of the
    layer's input over *all* the batches are compared with the layer's
    running statistics as two Gaussians: ``KL(N(mean, var) ||
    N(running_mean, running_var))``, averaged over channels, then over
    layers. 0 means the inputs reproduce the statistics; the value has no
    unit of its own and does not depend on a loss weight or norm, so it can
    be compared across runs and with the same figure on real images (about
    0.001 for 512 Fashion-MNIST test images on the benchmark's teacher).

    Returns None when ``model`` has no such layer or no batch was given.
    """
    layers = [
        m for m in model.modules()
        if isinstance(m, _BatchNorm) and m.track_running_stats
    ]
    if not layers:
        return None
    # per layer: sum, sum of squares (float64: one pass over many batches)
    # and count of the inputs, per channel
    sums = {}

    def hook(layer, args, output):
        x = args[0].detach().double()
        dims = [0] + list(range(2, x.dim()))
        s, sq, n = sums.get(layer, (0., 0., 0))
        sums[layer] = (s + x.sum(dims), sq + (x * x).sum(dims),
                       n + x.numel() // x.shape[1])

    handles = [m.register_forward_hook(hook) for m in layers]
    try:
        for batch in batches:
            model(batch, mode='tensor')
    finally:
        for handle in handles:
            handle.remove()
    if not sums:
        return None
    per_layer = []
    for layer in layers:
        if layer not in sums:  # not on the forward path
            continue
        s, sq, n = sums[layer]
        mean = s / n
        var = (sq / n - mean * mean).clamp_min(0) + layer.eps
        ref_mean = layer.running_mean.double()
        ref_var = layer.running_var.double() + layer.eps
        kl = 0.5 * (torch.log(ref_var / var) +
                    (var + (mean - ref_mean)**2) / ref_var - 1)
        per_layer.append(kl.mean())
    return float(torch.stack(per_layer).mean())
