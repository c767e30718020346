# Copyright (c) mmdfkd contributors. All rights reserved.
import math

import pytest
import torch
import torch.nn as nn

from mmdfkd.models.utils import bn_statistics_gap


class _Model(nn.Module):
    """An OpenMMLab-style forward (``mode``) around a plain module."""

    def __init__(self, body):
        super().__init__()
        self.body = body

    def forward(self, x, mode='tensor'):
        return self.body(x)


def _kl(mean, var, ref_mean, ref_var):
    return 0.5 * (math.log(ref_var / var) +
                  (var + (mean - ref_mean)**2) / ref_var - 1)


def test_gap_is_the_gaussian_kl_of_the_whole_set_not_of_each_batch():
    bn = nn.BatchNorm1d(2, eps=0.0)
    bn.running_mean.copy_(torch.tensor([0.0, 1.0]))
    bn.running_var.copy_(torch.tensor([1.0, 4.0]))
    model = _Model(bn).eval()
    torch.manual_seed(0)
    # two batches with different means: the set's variance includes the
    # spread between them, which a mean of per-batch figures would miss
    a = torch.randn(50, 2) + torch.tensor([2.0, 0.0])
    b = torch.randn(30, 2) * 3 - torch.tensor([1.0, 0.5])
    whole = torch.cat([a, b]).double()
    expected = sum(
        _kl(float(whole[:, c].mean()), float(whole[:, c].var(
            unbiased=False)), float(bn.running_mean[c]),
            float(bn.running_var[c])) for c in range(2)) / 2
    assert bn_statistics_gap(model, [a, b]) == pytest.approx(expected,
                                                              rel=1e-6)
    per_batch = (bn_statistics_gap(model, [a]) +
                 bn_statistics_gap(model, [b])) / 2
    assert per_batch != pytest.approx(expected, rel=1e-2)


def test_gap_is_near_zero_on_the_training_data_and_large_off_it():
    torch.manual_seed(0)
    body = nn.Sequential(
        nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8, momentum=None), nn.ReLU(),
        nn.Conv2d(8, 4, 3), nn.BatchNorm2d(4, momentum=None), nn.Flatten())
    model = _Model(body)
    data = torch.randn(512, 3, 8, 8) * 0.5 + 0.2
    # momentum=None: running statistics = the cumulative average over the
    # batches seen, i.e. this data set's (up to n / (n - 1) on variances)
    model.train()
    with torch.no_grad():
        for _ in range(3):  # the second layer's input settles after one
            for m in body.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.reset_running_stats()
            body(data)
    model.eval()
    running = [m.running_mean.clone() for m in body.modules()
               if isinstance(m, nn.BatchNorm2d)]
    on_data = bn_statistics_gap(model, data.split(100))
    assert 0 <= on_data < 1e-3
    assert bn_statistics_gap(model, [data + 2]) > 0.5
    assert bn_statistics_gap(model, [torch.rand(512, 3, 8, 8) * 4]) > 0.5
    # measuring leaves the model as it was: no hooks, same statistics
    after = [m.running_mean for m in body.modules()
             if isinstance(m, nn.BatchNorm2d)]
    assert all(torch.equal(a, b) for a, b in zip(running, after))
    assert all(not m._forward_hooks for m in body.modules())


def test_gap_is_none_without_batchnorm_or_batches():
    assert bn_statistics_gap(_Model(nn.Linear(2, 2)), [torch.ones(3, 2)]) \
        is None
    assert bn_statistics_gap(_Model(nn.BatchNorm1d(2)).eval(), []) is None
