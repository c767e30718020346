# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import Dict, Optional

import torch.nn as nn
from mmengine.logging import MMLogger
from mmrazor.models.algorithms.base import BaseAlgorithm
from mmrazor.models.utils import set_requires_grad

from mmdfkd.registry import MODELS

from ..utils import load_teacher_checkpoint


class SingleTeacherAlgorithm(BaseAlgorithm):
    """MMRazor's ``BaseAlgorithm`` (the student is ``architecture``) with one
    frozen teacher, given as MMRazor's data-free distillers take it:
    ``teachers=dict(NAME=dict(build_cfg=..., ckpt_path=..., ckpt_hint=...))``.
    ``ckpt_path`` None leaves the teacher randomly initialised (for tests);
    ``ckpt_hint`` is added to the missing-checkpoint error. A
    ``data_preprocessor`` dict without ``type`` is an
    ``mmpretrain.ClsDataPreprocessor``, as in mmpretrain's classifiers.

    The shared base of ours and Fast-DFKD; it builds nothing else.
    """

    def __init__(self,
                 architecture,
                 teachers: Dict[str, dict],
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if isinstance(data_preprocessor, dict):
            data_preprocessor = dict(data_preprocessor)
            data_preprocessor.setdefault('type',
                                         'mmpretrain.ClsDataPreprocessor')
        super().__init__(architecture, data_preprocessor, init_cfg)
        name = type(self).__name__
        if not isinstance(teachers, dict) or len(teachers) != 1:
            raise ValueError(
                f'{name}: teachers must be a dict with exactly one entry, '
                'e.g. teachers=dict(teacher=dict(build_cfg=..., '
                "ckpt_path='checkpoints/teacher.pth')).")
        (self.teacher_name, teacher_cfg), = teachers.items()
        self.teachers = nn.ModuleDict(
            {self.teacher_name: MODELS.build(teacher_cfg['build_cfg'])})
        if teacher_cfg.get('ckpt_path') is None:
            MMLogger.get_current_instance().warning(
                f'{name}: no teacher ckpt_path, the teacher is randomly '
                'initialised.')
        else:
            load_teacher_checkpoint(self.teacher, teacher_cfg['ckpt_path'],
                                    self.teacher_name,
                                    teacher_cfg.get('ckpt_hint'))
        self.teacher.eval()
        set_requires_grad(self.teacher, False)

    @property
    def student(self) -> nn.Module:
        """Alias of ``architecture``."""
        return self.architecture

    @property
    def teacher(self) -> nn.Module:
        return self.teachers[self.teacher_name]

    def train(self, mode: bool = True) -> 'SingleTeacherAlgorithm':
        super().train(mode)
        self.teacher.eval()  # frozen: BN keeps its running statistics
        return self
