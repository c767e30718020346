# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import List, Optional

import torch
from mmengine.dist import get_rank
from mmengine.logging import MMLogger


class RandomStream:
    """An algorithm's own random stream (latent vectors, sampled labels),
    apart from the global one: a ``torch.Generator`` made on the model's
    device at the first draw, seeded with the run's seed plus the rank.

    Its state travels in the model's state dict through
    :func:`pack_extra_state` (one uint8 tensor, which mmengine broadcasts
    as any state-dict entry under DDP). Every rank resumes rank 0's saved
    state; ranks above 0 then branch off by their rank, so their streams
    differ again from the first draw.
    """

    def __init__(self) -> None:
        self._generator: Optional[torch.Generator] = None
        self._pending: Optional[torch.Tensor] = None

    def generator(self, device: torch.device) -> torch.Generator:
        if self._generator is not None:
            return self._generator
        self._generator = torch.Generator(device=device)
        self._generator.manual_seed(torch.initial_seed() + get_rank())
        if self._pending is not None:
            try:
                self._generator.set_state(self._pending)
            except RuntimeError:  # saved on another kind of device
                MMLogger.get_current_instance().warning(
                    'The random state in the checkpoint is from another '
                    'device type; the stream restarts from the run seed.')
            self._pending = None
            if get_rank() > 0:  # every rank resumed rank 0's state
                self._generator.manual_seed(
                    int(torch.randint(2**62, (1, ), generator=self._generator,
                                      device=device)) + get_rank())
        return self._generator

    def state(self) -> torch.Tensor:
        if self._generator is not None:
            return self._generator.get_state().cpu()
        if self._pending is not None:
            return self._pending
        return torch.empty(0, dtype=torch.uint8)

    def load(self, state: torch.Tensor) -> None:
        self._pending = state.clone() if state.numel() else None
        self._generator = None


def pack_extra_state(counters: List[int],
                     stream: RandomStream) -> torch.Tensor:
    """Integer counters and a random stream as one uint8 tensor (for a
    module's ``get_extra_state``)."""
    head = torch.tensor(counters, dtype=torch.int64).view(torch.uint8)
    return torch.cat([head, stream.state()])


def unpack_extra_state(state: torch.Tensor, num_counters: int,
                       stream: RandomStream) -> List[int]:
    """The counters of :func:`pack_extra_state`; loads the stream."""
    state = state.cpu()
    size = 8 * num_counters
    stream.load(state[size:])
    return state[:size].clone().view(torch.int64).tolist()
