# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import Callable, Dict

import torch
import torch.nn as nn

from .bn_stats import bn_statistics_gap


@torch.no_grad()
def holdout_metrics(student: nn.Module,
                    teacher: nn.Module,
                    samples: torch.Tensor,
                    teacher_logits: torch.Tensor,
                    distill_loss: Callable,
                    batch_size: int = 256) -> Dict[str, float]:
    """The health signal on held-out synthetic samples, which needs no real
    data:

    - ``datafree/agreement``: % of samples where the student's top-1 class
      is the teacher's, and ``datafree/discrepancy``: the distillation loss,
      mean over the set. They rank the checkpoints of one working run, but
      stay high when the generator has left the real data (the student then
      agrees with the teacher on images that teach nothing about real
      ones);
    - ``datafree/bn_gap``: how far the samples are from the teacher's
      training data as its BatchNorm layers see it
      (:func:`bn_statistics_gap`, 0 = same statistics). It tells a working
      run from such a failed one.

    The student is evaluated in eval mode and given back in its mode.
    """
    batches = samples.split(batch_size)
    was_training = student.training
    student.eval()
    agree, loss, total = 0, 0, len(samples)
    try:
        for x, t in zip(batches, teacher_logits.split(batch_size)):
            t = t.to(x.device)
            s = student(x, mode='tensor')
            # summed on the device, read once at the end
            agree = agree + (s.argmax(1) == t.argmax(1)).sum()
            loss = loss + distill_loss(s, t) * len(x)
    finally:
        student.train(was_training)
    metrics = {
        'datafree/agreement': 100.0 * float(agree) / total,
        'datafree/discrepancy': float(loss) / total,
    }
    gap = bn_statistics_gap(teacher, batches)
    if gap is not None:
        metrics['datafree/bn_gap'] = gap
    return metrics
