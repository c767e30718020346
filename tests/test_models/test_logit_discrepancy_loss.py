# Copyright (c) mmdfkd contributors. All rights reserved.
import math

import pytest
import torch
import torch.nn.functional as F

from mmdfkd.models import LogitDiscrepancyLoss


def _logits():
    torch.manual_seed(0)
    return torch.randn(8, 5) * 3, torch.randn(8, 5) * 3


def test_l1_is_mean_absolute_difference():
    t, s = _logits()
    loss = LogitDiscrepancyLoss('l1', loss_weight=2.0)
    assert loss(t, s).item() == pytest.approx(2 * (t - s).abs().mean().item())


def test_kl_with_temperature():
    t, s = _logits()
    p, q = F.softmax(t / 4, 1), F.softmax(s / 4, 1)
    expected = (p * (p.log() - q.log())).sum(1).mean() * 16
    loss = LogitDiscrepancyLoss('kl', temperature=4)
    assert loss(t, s).item() == pytest.approx(expected.item(), rel=1e-5)
    assert loss(t, t).item() == pytest.approx(0, abs=1e-6)


def test_js_is_symmetric_bounded_and_matches_definition():
    t, s = _logits()
    p, q = F.softmax(t / 3, 1), F.softmax(s / 3, 1)
    m = (p + q) / 2
    expected = 0.5 * ((p * (p / m).log()).sum(1) +
                      (q * (q / m).log()).sum(1)).mean()
    loss = LogitDiscrepancyLoss('js', temperature=3)
    assert loss(t, s).item() == pytest.approx(expected.item(), rel=1e-5)
    assert loss(t, s).item() == pytest.approx(loss(s, t).item(), rel=1e-6)
    far = torch.tensor([[100., 0.]]), torch.tensor([[0., 100.]])
    assert loss(*far).item() <= math.log(2) + 1e-6


def test_bad_arguments():
    with pytest.raises(ValueError, match='unknown mode'):
        LogitDiscrepancyLoss('l2')
    with pytest.raises(ValueError, match='temperature'):
        LogitDiscrepancyLoss('kl', temperature=0)
