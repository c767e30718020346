# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import Dict, Optional, Sequence, Tuple

import torch

_DTYPES = {
    'float16': torch.float16,
    'float32': torch.float32,
    'uint8': torch.uint8,
}


class ReplayMemory:
    """A bounded store of past synthetic samples, optionally with the frozen
    teacher's logits for each, so that replaying them needs no teacher
    forward.

    Insertion policies:

    - ``'reservoir'``: after ``n`` samples were offered, every one of them
      is in the memory with probability ``capacity / n`` (uniform over the
      whole history, Vitter's algorithm R);
    - ``'fifo'``: a ring that holds the newest ``capacity`` samples.

    Storage is allocated at the first ``push`` from the samples' shape. The
    memory draws from its own seeded random generator, whose state is part
    of ``state_dict()``, so a resumed run inserts and replays exactly what
    an uninterrupted one would.

    Args:
        capacity (int): Maximum number of samples held.
        policy (str): ``'reservoir'`` or ``'fifo'``. Defaults to
            ``'reservoir'``.
        dtype (str): Storage type of the samples: ``'float16'``,
            ``'float32'`` or ``'uint8'``. ``'uint8'`` quantises the
            de-normalised image to 0..255 and needs ``mean`` and ``std``.
            Logits are always kept in float32. Defaults to ``'float16'``.
        device (str | torch.device, optional): Where the storage lives;
            None puts it on the device of the first pushed samples.
        store_logits (bool): Keep the teacher logits passed to ``push``.
            Defaults to True.
        mean (sequence of float, optional): Per-channel mean that
            normalised the images (for ``'uint8'``).
        std (sequence of float, optional): Per-channel std (for
            ``'uint8'``).
        seed (int): Seed of the memory's random generator. Defaults to 0.
    """

    POLICIES = ('reservoir', 'fifo')
    DTYPES = tuple(_DTYPES)

    def __init__(self,
                 capacity: int,
                 policy: str = 'reservoir',
                 dtype: str = 'float16',
                 device=None,
                 store_logits: bool = True,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 seed: int = 0) -> None:
        if not isinstance(capacity, int) or capacity <= 0:
            raise ValueError(
                f'ReplayMemory: capacity must be a positive number of '
                f'samples, got {capacity!r}. Set e.g. capacity=1280.')
        if policy not in self.POLICIES:
            raise ValueError(f'ReplayMemory: unknown policy {policy!r}; use '
                             f'one of {self.POLICIES}.')
        if dtype not in _DTYPES:
            raise ValueError(f'ReplayMemory: unknown dtype {dtype!r}; use '
                             f'one of {tuple(_DTYPES)}.')
        if dtype == 'uint8' and (mean is None or std is None):
            raise ValueError(
                "ReplayMemory: dtype='uint8' needs the mean and std that "
                'normalised the images (the data preprocessor of the model '
                "has them), or use dtype='float16'.")
        self.capacity = capacity
        self.policy = policy
        self.dtype = dtype
        self.device = torch.device(device) if device is not None else None
        self.store_logits = store_logits
        self._mean = None if mean is None else torch.tensor(
            mean, dtype=torch.float32).view(1, -1, 1, 1)
        self._std = None if std is None else torch.tensor(
            std, dtype=torch.float32).view(1, -1, 1, 1)
        # insertion decisions are made on the host (they index a Python
        # dict); replay indices are drawn where the storage lives, so that
        # a GPU memory needs no host-to-device copy per student step
        self._rng = torch.Generator()
        self._rng.manual_seed(seed)
        self._sample_rng: Optional[torch.Generator] = None
        self._samples: Optional[torch.Tensor] = None
        self._logits: Optional[torch.Tensor] = None
        self._size = 0  # filled slots: always the first ``_size`` ones
        self._seen = 0  # samples offered so far
        self._next = 0  # FIFO write position

    def __len__(self) -> int:
        return self._size

    @property
    def num_seen(self) -> int:
        """Number of samples offered to the memory so far."""
        return self._seen

    @property
    def nbytes(self) -> int:
        """Bytes of storage allocated for samples and logits."""
        return sum(t.numel() * t.element_size()
                   for t in (self._samples, self._logits) if t is not None)

    # storage encoding -------------------------------------------------
    def _encode(self, samples: torch.Tensor) -> torch.Tensor:
        samples = samples.detach()
        if self.dtype != 'uint8':
            return samples.to(self.device, _DTYPES[self.dtype])
        pixels = samples.float() * self._std.to(
            samples.device) + self._mean.to(samples.device)
        return pixels.round_().clamp_(0, 255).to(self.device, torch.uint8)

    def _decode(self, stored: torch.Tensor) -> torch.Tensor:
        if self.dtype != 'uint8':
            return stored.float()
        return (stored.float() - self._mean.to(
            stored.device)) / self._std.to(stored.device)

    def _make_sample_rng(self, state: Optional[torch.Tensor] = None) -> None:
        """A generator on the storage's device (none on the CPU, where the
        host generator serves), seeded from the host one or given its
        saved state."""
        if self.device.type == 'cpu':
            return
        self._sample_rng = torch.Generator(device=self.device)
        if state is None:
            self._sample_rng.manual_seed(
                int(torch.randint(2**62, (1, ), generator=self._rng)))
        else:
            self._sample_rng.set_state(state.cpu())

    def _allocate(self, samples: torch.Tensor,
                  logits: Optional[torch.Tensor]) -> None:
        if self.device is None:
            self.device = samples.device
        self._make_sample_rng()
        self._samples = torch.empty((self.capacity, *samples.shape[1:]),
                                    dtype=_DTYPES[self.dtype],
                                    device=self.device)
        if self.store_logits and logits is not None:
            self._logits = torch.empty((self.capacity, *logits.shape[1:]),
                                       dtype=torch.float32,
                                       device=self.device)

    # insertion and replay ---------------------------------------------
    def _slots(self, num: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """Which of ``num`` offered samples go where (sample and slot
        indices; a slot appears once, holding the last sample written)."""
        if self.policy == 'fifo':
            keep = torch.arange(max(0, num - self.capacity), num)
            slots = (self._next + keep) % self.capacity
            return keep, slots
        # Algorithm R: the sample with 0-based stream position t fills slot
        # t while t < capacity, else replaces slot j ~ U{0..t} if j <
        # capacity.
        position = torch.arange(self._seen, self._seen + num)
        draw = (torch.rand(num, generator=self._rng, dtype=torch.float64) *
                (position + 1)).long()
        slots = torch.where(position < self.capacity, position, draw)
        last_writer = {}
        for index, slot in enumerate(slots.tolist()):
            if slot < self.capacity:
                last_writer[slot] = index
        keep = torch.tensor(list(last_writer.values()), dtype=torch.long)
        return keep, torch.tensor(list(last_writer), dtype=torch.long)

    @torch.no_grad()
    def push(self,
             samples: torch.Tensor,
             logits: Optional[torch.Tensor] = None) -> None:
        """Offer a batch of samples (and their teacher logits) to the
        memory."""
        num = samples.size(0)
        if num == 0:
            return
        if self._samples is None:
            self._allocate(samples, logits)
        if self._logits is not None and logits is None:
            raise ValueError('ReplayMemory stores logits: push them with '
                             'the samples.')
        keep, slots = self._slots(num)
        if keep.numel():
            slots = slots.to(self.device)
            keep_dev = keep.to(samples.device)
            self._samples[slots] = self._encode(samples[keep_dev])
            if self._logits is not None:
                self._logits[slots] = logits.detach()[keep_dev].to(
                    self.device, torch.float32)
        self._seen += num
        self._size = min(self.capacity, self._size + num)
        self._next = (self._next + num) % self.capacity

    @torch.no_grad()
    def sample(
        self,
        num: int,
        device=None
    ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Draw ``num`` stored samples uniformly with replacement.

        Returns:
            tuple: float32 samples on ``device`` (default: the storage's) and
            their stored logits, or None when logits are not stored.
        """
        if self._size == 0:
            raise RuntimeError('ReplayMemory.sample: the memory is empty.')
        rng = self._sample_rng or self._rng
        index = torch.randint(
            self._size, (num, ), generator=rng, device=rng.device)
        samples = self._decode(self._samples[index])
        logits = None if self._logits is None else self._logits[index]
        if device is not None:
            samples = samples.to(device, non_blocking=True)
            if logits is not None:
                logits = logits.to(device, non_blocking=True)
        return samples, logits

    @torch.no_grad()
    def peek(self, num: int) -> torch.Tensor:
        """The first ``num`` stored samples (float32), without touching the
        random state (for pictures and inspection)."""
        return self._decode(self._samples[:min(num, self._size)])

    # checkpointing ----------------------------------------------------
    def state_dict(self) -> Dict:
        """Contents, counters and random state; only tensors and Python
        scalars, so it loads with ``torch.load(weights_only=True)``."""
        size = self._size
        return dict(
            capacity=self.capacity,
            policy=self.policy,
            dtype=self.dtype,
            samples=None if self._samples is None else
            self._samples[:size].clone(),
            logits=None if self._logits is None else
            self._logits[:size].clone(),
            size=size,
            seen=self._seen,
            next=self._next,
            rng_state=self._rng.get_state(),
            sample_rng_state=None if self._sample_rng is None else
            self._sample_rng.get_state(),
        )

    def load_state_dict(self, state: Dict) -> None:
        for key in ('capacity', 'policy', 'dtype'):
            if state[key] != getattr(self, key):
                raise ValueError(
                    f'ReplayMemory: the checkpoint holds a memory with '
                    f'{key}={state[key]!r}, this run is configured with '
                    f'{key}={getattr(self, key)!r}. Resume with the '
                    'configuration of the saved run.')
        self._size = state['size']
        self._seen = state['seen']
        self._next = state['next']
        # mmengine maps a resumed checkpoint to the training device; random
        # states must be host tensors
        self._rng.set_state(state['rng_state'].cpu())
        self._samples = self._logits = self._sample_rng = None
        if state['samples'] is not None:
            stored = state['samples']
            if self.device is None:
                self.device = stored.device
            self._samples = torch.empty((self.capacity, *stored.shape[1:]),
                                        dtype=stored.dtype,
                                        device=self.device)
            self._samples[:self._size] = stored.to(self.device)
            self._make_sample_rng(state.get('sample_rng_state'))
        if state['logits'] is not None:
            stored = state['logits']
            self._logits = torch.empty((self.capacity, *stored.shape[1:]),
                                       dtype=stored.dtype,
                                       device=self.device)
            self._logits[:self._size] = stored.to(self.device)
