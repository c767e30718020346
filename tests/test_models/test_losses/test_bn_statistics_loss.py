# Copyright (c) mmdfkd contributors. All rights reserved.
import pytest
import torch
import torch.nn as nn

from mmdfkd.models import BNStatisticsLoss


def _model():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 5, 1),
        nn.BatchNorm2d(5), nn.Flatten(), nn.Linear(5 * 6 * 6, 6),
        nn.BatchNorm1d(6))
    for bn in (model[1], model[4], model[7]):
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
    return model.eval()


def _inputs_of_bns(model, x):
    inputs = []
    handles = [
        m.register_forward_hook(lambda m, a, o: inputs.append(a[0]))
        for m in model.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm)
    ]
    model(x)
    for h in handles:
        h.remove()
    return inputs


def test_zero_when_batch_statistics_equal_running_ones():
    model = _model()
    x = torch.randn(16, 3, 8, 8)
    # in eval mode a layer's running statistics change the input of the
    # layers after it, so set them in order, one forward each
    with torch.no_grad():
        for k, bn in enumerate([model[1], model[4], model[7]]):
            inp = _inputs_of_bns(model, x)[k]
            dims = [0] + list(range(2, inp.dim()))
            bn.running_mean.copy_(inp.mean(dims))
            bn.running_var.copy_(inp.var(dims, unbiased=False))
    for norm in ('l2', 'mse'):
        loss = BNStatisticsLoss(norm=norm)
        loss.attach(model)
        with loss.record():
            model(x)
        assert loss().item() == pytest.approx(0, abs=1e-5)


@pytest.mark.parametrize('norm', ['l2', 'mse'])
def test_matches_direct_computation(norm):
    model = _model()
    x = torch.randn(16, 3, 8, 8)
    terms = []
    for bn, inp in zip([model[1], model[4], model[7]],
                       _inputs_of_bns(model, x)):
        dims = [0] + list(range(2, inp.dim()))
        mean, var = inp.mean(dims), inp.var(dims, unbiased=False)
        if norm == 'l2':
            terms.append(
                torch.linalg.norm(bn.running_var - var) +
                torch.linalg.norm(bn.running_mean - mean))
        else:
            terms.append(((bn.running_var - var)**2).mean() +
                         ((bn.running_mean - mean)**2).mean())
    expected = 10 * terms[0] + terms[1] + terms[2]
    if norm == 'mse':
        expected = expected / 3
    loss = BNStatisticsLoss(loss_weight=0.5, norm=norm, first_bn_weight=10)
    loss.attach(model)
    assert loss.num_layers == 3
    with loss.record():
        model(x)
    assert loss().item() == pytest.approx(0.5 * expected.item(), rel=1e-5)


def test_gradient_reaches_input_and_hooks_are_removed():
    model = _model()
    loss = BNStatisticsLoss()
    loss.attach(model)
    x = torch.randn(4, 3, 8, 8, requires_grad=True)
    with loss.record():
        model(x)
    loss().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    model(x)  # outside record(): nothing is collected
    with pytest.raises(RuntimeError, match='no statistics recorded'):
        loss()


def test_model_without_batchnorm_is_a_configuration_error():
    with pytest.raises(ValueError, match='no BatchNorm'):
        BNStatisticsLoss().attach(nn.Sequential(nn.Linear(3, 3)))
    with pytest.raises(ValueError, match='unknown norm'):
        BNStatisticsLoss(norm='l3')


def test_statistics_are_float32_under_bfloat16_autocast():
    model = _model()
    x = torch.randn(8, 3, 8, 8)
    loss = BNStatisticsLoss()
    loss.attach(model)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        inputs = _inputs_of_bns(model, x)  # what the layers see: bfloat16
        with loss.record():
            model(x)
    value = loss()
    assert inputs[0].dtype == torch.bfloat16 and value.dtype == torch.float32
    # the statistics of those very inputs, computed in float32: bfloat16
    # statistics would be off by their rounding (about 1e-3)
    expected = 0
    for bn, inp in zip((model[1], model[4], model[7]), inputs):
        inp = inp.float()
        dims = [0] + list(range(2, inp.dim()))
        var, mean = torch.var_mean(inp, dim=dims, unbiased=False)
        expected = expected + torch.norm(bn.running_var - var) + \
            torch.norm(bn.running_mean - mean)
    assert torch.allclose(value, expected, rtol=1e-6)


def test_layers_without_running_statistics_are_left_out():
    model = _model()
    model[4] = nn.BatchNorm2d(5, track_running_stats=False)
    loss = BNStatisticsLoss()
    loss.attach(model)
    assert loss.num_layers == 2
    x = torch.randn(4, 3, 8, 8)
    with loss.record():
        model(x)
    value = loss()
    inputs = _inputs_of_bns(model, x)
    expected = 0
    for bn, inp in ((model[1], inputs[0]), (model[7], inputs[2])):
        dims = [0] + list(range(2, inp.dim()))
        var, mean = torch.var_mean(inp, dim=dims, unbiased=False)
        expected = expected + torch.norm(bn.running_var - var) + \
            torch.norm(bn.running_mean - mean)
    assert torch.allclose(value, expected, rtol=1e-5)
