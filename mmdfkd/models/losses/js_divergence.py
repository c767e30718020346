# Copyright (c) mmdfkd contributors. All rights reserved.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmdfkd.registry import MODELS


@MODELS.register_module()
class JSDivergence(nn.Module):
    """Jensen-Shannon divergence between the tempered softmaxes of student
    and teacher logits, batch mean; called ``loss(preds_S, preds_T)`` as
    MMRazor's losses.

    Bounded by ``log 2``, so a generator that maximises it cannot blow it
    up (the authors' follow-up code uses it with ``temperature=3``).

    Args:
        temperature (float): Softmax temperature. Defaults to 1.0.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 temperature: float = 1.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError('JSDivergence: temperature must be > 0, got '
                             f'{temperature}.')
        self.temperature = temperature
        self.loss_weight = loss_weight

    def forward(self, preds_S: torch.Tensor,
                preds_T: torch.Tensor) -> torch.Tensor:
        # in float32 under bfloat16 autocast too (see
        # LogitDiscrepancyLoss: bfloat16 log-probabilities are coarser than
        # the divergence of close softmaxes)
        t = self.temperature
        log_p = F.log_softmax(preds_T.float() / t, dim=1)
        log_q = F.log_softmax(preds_S.float() / t, dim=1)
        log_m = torch.logsumexp(torch.stack([log_p, log_q]), dim=0) - \
            math.log(2.0)
        loss = 0.5 * (
            F.kl_div(log_m, log_p, reduction='batchmean', log_target=True) +
            F.kl_div(log_m, log_q, reduction='batchmean', log_target=True))
        return self.loss_weight * loss
