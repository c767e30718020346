# Copyright (c) mmdfkd contributors. All rights reserved.
import pytest
import torch
import torch.nn.functional as F

from mmdfkd.models import LogitDiscrepancyLoss


def _logits():
    torch.manual_seed(0)
    return torch.randn(8, 5) * 3, torch.randn(8, 5) * 3  # student, teacher


def test_l1_is_mean_absolute_difference():
    s, t = _logits()
    loss = LogitDiscrepancyLoss('l1', loss_weight=2.0)
    assert loss(s, t).item() == pytest.approx(2 * (t - s).abs().mean().item())


def test_kl_is_teacher_to_student_with_temperature():
    s, t = _logits()
    p, q = F.softmax(t / 4, 1), F.softmax(s / 4, 1)  # teacher, student
    expected = (p * (p.log() - q.log())).sum(1).mean() * 16
    loss = LogitDiscrepancyLoss('kl', temperature=4)
    # called (student, teacher) as MMRazor's losses: KL(teacher || student)
    assert loss(s, t).item() == pytest.approx(expected.item(), rel=1e-5)
    assert loss(t, s).item() != pytest.approx(expected.item(), rel=1e-3)
    assert loss(t, t).item() == pytest.approx(0, abs=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match='unknown mode'):
        LogitDiscrepancyLoss('l2')
    with pytest.raises(ValueError, match='unknown mode'):
        LogitDiscrepancyLoss('js')  # Jensen-Shannon: mmdfkd.JSDivergence
    with pytest.raises(ValueError, match='temperature'):
        LogitDiscrepancyLoss('kl', temperature=0)
