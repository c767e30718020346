# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import Dict, List, Tuple

import torch
from mmrazor.models.algorithms import (
    DataFreeDistillation as MMRazorDataFreeDistillation,
)

from mmdfkd.registry import MODELS

from ..utils import no_param_grads


@MODELS.register_module()
class DataFreeDistillation(MMRazorDataFreeDistillation):
    """MMRazor's ``DataFreeDistillation`` (DFAD, ZSKT) with its generator
    step kept out of the student's gradients.

    MMRazor's ``train_generator`` runs the student on the generated batch
    with the student's parameters still requiring gradients, so
    ``optim_wrapper['generator'].update_params(-D(S, T))`` also writes
    ``-dD/dtheta_S`` into every student ``.grad``. The generator's optimizer
    steps and zeroes only the generator, and mmengine's ``OptimWrapper``
    zeroes gradients *after* its step, not before, so that reversed
    gradient stays in the student and is added to the next student update
    (the first of the ``student_iter`` steps). The papers' loops (DFAD,
    ZSKT) zero the student's gradients before each student step, so the
    generator's gradient never reaches the student there. Measured on the
    benchmark's Fashion-MNIST setup (``tools/benchmark.py``): with MMRazor's
    class every one of the student's parameters holds a non-zero gradient
    after ``train_step``.

    This class runs MMRazor's generator step unchanged with the student's
    parameters frozen (gradients still flow *through* the student into the
    generator, as in the papers). Everything else is MMRazor's. Use it as
    ``model.type='mmdfkd.DataFreeDistillation'`` with MMRazor's arguments.
    """

    def train_generator(
        self, data: Dict[str, List[dict]], optimizer
    ) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        with no_param_grads(self.student):
            return super().train_generator(data, optimizer)
