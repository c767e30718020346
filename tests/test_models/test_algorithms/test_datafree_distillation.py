# Copyright (c) mmdfkd contributors. All rights reserved.
"""mmdfkd.DataFreeDistillation: MMRazor's DFAD/ZSKT algorithm whose
generator step leaves no gradient in the student."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmpretrain.structures import DataSample

import mmdfkd  # noqa: F401
from mmdfkd.registry import MODELS
from mmdfkd.testing import tiny_classifier

CONFIGS = {
    algo: f'configs/baselines/{algo}/{algo}_logits_resnet18w16_resnet18w8_'
    'fmnist.py'
    for algo in ('dfad', 'zskt')
}


def _build(method, algorithm_type):
    cfg = Config.fromfile(CONFIGS[method])
    model = copy.deepcopy(cfg.model)
    model.type = algorithm_type
    model.architecture = tiny_classifier(1, 10, width=4)
    # depth 18 teacher: the ZSKT recorders name its blocks layerX.1
    model.teachers = dict(
        teacher=dict(build_cfg=tiny_classifier(1, 10, width=8)))
    model.generator.generator.update(latent_dim=8, hidden_channels=4)
    model.student_iter = 2
    algorithm = MODELS.build(model)
    algorithm.init_weights()
    return algorithm, build_optim_wrapper(algorithm, cfg.optim_wrapper)


def _data(n=4):
    return dict(inputs=[torch.zeros(1, 28, 28)] * n,
                data_samples=[DataSample().set_gt_label(0) for _ in range(n)])


def _student_grads(algorithm):
    return [p.grad for p in algorithm.student.parameters()
            if p.grad is not None and p.grad.abs().sum() > 0]


def _stale_gradient_at_each_student_update(algorithm, optim, iters=2):
    """For every student update of ``iters`` train steps: did the student
    already hold a gradient before the update's own backward?"""
    wrapper, stale = optim['architecture'], []
    backward = wrapper.backward

    def recording_backward(loss, **kwargs):
        stale.append(bool(_student_grads(algorithm)))
        return backward(loss, **kwargs)

    wrapper.backward = recording_backward
    algorithm.train()
    for _ in range(iters):
        log_vars = algorithm.train_step(_data(), optim)
    return stale, log_vars


@pytest.mark.parametrize('method', list(CONFIGS))
def test_generator_step_leaves_no_gradient_in_the_student(method):
    torch.manual_seed(0)
    algorithm, optim = _build(method, 'mmdfkd.DataFreeDistillation')
    generator_before = [
        p.detach().clone() for p in algorithm.generator.parameters()]
    stale, log_vars = _stale_gradient_at_each_student_update(algorithm, optim)
    assert stale == [False] * 4  # 2 iterations x 2 student steps
    # the generator still learns through the (frozen) student
    assert any(not torch.equal(a, b) for a, b in zip(
        generator_before, algorithm.generator.parameters()))
    assert any(k.startswith('generator.') for k in log_vars)
    assert all(p.requires_grad for p in algorithm.student.parameters())


@pytest.mark.parametrize('method,expected', [
    ('dfad', [False, False, True, False]),
    ('zskt', [True, False, True, False]),
])
def test_mmrazor_class_adds_the_generator_gradient_to_a_student_update(
        method, expected):
    """The bug the subclass fixes, in the MMRazor version we pin: the
    generator's reversed gradient is still in the student at its next
    update: the first update of the next iteration for DFAD (student
    first), of the same iteration for ZSKT (generator first)."""
    torch.manual_seed(0)
    algorithm, optim = _build(method, 'mmrazor.DataFreeDistillation')
    stale, _ = _stale_gradient_at_each_student_update(algorithm, optim)
    assert stale == expected
