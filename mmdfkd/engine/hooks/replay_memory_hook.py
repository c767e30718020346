# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import Optional

from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmdfkd.registry import HOOKS
from mmdfkd.structures import ReplayMemory


@HOOKS.register_module()
class ReplayMemoryHook(Hook):
    """Owns the replay memory of a data-free distiller.

    It builds a :class:`~mmdfkd.structures.ReplayMemory`, attaches it to the
    algorithm before training (``algorithm.attach_memory``), pushes part of
    each iteration's freshly generated samples (with their teacher logits)
    into it, saves it into every checkpoint and restores it on ``--resume``,
    and logs its fill level and size.

    Without this hook the distiller trains on fresh samples only.

    Under DDP every rank holds its own memory of ``capacity`` samples, fed
    with its own generated samples (the memory's seed is offset by the rank),
    so the job as a whole remembers up to ``world_size * capacity`` samples.
    Checkpoints are written by rank 0 and hold rank 0's memory, which every
    rank restores on resume.

    Args:
        capacity (int): Samples held (per rank). Defaults to 1280 (10
            batches of 128, as the paper's re-implementation).
        policy (str): ``'reservoir'`` (uniform over the whole history) or
            ``'fifo'`` (newest samples). Defaults to ``'reservoir'``.
        push_per_iter (int, optional): How many of an iteration's fresh
            samples go in; None pushes the whole batch. Defaults to 32.
        push_interval (int): Push every ``push_interval`` iterations.
            Defaults to 1.
        replay_batch_size (int, optional): Samples replayed per student
            step; None replays as many as the fresh batch. Must not exceed
            ``capacity``. Defaults to None.
        dtype (str): Storage type: ``'float16'``, ``'float32'`` or
            ``'uint8'``. Defaults to ``'float16'``.
        device (str, optional): ``'cpu'`` keeps the memory in host memory;
            None keeps it on the training device. Defaults to None.
        store_logits (bool): Keep the frozen teacher's logits with each
            sample, so replay costs no teacher forward. Defaults to True.
        seed (int): Seed of the memory's random generator (plus the rank).
            Defaults to 0.
    """

    priority = 'NORMAL'

    def __init__(self,
                 capacity: int = 1280,
                 policy: str = 'reservoir',
                 push_per_iter: Optional[int] = 32,
                 push_interval: int = 1,
                 replay_batch_size: Optional[int] = None,
                 dtype: str = 'float16',
                 device: Optional[str] = None,
                 store_logits: bool = True,
                 seed: int = 0) -> None:
        if not isinstance(capacity, int) or capacity <= 0:
            raise ValueError(
                f'ReplayMemoryHook: capacity must be a positive number of '
                f'samples, got {capacity!r}. Set e.g. capacity=1280, or '
                'remove the hook to train without a memory.')
        if replay_batch_size is not None and not 0 < replay_batch_size <= \
                capacity:
            raise ValueError(
                f'ReplayMemoryHook: replay_batch_size={replay_batch_size} '
                f'must be in 1..capacity ({capacity}); lower it or raise '
                'capacity.')
        if push_per_iter is not None and push_per_iter <= 0:
            raise ValueError('ReplayMemoryHook: push_per_iter must be '
                             f'positive or None, got {push_per_iter}.')
        if push_interval <= 0:
            raise ValueError('ReplayMemoryHook: push_interval must be '
                             f'positive, got {push_interval}.')
        if policy not in ReplayMemory.POLICIES:
            raise ValueError(f'ReplayMemoryHook: unknown policy {policy!r}; '
                             f'use one of {ReplayMemory.POLICIES}.')
        if dtype not in ReplayMemory.DTYPES:
            raise ValueError(f'ReplayMemoryHook: unknown dtype {dtype!r}; '
                             f'use one of {ReplayMemory.DTYPES}.')
        self.memory_cfg = dict(
            capacity=capacity,
            policy=policy,
            dtype=dtype,
            device=device,
            store_logits=store_logits)
        self.seed = seed
        self.push_per_iter = push_per_iter
        self.push_interval = push_interval
        self.replay_batch_size = replay_batch_size
        self.memory: Optional[ReplayMemory] = None

    @staticmethod
    def _algorithm(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def before_run(self, runner) -> None:
        algorithm = self._algorithm(runner)
        if not hasattr(algorithm, 'attach_memory'):
            raise TypeError(
                f'ReplayMemoryHook needs a distiller with attach_memory() '
                f'(e.g. mmdfkd.ReplayDataFreeDistillation), but the model is '
                f'{type(algorithm).__name__}. Remove the hook from '
                'custom_hooks for this model.')
        cfg = dict(self.memory_cfg)
        if cfg['dtype'] == 'uint8':
            preprocessor = algorithm.data_preprocessor
            mean = getattr(preprocessor, 'mean', None)
            std = getattr(preprocessor, 'std', None)
            if mean is None or std is None:
                raise ValueError(
                    "ReplayMemoryHook: dtype='uint8' needs the model's data "
                    'preprocessor to normalise with mean and std; use '
                    "dtype='float16' otherwise.")
            cfg.update(mean=mean.flatten().tolist(),
                       std=std.flatten().tolist())
        self.memory = ReplayMemory(**cfg, seed=self.seed + get_rank())
        algorithm.attach_memory(self.memory, self.replay_batch_size)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        algorithm = self._algorithm(runner)
        fresh = algorithm.pop_fresh_samples()
        if fresh is not None and self.every_n_train_iters(
                runner, self.push_interval):
            samples, logits = fresh
            samples = samples[:self.push_per_iter]
            logits = logits[:self.push_per_iter]
            self.memory.push(samples, logits)
        hub = runner.message_hub
        hub.update_scalar('train/memory_size', len(self.memory))
        hub.update_scalar('train/memory_MB', self.memory.nbytes / 2**20)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['replay_memory'] = self.memory.state_dict()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if 'replay_memory' in checkpoint:
            self.memory.load_state_dict(checkpoint['replay_memory'])
        else:
            runner.logger.warning(
                'The checkpoint has no replay memory (it was saved without '
                'ReplayMemoryHook); the memory starts empty.')
