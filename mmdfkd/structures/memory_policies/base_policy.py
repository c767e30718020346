# Copyright (c) mmdfkd contributors. All rights reserved.
from abc import ABCMeta, abstractmethod
from typing import Optional, Tuple

import torch


class BaseMemoryPolicy(metaclass=ABCMeta):
    """Decides which offered samples a :class:`~mmdfkd.structures.
    ReplayMemory` keeps, and in which slots.

    A policy is stateless: the memory passes it the counters and the random
    generator it needs, and saves those with its own state, so that a
    resumed run decides exactly as an uninterrupted one. To add a policy,
    subclass this in one new file and register it with
    ``@TASK_UTILS.register_module()`` from ``mmdfkd.registry``; configs then
    name it in ``model.memory.policy``. A policy that sets
    ``needs_labels = True`` is also given the teacher's top-1 class of each
    offered and each stored sample (the memory must store logits).
    """

    needs_labels = False

    @abstractmethod
    def select(self,
               num: int,
               num_seen: int,
               capacity: int,
               generator: torch.Generator,
               labels: Optional[torch.Tensor] = None,
               stored_labels: Optional[torch.Tensor] = None
               ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Choose where ``num`` newly offered samples go.

        Args:
            num (int): Number of samples offered now.
            num_seen (int): Samples offered before these.
            capacity (int): Slots of the memory.
            generator (torch.Generator): The memory's host random generator;
                the only source of randomness a policy may use.
            labels (torch.Tensor, optional): With ``needs_labels``: the
                teacher's top-1 class of each offered sample (host int64).
            stored_labels (torch.Tensor, optional): With ``needs_labels``:
                that of each filled slot, in slot order.

        Returns:
            tuple: ``(keep, slots)``, two int64 host tensors of equal length:
            offered sample ``keep[i]`` is written to slot ``slots[i]``. A
            slot appears at most once. While the memory is not full, slots
            must fill it from 0 up, with no gap (the memory holds its
            samples in its first slots).
        """
