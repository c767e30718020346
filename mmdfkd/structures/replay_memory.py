# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.dist import get_rank

from mmdfkd.registry import MODELS, TASK_UTILS, TRANSFORMS
from mmdfkd.utils.errors import ConfigError

from .memory_policies import BaseMemoryPolicy

_DTYPES = {
    'float16': torch.float16,
    'float32': torch.float32,
    'uint8': torch.uint8,
}
# what the model's state dict holds of a memory, under ``<prefix>memory.``
_STATE_KEYS = ('counters', 'samples', 'logits', 'rng_state',
               'sample_rng_state')
# and, for a uint8 memory, each stored sample's per-channel offset and step
_RANGES_KEY = 'ranges'


@MODELS.register_module()
class ReplayMemory(nn.Module):
    """A bounded store of past synthetic samples, with the frozen teacher's
    logits for each (so that replaying them needs no teacher forward).

    A data-free distiller builds it from ``model.memory``, offers it each
    iteration's fresh samples through :meth:`update` and draws replay
    batches with :meth:`sample`. It is a sub-module of the distiller
    without parameters or buffers: its contents, counters and random states
    travel in the model's state dict (keys ``memory.counters``,
    ``memory.samples``, ``memory.logits``, ``memory.rng_state``,
    ``memory.sample_rng_state``, and ``memory.ranges`` for a uint8
    memory), so every checkpoint holds it and
    ``--resume`` restores it bit for bit.

    Distributed training: every rank keeps its own memory, fed with its own
    samples (the seed is offset by the rank); nothing is broadcast or
    synchronised. Checkpoints are written by rank 0 and so hold rank 0's
    memory; on resume every rank restores that memory and ranks above 0
    then re-seed their random generators from it plus their rank, so their
    memories diverge again from the first push.

    Args:
        capacity (int): Maximum number of samples held (per rank).
        policy (dict | BaseMemoryPolicy): Which offered samples are kept,
            a registered policy: ``dict(type='mmdfkd.ReservoirPolicy')``
            (uniform over the whole history),
            ``dict(type='mmdfkd.FIFOPolicy')`` (the newest samples) or
            ``dict(type='mmdfkd.ClassBalancedPolicy')`` (an equal share per
            teacher class). Defaults to FIFO, the policy the replay study
            chose (``benchmarks/fmnist/README.md``).
        push_per_iter (int, optional): How many of an iteration's fresh
            samples are offered; None offers the whole batch. Defaults to
            None.
        push_interval (int): Offer samples every ``push_interval``
            iterations. Defaults to 1.
        replay_batch_size (int, optional): Samples replayed per student
            step; None replays as many as the fresh batch. Defaults to None.
        dtype (str): Storage type of the samples: ``'float16'``,
            ``'float32'`` or ``'uint8'``. ``'uint8'`` quantises each
            sample's channels to 256 levels between their own minimum and
            maximum (two float32 per channel kept beside them), so a
            generator's values outside the data's pixel range survive and
            the stored teacher logits still fit the replayed sample.
            Logits are kept in float32. Defaults to ``'float16'``.
        device (str, optional): Where the storage lives; None puts it on
            the device of the first pushed samples (the training device).
            Defaults to None.
        store_logits (bool): Keep the teacher logits passed with the
            samples. Defaults to True.
        augments (list[dict], optional): Registered batch transforms
            (``mmdfkd.BatchRandomCrop``, ``mmdfkd.BatchRandomFlip``)
            applied, in order, to every replayed batch, drawn from the
            memory's own random generator (so seeded and resumed with it).
            An augmented batch has no valid cached logits: :meth:`sample`
            then returns None for them and the distiller has the teacher
            label the augmented batch. None replays samples as stored, with
            their cached logits. Defaults to None.
        seed (int): Seed of the memory's random generator; the rank is
            added to it. Defaults to 0.
        config_key (str): Where the config sets this memory, named in its
            error messages. Defaults to 'model.memory'.
    """

    DTYPES = tuple(_DTYPES)

    def __init__(self,
                 capacity: int,
                 policy: Union[dict, BaseMemoryPolicy] = dict(
                     type='mmdfkd.FIFOPolicy'),
                 push_per_iter: Optional[int] = None,
                 push_interval: int = 1,
                 replay_batch_size: Optional[int] = None,
                 dtype: str = 'float16',
                 device: Optional[str] = None,
                 store_logits: bool = True,
                 augments: Optional[List[dict]] = None,
                 seed: int = 0,
                 config_key: str = 'model.memory') -> None:
        super().__init__()
        where = self.config_key = config_key
        if not isinstance(capacity, int) or capacity <= 0:
            raise ValueError(
                f'{where}.capacity must be a positive number of samples, got '
                f'{capacity!r}. Set e.g. capacity=1280, or model.memory=None '
                'to train without replay.')
        if isinstance(policy, dict):
            policy = TASK_UTILS.build(policy)
        if not isinstance(policy, BaseMemoryPolicy):
            raise TypeError(
                f'{where}.policy must build a BaseMemoryPolicy, e.g. '
                "dict(type='mmdfkd.ReservoirPolicy') or "
                "dict(type='mmdfkd.FIFOPolicy'); got "
                f'{type(policy).__name__}.')
        if push_per_iter is not None and (not isinstance(push_per_iter, int)
                                          or push_per_iter <= 0):
            raise ValueError(f'{where}.push_per_iter must be a positive '
                             f'integer or None, got {push_per_iter!r}.')
        if not isinstance(push_interval, int) or push_interval <= 0:
            raise ValueError(f'{where}.push_interval must be a positive '
                             f'integer, got {push_interval!r}.')
        if replay_batch_size is not None and not (
                isinstance(replay_batch_size, int)
                and 0 < replay_batch_size <= capacity):
            raise ValueError(
                f'{where}.replay_batch_size={replay_batch_size!r} must be in '
                f'1..capacity ({capacity}); lower it or raise capacity.')
        if dtype not in _DTYPES:
            raise ValueError(f'{where}.dtype: unknown dtype {dtype!r}; use '
                             f'one of {self.DTYPES}.')
        self.capacity = capacity
        self.policy = policy
        self.push_per_iter = push_per_iter
        self.push_interval = push_interval
        self.replay_batch_size = replay_batch_size
        self.dtype = dtype
        self.device = torch.device(device) if device is not None else None
        self.store_logits = store_logits
        self.augments = [
            TRANSFORMS.build(cfg) if isinstance(cfg, dict) else cfg
            for cfg in (augments or [])
        ]
        # Insertion decisions are made on the host (policies index Python
        # containers); replay indices are drawn where the storage lives, so
        # that a GPU memory needs no host-to-device copy per student step.
        self._rng = torch.Generator()
        self._rng.manual_seed(seed + get_rank())
        self._sample_rng: Optional[torch.Generator] = None
        self._samples: Optional[torch.Tensor] = None
        self._logits: Optional[torch.Tensor] = None
        # uint8 only: per sample and channel, the offset and the step
        self._ranges: Optional[torch.Tensor] = None
        self._size = 0  # filled slots: always the first ``_size`` ones
        self._seen = 0  # samples offered so far
        self._updates = 0  # calls of update(), for push_interval

    def extra_repr(self) -> str:
        return (f'capacity={self.capacity}, '
                f'policy={type(self.policy).__name__}, dtype={self.dtype}, '
                f'size={self._size}, augments={self.augments}')

    def __len__(self) -> int:
        return self._size

    @property
    def num_seen(self) -> int:
        """Number of samples offered to the memory so far."""
        return self._seen

    @property
    def num_updates(self) -> int:
        """Calls of :meth:`update` so far (training iterations that fed the
        memory); restored on resume."""
        return self._updates

    @property
    def nbytes(self) -> int:
        """Bytes of storage allocated for samples and logits."""
        return sum(t.numel() * t.element_size()
                   for t in (self._samples, self._logits, self._ranges)
                   if t is not None)

    def replay_size(self, fresh_batch_size: int) -> int:
        """Samples to replay next to a fresh batch of the given size."""
        return self.replay_batch_size or fresh_batch_size

    # storage encoding -------------------------------------------------
    def _encode(
        self, samples: torch.Tensor
    ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Stored form of ``samples``, and for uint8 their per-channel
        (offset, step) pairs."""
        samples = samples.detach()
        if self.dtype != 'uint8':
            return samples.to(self.device, _DTYPES[self.dtype]), None
        # Each sample's channel spans its own 256 levels. Quantising to the
        # data's pixel range instead would clip what the generator puts
        # outside it (a quarter of the values of a BN-output generator on
        # Fashion-MNIST) and change the teacher's class on a quarter of the
        # replayed samples, whose stored logits were computed before.
        flat = samples.float().flatten(2)
        low = flat.amin(dim=2)
        step = (flat.amax(dim=2) - low).clamp_min_(1e-12) / 255
        codes = ((flat - low.unsqueeze(2)) / step.unsqueeze(2)).round_()
        codes = codes.clamp_(0, 255).to(torch.uint8).view_as(samples)
        return codes.to(self.device), torch.stack(
            (low, step), dim=2).to(self.device)

    def _read(self, index) -> torch.Tensor:
        """The stored samples at ``index`` (a tensor or a slice), as
        float32."""
        stored = self._samples[index].float()
        if self._ranges is None:
            return stored
        ranges = self._ranges[index]
        shape = (*ranges.shape[:2], *[1] * (stored.dim() - 2))
        return stored * ranges[..., 1].view(shape) + ranges[..., 0].view(shape)

    def _make_sample_rng(self, state: Optional[torch.Tensor] = None) -> None:
        """A generator on the storage's device (none on the CPU, where the
        host generator serves), seeded from the host one or given its
        saved state."""
        self._sample_rng = None
        if self.device.type == 'cpu':
            return
        self._sample_rng = torch.Generator(device=self.device)
        if state is None or state.numel() == 0:
            self._sample_rng.manual_seed(
                int(torch.randint(2**62, (1, ), generator=self._rng)))
        else:
            self._sample_rng.set_state(state.cpu())

    def _allocate(self, sample_shape, logit_shape, sample_dtype) -> None:
        if sample_dtype == torch.uint8 and len(sample_shape) < 2:
            raise ValueError(
                'ReplayMemory(dtype=\'uint8\') stores samples of shape '
                f'(N, C, ...), got per-sample shape {tuple(sample_shape)}; '
                "use dtype='float16'.")
        self._samples = torch.empty((self.capacity, *sample_shape),
                                    dtype=sample_dtype,
                                    device=self.device)
        self._ranges = None if sample_dtype != torch.uint8 else torch.empty(
            (self.capacity, sample_shape[0], 2),
            dtype=torch.float32,
            device=self.device)
        self._logits = None if logit_shape is None else torch.empty(
            (self.capacity, *logit_shape),
            dtype=torch.float32,
            device=self.device)

    # insertion and replay ---------------------------------------------
    @torch.no_grad()
    def update(self,
               samples: torch.Tensor,
               logits: Optional[torch.Tensor] = None) -> None:
        """Called by the distiller once per training iteration with that
        iteration's fresh samples: offers ``push_per_iter`` of them every
        ``push_interval`` calls."""
        self._updates += 1
        if (self._updates - 1) % self.push_interval:
            return
        if self.push_per_iter is not None:
            samples = samples[:self.push_per_iter]
            logits = None if logits is None else logits[:self.push_per_iter]
        self.push(samples, logits)

    @torch.no_grad()
    def push(self,
             samples: torch.Tensor,
             logits: Optional[torch.Tensor] = None) -> None:
        """Offer a batch of samples (and their teacher logits) to the
        memory; the policy decides which are kept."""
        num = samples.size(0)
        if num == 0:
            return
        if self._samples is None:
            if self.device is None:
                self.device = samples.device
            self._make_sample_rng()
            keep_logits = self.store_logits and logits is not None
            self._allocate(samples.shape[1:],
                           logits.shape[1:] if keep_logits else None,
                           _DTYPES[self.dtype])
        if self._logits is not None and logits is None:
            raise ValueError('ReplayMemory stores logits: push them with '
                             'the samples.')
        labels = {}
        if self.policy.needs_labels:
            if logits is None or self._logits is None:
                raise ValueError(
                    f'model.memory.policy={type(self.policy).__name__} '
                    'needs the teacher logits of the samples: keep '
                    'model.memory.store_logits=True.')
            labels = dict(
                labels=logits.argmax(1).cpu(),
                stored_labels=self._logits[:self._size].argmax(1).cpu())
        keep, slots = self.policy.select(num, self._seen, self.capacity,
                                         self._rng, **labels)
        if keep.numel():
            self._size = max(self._size, int(slots.max()) + 1)
            slots = slots.to(self.device)
            keep_dev = keep.to(samples.device)
            codes, ranges = self._encode(samples[keep_dev])
            self._samples[slots] = codes
            if ranges is not None:
                self._ranges[slots] = ranges
            if self._logits is not None:
                self._logits[slots] = logits.detach()[keep_dev].to(
                    self.device, torch.float32)
        self._seen += num

    @torch.no_grad()
    def sample(
        self,
        num: int,
        device=None
    ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Draw ``num`` stored samples uniformly with replacement, augmented
        by ``augments``. Its cost does not depend on the capacity: ``num``
        indices drawn, ``num`` samples read.

        Returns:
            tuple: float32 samples on ``device`` (default: the storage's) and
            their stored logits, or None when logits are not stored or the
            samples were augmented.
        """
        if self._size == 0:
            raise RuntimeError('ReplayMemory.sample: the memory is empty.')
        rng = self._sample_rng or self._rng
        index = torch.randint(
            self._size, (num, ), generator=rng, device=rng.device)
        samples = self._read(index)
        logits = None if self._logits is None else self._logits[index]
        for augment in self.augments:
            samples = augment(samples, rng)
        if self.augments:
            logits = None
        if device is not None:
            samples = samples.to(device, non_blocking=True)
            if logits is not None:
                logits = logits.to(device, non_blocking=True)
        return samples, logits

    @torch.no_grad()
    def contents(self) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Every stored sample (float32) and its logits (or None), without
        touching the random state."""
        if self._samples is None:
            return torch.empty(0), None
        logits = None if self._logits is None else \
            self._logits[:self._size]
        return self._read(slice(self._size)), logits

    @torch.no_grad()
    def peek(self, num: int) -> torch.Tensor:
        """The first ``num`` stored samples (float32), without touching the
        random state (for pictures and inspection)."""
        if self._samples is None:
            return torch.empty(0)
        return self._read(slice(min(num, self._size)))

    @staticmethod
    def saved_size(state_dict: dict, prefix: str) -> Optional[int]:
        """How many samples the memory saved under ``prefix`` in
        ``state_dict`` holds (None: no memory there)."""
        counters = state_dict.get(prefix + 'counters')
        return None if counters is None else int(counters[1])

    # checkpointing: tensors only, so that checkpoints load with
    # torch.load(weights_only=True) ------------------------------------
    def _save_to_state_dict(self, destination, prefix, keep_vars) -> None:
        size = self._size
        empty = torch.empty(0)
        destination[prefix + 'counters'] = torch.tensor(
            [self.capacity, size, self._seen, self._updates],
            dtype=torch.int64)
        destination[prefix + 'samples'] = empty.to(
            _DTYPES[self.dtype]) if self._samples is None else \
            self._samples[:size].clone()
        destination[prefix + 'logits'] = empty if self._logits is None \
            else self._logits[:size].clone()
        destination[prefix + 'rng_state'] = self._rng.get_state()
        destination[prefix + 'sample_rng_state'] = empty.to(
            torch.uint8) if self._sample_rng is None else \
            self._sample_rng.get_state()
        if self.dtype == 'uint8':
            destination[prefix + _RANGES_KEY] = empty if \
                self._ranges is None else self._ranges[:size].clone()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata,
                              strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        keys = [prefix + k for k in _STATE_KEYS]
        absent = [k for k in keys if k not in state_dict]
        if absent:
            missing_keys.extend(absent)
            return
        state = {k: state_dict[prefix + k] for k in _STATE_KEYS}
        capacity, size, seen, updates = state['counters'].tolist()
        samples = state['samples']
        if capacity != self.capacity:
            raise ConfigError(
                f'The checkpoint holds a replay memory of capacity '
                f'{capacity}, this run is configured with '
                f'{self.config_key}.capacity={self.capacity}. Resume with '
                'the configuration of the saved run.')
        if size and samples.dtype != _DTYPES[self.dtype]:
            raise ConfigError(
                f'The checkpoint holds a replay memory stored as '
                f'{samples.dtype}, this run is configured with '
                f'{self.config_key}.dtype={self.dtype!r}. Resume with the '
                'configuration of the saved run.')
        ranges = state_dict.get(prefix + _RANGES_KEY)
        if size and self.dtype == 'uint8' and ranges is None:
            missing_keys.append(prefix + _RANGES_KEY)
            return
        self._size, self._seen, self._updates = size, seen, updates
        # mmengine maps a resumed checkpoint to the training device; random
        # states must be host tensors
        self._rng.set_state(state['rng_state'].cpu())
        self._samples = self._logits = self._ranges = None
        self._sample_rng = None
        if size:
            if self.device is None:
                self.device = samples.device
            logits = state['logits']
            self._allocate(samples.shape[1:],
                           logits.shape[1:] if logits.numel() else None,
                           samples.dtype)
            self._samples[:size] = samples.to(self.device)
            if self._logits is not None:
                self._logits[:size] = logits.to(self.device)
            if self._ranges is not None:
                self._ranges[:size] = ranges.to(self.device)
            self._make_sample_rng(state['sample_rng_state'])
        if get_rank() > 0:
            # every rank restored rank 0's memory: branch off
            self._rng.manual_seed(
                int(torch.randint(2**62, (1, ), generator=self._rng)) +
                get_rank())
            if self._sample_rng is not None:
                self._make_sample_rng()
