# Copyright (c) mmdfkd contributors. All rights reserved.
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmdfkd.registry import MODELS


@MODELS.register_module()
class LogitDiscrepancyLoss(nn.Module):
    """Discrepancy between student and teacher logits, called as MMRazor's
    distillation losses are: ``loss(preds_S, preds_T)``.

    The student minimises it; the generator maximises it.

    - ``'l1'``: mean absolute difference of the logits (DFAD);
    - ``'kl'``: ``KL(softmax(t / T) || softmax(s / T)) * T^2``, batch mean.

    For Jensen-Shannon use ``mmdfkd.JSDivergence``. MMRazor's ``L1Loss`` and
    ``KLDivergence(teacher_detach=False)`` give the same values and
    gradients (tested) and plug in as ``distill_loss`` unchanged; this one
    stays as the single name whose ``mode`` the studies switch by
    cfg-options, and it never detaches the teacher, whose gradient the
    generator's adversarial term needs (MMRazor's ``KLDivergence`` drops it
    by default).

    Args:
        mode (str): ``'l1'`` or ``'kl'``. Defaults to ``'l1'``.
        temperature (float): Softmax temperature for ``'kl'``. Defaults to
            1.0.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
    """

    MODES = ('l1', 'kl')

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

    def forward(self, preds_S: torch.Tensor,
                preds_T: torch.Tensor) -> torch.Tensor:
        """
        Args:
            preds_S (torch.Tensor): Student logits, ``(N, C)``.
            preds_T (torch.Tensor): Teacher logits, ``(N, C)``.
        """
        if self.mode == 'l1':
            loss = F.l1_loss(preds_S, preds_T)
        else:
            # in float32 under bfloat16 autocast too: CPU autocast leaves
            # log_softmax in bfloat16, whose 8-bit mantissa rounds the
            # log-probabilities (about -2.3 for 10 classes) by up to 0.008,
            # as much as a near-converged student's divergence at T=20
            # (the loss went negative, the gradient pointed elsewhere)
            t = self.temperature
            loss = F.kl_div(
                F.log_softmax(preds_S.float() / t, dim=1),
                F.log_softmax(preds_T.float() / t, dim=1),
                reduction='batchmean',
                log_target=True) * t * t
        return self.loss_weight * loss
