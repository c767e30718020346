# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import Tuple

import torch

from mmdfkd.registry import TASK_UTILS

from .base_policy import BaseMemoryPolicy


@TASK_UTILS.register_module()
class FIFOPolicy(BaseMemoryPolicy):
    """A ring that holds the newest ``capacity`` samples (the paper's
    re-implementation keeps the last 10 batches this way)."""

    def select(self, num: int, num_seen: int, capacity: int,
               generator: torch.Generator, **kwargs
               ) -> Tuple[torch.Tensor, torch.Tensor]:
        keep = torch.arange(max(0, num - capacity), num)
        return keep, (num_seen + keep) % capacity
