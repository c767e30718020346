# Copyright (c) mmdfkd contributors. All rights reserved.
import os.path as osp
from contextlib import contextmanager, nullcontext
from typing import Dict, Iterator, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.dist import get_rank
from mmengine.logging import MMLogger
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.runner import CheckpointLoader
from mmrazor.models.algorithms.base import BaseAlgorithm
from mmrazor.models.utils import add_prefix

from mmdfkd.compat import UnsafeCheckpointError
from mmdfkd.registry import MODELS
from mmdfkd.structures import ReplayMemory


def _unwrap(module: nn.Module) -> nn.Module:
    return module.module if is_model_wrapper(module) else module


@contextmanager
def _no_param_grads(module: nn.Module) -> Iterator[None]:
    """Let gradients flow *through* ``module`` but not into its
    parameters."""
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)


def load_teacher_checkpoint(teacher: nn.Module,
                            ckpt_path: str,
                            name: str = 'teacher',
                            hint: Optional[str] = None) -> None:
    """Load ``ckpt_path`` into ``teacher`` strictly, with errors that say
    what is wrong and how to fix it.

    ``teacher.init_weights()`` runs just before the weights are copied (as
    MMRazor does), so that the runner's later ``init_weights()`` leaves them
    alone.
    """
    where = f'model.teachers.{name}.ckpt_path'
    if not osp.isfile(ckpt_path):
        how = f' {hint}' if hint else ''
        raise FileNotFoundError(
            f'Teacher checkpoint not found: {ckpt_path}.{how} Or point the '
            f'run at an existing one with --cfg-options {where}=PATH.')
    try:
        checkpoint = CheckpointLoader.load_checkpoint(
            ckpt_path, map_location='cpu')
    except (FileNotFoundError, UnsafeCheckpointError):
        raise
    except Exception as err:
        raise ValueError(
            f'Teacher checkpoint {ckpt_path} cannot be read ({err}); it is '
            f'not a PyTorch checkpoint. Set {where} to a .pth file.') from err
    state = checkpoint.get('state_dict', checkpoint) if isinstance(
        checkpoint, dict) else None
    if not isinstance(state, dict) or not state or not all(
            isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(
            f'{ckpt_path} holds no state dict of tensors, so it is not a '
            f'model checkpoint. Set {where} to the .pth file saved by the '
            'teacher training.')
    state = {
        k[len('module.'):] if k.startswith('module.') else k: v
        for k, v in state.items()
    }
    expected = teacher.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    mismatched = [
        f'{k}: checkpoint {tuple(state[k].shape)} vs model '
        f'{tuple(v.shape)}' for k, v in expected.items()
        if k in state and state[k].shape != v.shape
    ]
    if missing or unexpected or mismatched:
        problems = []
        for label, keys in (('missing keys', missing),
                            ('unexpected keys', unexpected),
                            ('shape mismatches', mismatched)):
            if keys:
                problems.append(f'{len(keys)} {label} (e.g. '
                                f'{", ".join(keys[:3])})')
        raise ValueError(
            f'Teacher checkpoint {ckpt_path} does not fit the teacher built '
            f'from model.teachers.{name}.build_cfg: {"; ".join(problems)}. '
            'Make build_cfg the model config that trained this checkpoint '
            '(depth, num_classes, in_channels, ...), or use the checkpoint '
            'of this teacher.')
    teacher.init_weights()
    teacher.load_state_dict(state, strict=True)


@MODELS.register_module()
class ReplayDataFreeDistillation(BaseAlgorithm):
    """Data-free distillation with a replay memory and a BatchNorm-statistics
    constraint on the generator (Binici et al., WACV 2022).

    One ``train_step``:

    1. generator step: ``x = G(z)``; ``loss = -adv_weight * D(T(x), S(x))
       + L_BN(T, x) + priors(T(x))``; only the generator is updated (the
       student's parameters get no gradient at all);
    2. ``student_iter`` student steps: ``x = G(z)`` without gradient, a replay
       batch ``(x_m, T(x_m))`` from the memory; ``loss = D(T(x), S(x)) +
       replay_weight * D(T(x_m), S(x_m))``; only the student is updated;
    3. the memory step is done by ``mmdfkd.ReplayMemoryHook``, which pushes
       the last fresh batch and its teacher logits (see
       :meth:`pop_fresh_samples`). Without that hook there is no replay.

    It runs in one process (plain ``python tools/train.py``) and under
    ``MMSeparateDistributedDataParallel``. Latent vectors come from the
    algorithm's own random generator, saved with the model, so a resumed run
    continues exactly as an uninterrupted one would.

    Args:
        architecture (dict | BaseModel): The student.
        teachers (dict): ``{name: dict(build_cfg=..., ckpt_path=...,
            ckpt_hint=...)}`` with exactly one teacher, as in MMRazor's
            ``DataFreeDistillation``. ``ckpt_path`` None leaves the teacher
            randomly initialised (for tests); ``ckpt_hint`` is added to the
            missing-checkpoint error (e.g. the config that trains it).
        generator (dict): Config of the generator (e.g.
            ``mmdfkd.DFKDGenerator``). It must have ``latent_dim``.
        distill_loss (dict): Logit discrepancy D. Defaults to L1
            (``mmdfkd.LogitDiscrepancyLoss``).
        adv_weight (float): Weight of the adversarial term of the generator
            loss. Defaults to 1.0.
        bn_loss (dict, optional): BN-statistics loss on the teacher (e.g.
            ``mmdfkd.BNStatisticsLoss``); None disables it. Its
            ``loss_weight`` is the constraint's weight.
        prior_losses (dict, optional): ``{name: cfg}`` of extra generator
            losses on the teacher's output (DAFL's ``OnehotLikeLoss``,
            ``InformationEntropyLoss``, ``ActivationLoss``). Each cfg may
            carry ``input='logits'`` (default) or ``input='features'`` (the
            teacher's pre-logit features). Defaults to None.
        replay_weight (float): Weight of the replay term of the student
            loss. Defaults to 1.0.
        student_iter (int): Student steps per iteration. Defaults to 5.
        data_preprocessor (dict, optional): Defaults to the student's.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 architecture,
                 teachers: Dict[str, dict],
                 generator: dict,
                 distill_loss: dict = dict(
                     type='mmdfkd.LogitDiscrepancyLoss', mode='l1'),
                 adv_weight: float = 1.0,
                 bn_loss: Optional[dict] = dict(
                     type='mmdfkd.BNStatisticsLoss', loss_weight=1.0),
                 prior_losses: Optional[Dict[str, dict]] = None,
                 replay_weight: float = 1.0,
                 student_iter: int = 5,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(architecture, data_preprocessor, init_cfg)
        if student_iter < 1:
            raise ValueError('ReplayDataFreeDistillation: student_iter must '
                             f'be >= 1, got {student_iter}.')
        if not isinstance(teachers, dict) or len(teachers) != 1:
            raise ValueError(
                'ReplayDataFreeDistillation: teachers must be a dict with '
                'exactly one entry, e.g. teachers=dict(res34=dict('
                "build_cfg=..., ckpt_path='checkpoints/teacher.pth')).")
        self.student_iter = student_iter
        self.adv_weight = adv_weight
        self.replay_weight = replay_weight

        (self.teacher_name, teacher_cfg), = teachers.items()
        self.teachers = nn.ModuleDict(
            {self.teacher_name: MODELS.build(teacher_cfg['build_cfg'])})
        ckpt_path = teacher_cfg.get('ckpt_path')
        if ckpt_path is None:
            MMLogger.get_current_instance().warning(
                'ReplayDataFreeDistillation: no teacher ckpt_path, the '
                'teacher is randomly initialised.')
        else:
            load_teacher_checkpoint(self.teacher, ckpt_path,
                                    self.teacher_name,
                                    teacher_cfg.get('ckpt_hint'))
        self.teacher.eval()
        for param in self.teacher.parameters():
            param.requires_grad_(False)

        self.generator = MODELS.build(generator)
        if not hasattr(self.generator, 'latent_dim'):
            raise TypeError(f'The generator {type(self.generator).__name__} '
                            'has no latent_dim attribute.')
        self.distill_loss = MODELS.build(distill_loss)
        self.bn_loss = MODELS.build(bn_loss) if bn_loss else None
        if self.bn_loss is not None:
            self.bn_loss.attach(self.teacher)
        self.prior_losses = nn.ModuleDict()
        self.prior_inputs: Dict[str, str] = {}
        for name, cfg in (prior_losses or {}).items():
            cfg = dict(cfg)
            source = cfg.pop('input', 'logits')
            if source not in ('logits', 'features'):
                raise ValueError(f'prior_losses.{name}.input must be '
                                 f"'logits' or 'features', got {source!r}.")
            self.prior_losses[name] = MODELS.build(cfg)
            self.prior_inputs[name] = source

        self.memory: Optional[ReplayMemory] = None
        self.replay_batch_size: Optional[int] = None
        self.nonfinite_skips = 0
        self._fresh: Optional[Tuple[torch.Tensor, torch.Tensor]] = None
        self._latent_rng: Optional[torch.Generator] = None
        self._pending_rng_state: Optional[torch.Tensor] = None
        self._check_shapes()

    # ------------------------------------------------------------------
    @property
    def student(self) -> nn.Module:
        """Alias of ``architecture``."""
        return self.architecture

    @property
    def teacher(self) -> nn.Module:
        return self.teachers[self.teacher_name]

    def train(self, mode: bool = True) -> 'ReplayDataFreeDistillation':
        super().train(mode)
        self.teacher.eval()  # frozen: BN keeps its running statistics
        return self

    def attach_memory(self, memory: ReplayMemory,
                      replay_batch_size: Optional[int] = None) -> None:
        """Replay from ``memory`` in every student step (called by
        ``ReplayMemoryHook``)."""
        self.memory = memory
        self.replay_batch_size = replay_batch_size

    def pop_fresh_samples(
            self) -> Optional[Tuple[torch.Tensor, torch.Tensor]]:
        """The last student step's generated batch and its teacher logits,
        for the memory; None if no student step completed since the last
        call."""
        fresh, self._fresh = self._fresh, None
        return fresh

    # ------------------------------------------------------------------
    @torch.no_grad()
    def _check_shapes(self) -> None:
        """One dry forward, so that shape errors surface before training."""
        modes = [(m, m.training) for m in self.modules()]
        self.eval()
        generator = _unwrap(self.generator)
        try:
            images = generator(
                torch.zeros(2, generator.latent_dim), batch_size=2)
            try:
                t_logits = self.teacher(images, mode='tensor')
                s_logits = _unwrap(self.student)(images, mode='tensor')
            except Exception as err:
                raise ValueError(
                    'The generator makes images of shape '
                    f'{tuple(images.shape[1:])}, which the teacher or '
                    f'student cannot take ({err}). Set the generator\'s '
                    'img_size and out_channels to the input the teacher was '
                    'trained on.') from err
            if t_logits.shape != s_logits.shape:
                raise ValueError(
                    f'Teacher and student disagree on the number of classes: '
                    f'teacher logits {tuple(t_logits.shape[1:])}, student '
                    f'logits {tuple(s_logits.shape[1:])}. Set the student '
                    "head's num_classes to the teacher's.")
        finally:
            for module, training in modes:
                module.training = training

    # The latent stream's random state and the skip counter travel with the
    # model's state dict, as one uint8 tensor: mmengine broadcasts every
    # state-dict entry as a tensor under DDP.
    def get_extra_state(self) -> torch.Tensor:
        skips = torch.tensor([self.nonfinite_skips], dtype=torch.int64)
        if self._latent_rng is not None:
            rng = self._latent_rng.get_state()
        elif self._pending_rng_state is not None:
            rng = self._pending_rng_state
        else:
            rng = torch.empty(0, dtype=torch.uint8)
        return torch.cat([skips.view(torch.uint8), rng.cpu()])

    def set_extra_state(self, state: torch.Tensor) -> None:
        state = state.cpu()
        self.nonfinite_skips = int(state[:8].clone().view(torch.int64))
        self._pending_rng_state = state[8:].clone() if state.numel() > 8 \
            else None
        self._latent_rng = None

    def _sample_latent(self, num: int) -> torch.Tensor:
        generator = _unwrap(self.generator)
        device = next(generator.parameters()).device
        if self._latent_rng is None:
            self._latent_rng = torch.Generator(device=device)
            self._latent_rng.manual_seed(torch.initial_seed() + get_rank())
            if self._pending_rng_state is not None:
                try:
                    self._latent_rng.set_state(self._pending_rng_state)
                except RuntimeError:  # saved on another kind of device
                    MMLogger.get_current_instance().warning(
                        'The latent random state in the checkpoint is from '
                        'another device type; the latent stream restarts '
                        'from the run seed.')
                self._pending_rng_state = None
                if get_rank() > 0:
                    # every rank resumed rank 0's state: branch off
                    seed = int(torch.randint(
                        2**62, (1, ), generator=self._latent_rng,
                        device=device)) + get_rank()
                    self._latent_rng.manual_seed(seed)
        return torch.randn(
            num,
            generator.latent_dim,
            generator=self._latent_rng,
            device=device)

    def _teacher_forward(
            self, images: torch.Tensor,
            with_features: bool) -> Tuple[torch.Tensor, torch.Tensor]:
        if not with_features:
            return self.teacher(images, mode='tensor'), None
        feats = self.teacher.extract_feat(images)
        head = self.teacher.head
        return head(feats), head.pre_logits(feats)

    def _skip(self, what: str) -> Dict[str, float]:
        self.nonfinite_skips += 1
        MMLogger.get_current_instance().warning(
            f'Non-finite {what}: step skipped '
            f'({self.nonfinite_skips} so far).')
        return {}

    # ------------------------------------------------------------------
    def train_step(self, data: Dict[str, List],
                   optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        """One generator step, ``student_iter`` student steps.

        Args:
            data (dict): A batch of the data-free dataset; only its size is
                used.
            optim_wrapper (OptimWrapperDict): With ``generator`` and
                ``architecture`` wrappers, as built by MMRazor's
                ``SeparateOptimWrapperConstructor``.
        """
        batch_size = len(data['inputs'])
        log_vars = dict(
            add_prefix(
                self._generator_step(batch_size,
                                     optim_wrapper['generator']),
                'generator'))
        student_vars = {}
        for _ in range(self.student_iter):
            student_vars = self._student_step(batch_size,
                                              optim_wrapper['architecture'])
        log_vars.update(add_prefix(student_vars, 'student'))
        log_vars['nonfinite_skips'] = self.nonfinite_skips
        return log_vars

    def _generator_step(self, batch_size: int,
                        optim: OptimWrapper) -> Dict[str, torch.Tensor]:
        with_features = 'features' in self.prior_inputs.values()
        with optim.optim_context(self.generator):
            images = self.generator(self._sample_latent(batch_size))
            recording = self.bn_loss.record() if self.bn_loss else \
                nullcontext()
            with recording:
                t_logits, t_feats = self._teacher_forward(
                    images, with_features)
            if not torch.isfinite(t_logits).all():
                return self._skip('generator output')
            # The student is called unwrapped: no DDP gradient sync for it,
            # and its parameters get no gradient from the generator loss.
            with _no_param_grads(self.student):
                s_logits = _unwrap(self.student)(images, mode='tensor')
            losses = dict(
                loss_adv=-self.adv_weight *
                self.distill_loss(t_logits, s_logits))
            if self.bn_loss is not None:
                losses['loss_bn'] = self.bn_loss()
            for name, loss in self.prior_losses.items():
                source = t_feats if self.prior_inputs[name] == 'features' \
                    else t_logits
                losses[f'loss_{name}'] = loss(source)
        loss, log_vars = self.parse_losses(losses)
        if not torch.isfinite(loss):
            return self._skip('generator loss')
        optim.update_params(loss)
        return log_vars

    def _student_step(self, batch_size: int,
                      optim: OptimWrapper) -> Dict[str, torch.Tensor]:
        replay = self.memory is not None and len(self.memory) > 0
        with torch.no_grad():
            images = self.generator(self._sample_latent(batch_size))
            if replay:
                mem_images, mem_logits = self.memory.sample(
                    self.replay_batch_size or batch_size, images.device)
            if replay and mem_logits is None:
                # One teacher call for fresh and replayed samples.
                t_all = self.teacher(
                    torch.cat([images, mem_images]), mode='tensor')
                t_logits, mem_logits = t_all[:batch_size], t_all[batch_size:]
            else:
                t_logits = self.teacher(images, mode='tensor')
        if not torch.isfinite(t_logits).all():
            return self._skip('generator output')
        with optim.optim_context(self.student):
            inputs = torch.cat([images, mem_images]) if replay else images
            s_logits = self.student(inputs, mode='tensor')
            losses = dict(
                loss_fresh=self.distill_loss(t_logits,
                                             s_logits[:batch_size]))
            if replay:
                losses['loss_replay'] = self.replay_weight * \
                    self.distill_loss(mem_logits, s_logits[batch_size:])
        loss, log_vars = self.parse_losses(losses)
        optim.update_params(loss)
        self._fresh = (images, t_logits)
        return log_vars
