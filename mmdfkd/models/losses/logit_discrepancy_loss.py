# Copyright (c) mmdfkd contributors. All rights reserved.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmdfkd.registry import MODELS


@MODELS.register_module()
class LogitDiscrepancyLoss(nn.Module):
    """Discrepancy between teacher and student logits.

    The student minimises it; the generator maximises it.

    - ``'l1'``: mean absolute difference of the logits (DFAD);
    - ``'kl'``: ``KL(softmax(t / T) || softmax(s / T)) * T^2``, batch mean;
    - ``'js'``: Jensen-Shannon divergence of the tempered softmaxes,
      batch mean (bounded by log 2, so a generator cannot blow it up).

    Args:
        mode (str): ``'l1'``, ``'kl'`` or ``'js'``. Defaults to ``'l1'``.
        temperature (float): Softmax temperature for ``'kl'``/``'js'``.
            Defaults to 1.0.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
    """

    MODES = ('l1', 'kl', 'js')

    def __init__(self,
                 mode: str = 'l1',
                 temperature: float = 1.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if mode not in self.MODES:
            raise ValueError(f'LogitDiscrepancyLoss: unknown mode {mode!r}; '
                             f'use one of {self.MODES}.')
        if temperature <= 0:
            raise ValueError('LogitDiscrepancyLoss: temperature must be > 0, '
                             f'got {temperature}.')
        self.mode = mode
        self.temperature = temperature
        self.loss_weight = loss_weight

    def forward(self, teacher_logits: torch.Tensor,
                student_logits: torch.Tensor) -> torch.Tensor:
        if self.mode == 'l1':
            loss = F.l1_loss(student_logits, teacher_logits)
        else:
            t = self.temperature
            log_p = F.log_softmax(teacher_logits / t, dim=1)
            log_q = F.log_softmax(student_logits / t, dim=1)
            if self.mode == 'kl':
                loss = F.kl_div(
                    log_q, log_p, reduction='batchmean', log_target=True)
                loss = loss * t * t
            else:
                log_m = torch.logsumexp(
                    torch.stack([log_p, log_q]), dim=0) - math.log(2.0)
                loss = 0.5 * (
                    F.kl_div(
                        log_m, log_p, reduction='batchmean', log_target=True)
                    + F.kl_div(
                        log_m, log_q, reduction='batchmean', log_target=True))
        return self.loss_weight * loss
