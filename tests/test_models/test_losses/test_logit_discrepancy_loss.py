# Copyright (c) mmdfkd contributors. All rights reserved.
import pytest
import torch
import torch.nn.functional as F

from mmdfkd.models import JSDivergence, LogitDiscrepancyLoss


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


@pytest.mark.parametrize('ours,theirs', [
    (dict(mode='l1'), dict(type='L1Loss')),
    (dict(mode='kl', temperature=20.0),
     dict(type='KLDivergence', tau=20.0, teacher_detach=False)),
])
def test_equals_mmrazors_loss_in_value_and_in_both_gradients(ours, theirs):
    """What MMRazor's own loss gives (the one a user may plug in instead),
    the teacher's gradient included: the generator's adversarial term
    needs it, and MMRazor's KLDivergence keeps it only with
    teacher_detach=False."""
    from mmrazor.registry import MODELS as RAZOR
    results = []
    for loss in (LogitDiscrepancyLoss(**ours), RAZOR.build(theirs)):
        s, t = (x.requires_grad_() for x in _logits())
        value = loss(s, t)
        value.backward()
        results.append((value.detach(), s.grad, t.grad))
    (v1, gs1, gt1), (v2, gs2, gt2) = results
    assert torch.allclose(v1, v2, rtol=1e-5)
    assert torch.allclose(gs1, gs2, atol=1e-6)
    assert torch.allclose(gt1, gt2, atol=1e-6) and gt1.abs().sum() > 0


@pytest.mark.parametrize('loss', [
    LogitDiscrepancyLoss('kl', temperature=20.0),
    LogitDiscrepancyLoss('kl', temperature=1.0),
    JSDivergence(temperature=3.0),
], ids=['kl-T20', 'kl-T1', 'js-T3'])
def test_divergences_are_float32_under_bfloat16_autocast(loss):
    """Under CPU bfloat16 autocast the logits come out of the last linear
    layer in bfloat16; the divergence of a near-converged student at T=20
    is smaller than bfloat16's rounding of the log-probabilities, so it is
    computed in float32 from those very logits (in bfloat16 it went
    negative and its gradient pointed elsewhere)."""
    torch.manual_seed(0)
    teacher = torch.randn(64, 10) * 4
    student = teacher + torch.randn(64, 10) * 0.1  # close, as late in a run
    teacher, student = teacher.bfloat16(), student.bfloat16()
    exact_s = student.float().requires_grad_()
    exact = loss(exact_s, teacher.float())
    exact.backward()
    s = student.clone().requires_grad_()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        value = loss(s, teacher)
    value.backward()
    assert value.dtype == torch.float32 and value.item() > 0
    assert value.item() == pytest.approx(exact.item(), rel=1e-4)
    # the gradient reaches the bfloat16 logits rounded once, nothing more
    torch.testing.assert_close(s.grad.float(), exact_s.grad,
                               rtol=0.02, atol=exact_s.grad.abs().max() / 50)
