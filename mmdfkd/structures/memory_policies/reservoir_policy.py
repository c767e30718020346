# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import Tuple

import torch

from mmdfkd.registry import TASK_UTILS

from .base_policy import BaseMemoryPolicy


@TASK_UTILS.register_module()
class ReservoirPolicy(BaseMemoryPolicy):
    """Uniform over the whole history (Vitter's algorithm R): after ``n``
    samples were offered, each of them is in the memory with probability
    ``capacity / n``.

    The sample at 0-based stream position ``t`` fills slot ``t`` while
    ``t < capacity``; later it replaces slot ``j ~ U{0..t}`` if
    ``j < capacity``.
    """

    def select(self, num: int, num_seen: int, capacity: int,
               generator: torch.Generator, **kwargs
               ) -> Tuple[torch.Tensor, torch.Tensor]:
        position = torch.arange(num_seen, num_seen + num)
        draw = (torch.rand(num, generator=generator, dtype=torch.float64) *
                (position + 1)).long()
        slots = torch.where(position < capacity, position, draw)
        # within one batch, a slot drawn twice holds the later sample
        last_writer = {}
        for index, slot in enumerate(slots.tolist()):
            if slot < capacity:
                last_writer[slot] = index
        return (torch.tensor(list(last_writer.values()), dtype=torch.long),
                torch.tensor(list(last_writer), dtype=torch.long))
