# Copyright (c) mmdfkd contributors. All rights reserved.
"""mmdfkd.apis.export_student in process: what it refuses, and a student
taken out of an MMRazor baseline's checkpoint (the end-to-end export of
ours, checked in a process without mmdfkd, is in tests/test_tools.py)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpretrain.apis import init_model

from mmdfkd.apis import export_student
from mmdfkd.registry import MODELS
from mmdfkd.testing import REPO, save_state_dict
from mmdfkd.utils.errors import ConfigError

DFAD = osp.join(REPO, 'tests/data/tiny_mmrazor_dfad_fmnist.py')


def _dfad_config(tmp_path):
    """MMRazor loads its teacher when it builds: a random one is saved."""
    cfg = Config.fromfile(DFAD)
    teacher = cfg.model.teachers.teacher
    teacher.ckpt_path = save_state_dict(
        MODELS.build(teacher.build_cfg), str(tmp_path / 'teacher.pth'))
    return cfg


def test_exports_the_student_of_an_mmrazor_baseline(tmp_path):
    cfg = _dfad_config(tmp_path)
    torch.manual_seed(0)
    # as mmengine's Runner builds it: with the config's data preprocessor
    algorithm = MODELS.build(
        dict(cfg.model, data_preprocessor=cfg.data_preprocessor))
    algorithm.init_weights()
    algorithm.eval()
    ckpt = save_state_dict(algorithm, str(tmp_path / 'iter_4.pth'))
    weights, config = export_student(cfg, ckpt, str(tmp_path / 'student'))

    student = init_model(config, weights, device='cpu')
    assert set(student.state_dict()) == set(
        algorithm.architecture.state_dict())
    for name, value in student.state_dict().items():
        assert torch.equal(value, algorithm.architecture.state_dict()[name])
    # raw pixels: the exported data preprocessor normalises as the
    # distiller's did
    batch = list(torch.randint(0, 256, (3, 1, 28, 28), dtype=torch.uint8))
    with torch.no_grad():
        expected = [s.pred_score for s in algorithm.test_step(
            dict(inputs=batch))]
        scores = [s.pred_score for s in student.test_step(
            dict(inputs=batch))]
    for got, want in zip(scores, expected):
        assert torch.allclose(got, want, atol=1e-6)
    assert student.data_preprocessor.mean.flatten().tolist() == \
        pytest.approx(cfg.data_preprocessor.mean)


def test_refuses_a_checkpoint_without_student_weights(tmp_path):
    cfg = _dfad_config(tmp_path)
    teacher_only = str(tmp_path / 'teacher_only.pth')
    torch.save(dict(state_dict={'backbone.conv1.weight': torch.zeros(1)}),
               teacher_only)
    with pytest.raises(ConfigError, match="no student weights.*"
                       "'architecture.'.*distillation run"):
        export_student(cfg, teacher_only, str(tmp_path / 'out'))
    assert not osp.exists(tmp_path / 'out')  # nothing written


def test_refuses_a_student_from_another_codebase(tmp_path):
    cfg = _dfad_config(tmp_path)
    cfg.model.architecture._scope_ = 'mmdet'
    ckpt = str(tmp_path / 'iter_4.pth')
    torch.save(dict(state_dict={'architecture.w': torch.zeros(1)}), ckpt)
    with pytest.raises(ConfigError, match='mmdet model; only mmpretrain'):
        export_student(cfg, ckpt, str(tmp_path / 'out'))
