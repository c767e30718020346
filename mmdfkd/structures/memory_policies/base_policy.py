# Copyright (c) mmdfkd contributors. All rights reserved.
from abc import ABCMeta, abstractmethod
from typing import Tuple

import torch


class BaseMemoryPolicy(metaclass=ABCMeta):
    """Decides which offered samples a :class:`~mmdfkd.structures.
    ReplayMemory` keeps, and in which slots.

    A policy is stateless: the memory passes it the counters and the random
    generator it needs, and saves those with its own state, so that a
    resumed run decides exactly as an uninterrupted one. To add a policy,
    subclass this in one new file and register it with
    ``@TASK_UTILS.register_module()`` from ``mmdfkd.registry``; configs then
    name it in ``model.memory.policy``.
    """

    @abstractmethod
    def select(self, num: int, num_seen: int, capacity: int,
               generator: torch.Generator
               ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Choose where ``num`` newly offered samples go.

        Args:
            num (int): Number of samples offered now.
            num_seen (int): Samples offered before these.
            capacity (int): Slots of the memory.
            generator (torch.Generator): The memory's host random generator;
                the only source of randomness a policy may use.

        Returns:
            tuple: ``(keep, slots)``, two int64 host tensors of equal length:
            offered sample ``keep[i]`` is written to slot ``slots[i]``. A
            slot appears at most once. While the memory is not full, slots
            must fill it from 0 up, with no gap (the memory holds its
            samples in its first slots).
        """
