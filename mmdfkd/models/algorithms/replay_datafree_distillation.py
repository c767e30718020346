# Copyright (c) mmdfkd contributors. All rights reserved.
from contextlib import nullcontext
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmrazor.models.utils import add_prefix

from mmdfkd.registry import MODELS
from mmdfkd.structures import ReplayMemory

from ..utils import (
    NonFiniteGuard,
    RandomStream,
    backup_buffers,
    holdout_metrics,
    module_device,
    no_param_grads,
    pack_extra_state,
    restore_buffers,
    unpack_extra_state,
    unwrap_model,
)
from .single_teacher_algorithm import SingleTeacherAlgorithm


@MODELS.register_module()
class ReplayDataFreeDistillation(SingleTeacherAlgorithm):
    """Data-free distillation with a replay memory and a BatchNorm-statistics
    constraint on the generator (Binici et al., WACV 2022).

    One ``train_step``:

    1. generator step: ``x = G(z)``; ``loss = -adv_weight * D'(T(x), S(x))
       + L_BN(T, x) + priors(T(x))``; only the generator is updated (the
       student's parameters get no gradient at all); ``D'`` is
       ``adv_loss``, or ``D`` when it is None;
    2. ``student_iter`` student steps: ``x = G(z)`` without gradient, a replay
       batch ``(x_m, T(x_m))`` from the memory; ``loss = D(T(x), S(x)) +
       replay_weight * D(T(x_m), S(x_m))``; only the student is updated;
    3. memory step: the last student step's fresh batch and its teacher
       logits are offered to the memory (``model.memory``), whose policy
       decides what it keeps.

    It runs in one process (plain ``python tools/train.py``) and under
    ``MMSeparateDistributedDataParallel``. Latent vectors come from the
    algorithm's own random generator; it, the memory and the skip counter
    are part of the model's state dict, so a resumed run continues exactly
    as an uninterrupted one would.

    A step whose generated images, teacher logits or loss are not finite is
    skipped (counted in ``nonfinite_skips``, with a warning), so that one bad
    batch cannot poison the weights or BatchNorm statistics; when every step
    of ``max_skipped_iters`` consecutive iterations was skipped, training
    has diverged and the run stops with an error.

    Args:
        architecture (dict | BaseModel): The student.
        teachers (dict): ``{name: dict(build_cfg=..., ckpt_path=...,
            ckpt_hint=...)}`` with exactly one teacher, as in MMRazor's
            ``DataFreeDistillation``. ``ckpt_path`` None leaves the teacher
            randomly initialised (for tests). ``ckpt_hint`` is added to the
            missing-checkpoint error (e.g. the config that trains it).
        generator (dict): Config of the generator (e.g.
            ``mmdfkd.DFKDGenerator``). It must have ``latent_dim``.
        distill_loss (dict): Logit discrepancy D, called
            ``D(preds_S, preds_T)`` as MMRazor's losses (so
            ``mmrazor.L1Loss`` or ``mmrazor.KLDivergence`` plug in). Defaults
            to L1 (``mmdfkd.LogitDiscrepancyLoss``).
        adv_weight (float): Weight of the adversarial term of the generator
            loss. Defaults to 1.0.
        adv_loss (dict, optional): The discrepancy the generator maximises,
            called ``D(preds_S, preds_T)`` as ``distill_loss``; None uses
            ``distill_loss`` for both. Set it to keep the generator's term
            bounded when the student's is scaled, e.g. a student trained
            with KL at temperature 20 and a generator that maximises
            ``mmdfkd.JSDivergence`` at temperature 3 (the peers' split). It
            should measure what the student learns to match: L1 against a
            KL student, which leaves the logits' shift free, grew from
            -1.2 to -334 in one benchmark run (made while bfloat16 still
            rounded the KL). Defaults to None.
        bn_loss (dict, optional): BN-statistics loss on the teacher (e.g.
            ``mmdfkd.BNStatisticsLoss``); None disables it. Its
            ``loss_weight`` is the constraint's weight.
        prior_losses (dict, optional): ``{name: cfg}`` of extra generator
            losses on the teacher's output (DAFL's ``OnehotLikeLoss``,
            ``InformationEntropyLoss``, ``ActivationLoss``). Each cfg may
            carry ``input='logits'`` (default) or ``input='features'`` (the
            teacher's pre-logit features). Defaults to None. Not a
            ``ConfigurableDistiller``: the terms read the logits and
            features of the generator step's one teacher forward directly,
            where a distiller would wrap that same forward in recorder
            contexts and loss mappings for the same values; MMRazor's
            losses are called on them unchanged.
        memory (dict, optional): The replay memory
            (``mmdfkd.ReplayMemory``: capacity, policy, push_per_iter,
            push_interval, replay_batch_size, dtype, device, store_logits,
            seed); None trains without replay. Defaults to None.
        holdout (dict, optional): A second ``mmdfkd.ReplayMemory`` that
            keeps samples of the *generator* steps (which the student never
            trains on) with their teacher logits: the held-out set of
            :meth:`datafree_metrics`, the health signal that needs no real
            data. None disables it. Defaults to None.
        replay_weight (float): Weight of the replay term of the student
            loss. Defaults to 1.0.
        replay_share (float, optional): The student's schedule: None
            trains each student step on a fresh batch of the data loader's
            batch size plus ``memory.replay_batch_size`` replayed samples,
            and offers the last student step's fresh batch to the memory.
            A share in (0, 1] keeps the batch size and draws that share of
            it from the memory (1: every student step trains on the memory
            alone, as the pool-based peers do, and needs no generator
            forward); the memory is then fed with the generator step's
            samples. Defaults to None.
        warmup_iters (int): The first iterations in which the generator
            steps only fill the memory and the student does not train
            (counted by the memory, so resumed with it). Needs ``memory``.
            Defaults to 0.
        student_iter (int): Student steps per iteration. Defaults to 5.
        max_skipped_iters (int): Stop the run when every step of this many
            consecutive iterations was skipped for non-finite values.
            Defaults to 10.
        data_preprocessor (dict, optional): Defaults to the student's; a
            dict without ``type`` is an ``mmpretrain.ClsDataPreprocessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 architecture,
                 teachers: Dict[str, dict],
                 generator: dict,
                 distill_loss: dict = dict(
                     type='mmdfkd.LogitDiscrepancyLoss', mode='l1'),
                 adv_weight: float = 1.0,
                 adv_loss: Optional[dict] = None,
                 bn_loss: Optional[dict] = dict(
                     type='mmdfkd.BNStatisticsLoss', loss_weight=1.0),
                 prior_losses: Optional[Dict[str, dict]] = None,
                 memory: Optional[dict] = None,
                 holdout: Optional[dict] = None,
                 replay_weight: float = 1.0,
                 replay_share: Optional[float] = None,
                 warmup_iters: int = 0,
                 student_iter: int = 5,
                 max_skipped_iters: int = 10,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(architecture, teachers, data_preprocessor, init_cfg)
        if student_iter < 1:
            raise ValueError('ReplayDataFreeDistillation: student_iter must '
                             f'be >= 1, got {student_iter}.')
        if replay_share is not None and not 0 < replay_share <= 1:
            raise ValueError('model.replay_share must be in (0, 1] or None, '
                             f'got {replay_share!r}.')
        if warmup_iters and memory is None:
            raise ValueError('model.warmup_iters fills the replay memory: '
                             'set model.memory, or warmup_iters=0.')
        if replay_share is not None and holdout is not None and \
                holdout.get('push_per_iter') is None:
            raise ValueError(
                'With model.replay_share set, the memory and the hold-out '
                'both take generator-step samples: set '
                'model.holdout.push_per_iter (the hold-out takes that many, '
                'the memory the rest).')
        self.student_iter = student_iter
        self.adv_weight = adv_weight
        self.replay_weight = replay_weight
        self.replay_share = replay_share
        self.warmup_iters = warmup_iters
        self.guard = NonFiniteGuard(max_skipped_iters)

        self.generator = MODELS.build(generator)
        if not hasattr(self.generator, 'latent_dim'):
            raise TypeError(f'The generator {type(self.generator).__name__} '
                            'has no latent_dim attribute.')
        self.distill_loss = MODELS.build(distill_loss)
        self.adv_loss = None if adv_loss is None else MODELS.build(adv_loss)
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
        if memory is not None:
            self.memory = MODELS.build(memory)
        self.holdout: Optional[ReplayMemory] = None
        if holdout is not None:
            # its own seed: its draws must not mirror the memory's
            self.holdout = MODELS.build(
                holdout, default_args=dict(seed=1, config_key='model.holdout'))
            if not self.holdout.store_logits:
                raise ValueError('model.holdout.store_logits must be True: '
                                 'the held-out set is scored against the '
                                 "teacher's logits.")
        self._buffers_backup: Optional[List[torch.Tensor]] = None
        self._latents = RandomStream()
        self._check_shapes()

    def _load_from_state_dict(self, state_dict, prefix, *args,
                              **kwargs) -> None:
        """Say loudly when a checkpoint's replay memory and the config's
        disagree: resuming must not drop or forget it silently."""
        logger = MMLogger.get_current_instance()
        for name in ('memory', 'holdout'):
            saved = ReplayMemory.saved_size(state_dict, f'{prefix}{name}.')
            if saved is not None and getattr(self, name) is None:
                logger.warning(
                    f'The checkpoint holds a {name} of {saved} '
                    f'samples, but this config has model.{name}=None: the '
                    f'{name} is DROPPED, this run goes on without it and its '
                    'checkpoints will not hold it. To keep it, resume with '
                    f"the saved run's model.{name}.")
                for key in [k for k in state_dict
                            if k.startswith(f'{prefix}{name}.')]:
                    state_dict.pop(key)
            elif saved is None and getattr(self, name) is not None and any(
                    k.startswith(prefix + 'architecture.')
                    for k in state_dict):
                logger.warning(
                    f'The checkpoint has no {name} (it was saved by a run '
                    f'without model.{name}); the {name} starts empty.')
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    # ------------------------------------------------------------------
    @torch.no_grad()
    def _check_shapes(self) -> None:
        """One dry forward, so that shape errors surface before training."""
        modes = [(m, m.training) for m in self.modules()]
        self.eval()
        generator = unwrap_model(self.generator)
        try:
            images = generator(
                torch.zeros(2, generator.latent_dim), batch_size=2)
            try:
                t_logits = self.teacher(images, mode='tensor')
                s_logits = unwrap_model(self.student)(images, mode='tensor')
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

    @property
    def nonfinite_skips(self) -> int:
        """Steps skipped for non-finite values so far."""
        return self.guard.skips

    # The latent stream's random state and the skip counter travel with the
    # model's state dict.
    def get_extra_state(self) -> torch.Tensor:
        return pack_extra_state([self.guard.skips], self._latents)

    def set_extra_state(self, state: torch.Tensor) -> None:
        self.guard.skips, = unpack_extra_state(state, 1, self._latents)

    def _sample_latent(self, num: int) -> torch.Tensor:
        generator = unwrap_model(self.generator)
        device = module_device(generator)
        return torch.randn(
            num,
            generator.latent_dim,
            generator=self._latents.generator(device),
            device=device)

    def _teacher_forward(
            self, images: torch.Tensor,
            with_features: bool) -> Tuple[torch.Tensor, torch.Tensor]:
        if not with_features:
            return self.teacher(images, mode='tensor'), None
        feats = self.teacher.extract_feat(images)
        head = self.teacher.head
        return head(feats), head.pre_logits(feats)

    # ------------------------------------------------------------------
    def train_step(self, data: Dict[str, List],
                   optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        """One generator step, ``student_iter`` student steps, one memory
        step.

        Args:
            data (dict): A batch of the data-free dataset; only its size is
                used.
            optim_wrapper (OptimWrapperDict): With ``generator`` and
                ``architecture`` wrappers, as built by MMRazor's
                ``SeparateOptimWrapperConstructor``.
        """
        batch_size = len(data['inputs'])
        self.guard.start_iteration()
        gen_vars, generated = self._generator_step(batch_size,
                                                   optim_wrapper['generator'])
        log_vars = dict(add_prefix(gen_vars, 'generator'))
        warmup = self.memory is not None and \
            self.memory.num_updates < self.warmup_iters
        feed_from_generator = warmup or self.replay_share is not None
        if self.memory is not None and feed_from_generator and \
                generated is not None:
            self.memory.update(*generated)
        student_vars, fresh = {}, None
        for _ in range(0 if warmup else self.student_iter):
            step_vars, step_fresh = self._student_step(
                batch_size, optim_wrapper['architecture'])
            if step_vars:
                student_vars = step_vars
            if step_fresh is not None:
                fresh = step_fresh
        log_vars.update(add_prefix(student_vars, 'student'))
        if self.memory is not None:
            if fresh is not None and not feed_from_generator:
                self.memory.update(*fresh)
            log_vars['memory_size'] = len(self.memory)
            log_vars['memory_MB'] = self.memory.nbytes / 2**20
        log_vars['nonfinite_skips'] = self.nonfinite_skips
        self.guard.end_iteration(1 + (0 if warmup else self.student_iter))
        return log_vars

    @torch.no_grad()
    def datafree_metrics(self, batch_size: int = 256) -> Dict[str, float]:
        """The health signal on the held-out synthetic samples
        (:func:`~mmdfkd.models.utils.holdout_metrics`: agreement,
        discrepancy, BN-statistics gap), which needs no real data.
        Empty without ``holdout`` or before it holds anything."""
        if self.holdout is None or len(self.holdout) == 0:
            return {}
        samples, t_logits = self.holdout.contents()
        return holdout_metrics(
            unwrap_model(self.student), self.teacher, samples, t_logits,
            self.distill_loss, batch_size)

    def _generator_step(
        self, batch_size: int, optim: OptimWrapper
    ) -> Tuple[Dict[str, torch.Tensor], Optional[Tuple[torch.Tensor,
                                                       torch.Tensor]]]:
        """One generator update; returns its log and, for the memory, its
        samples not given to the hold-out with their teacher logits (None
        when the step was skipped)."""
        with_features = 'features' in self.prior_inputs.values()
        with optim.optim_context(self.generator):
            images = self.generator(self._sample_latent(batch_size))
            recording = self.bn_loss.record() if self.bn_loss else \
                nullcontext()
            with recording:
                t_logits, t_feats = self._teacher_forward(
                    images, with_features)
            if not torch.isfinite(t_logits).all():
                return self.guard.skip('generator output'), None
            # The student is called unwrapped: no DDP gradient sync for it,
            # and its parameters get no gradient from the generator loss.
            with no_param_grads(self.student):
                s_logits = unwrap_model(self.student)(images, mode='tensor')
            adv_loss = self.distill_loss if self.adv_loss is None \
                else self.adv_loss
            # every loss sees float32 logits, also under bfloat16 autocast,
            # where CPU autocast leaves (log_)softmax in bfloat16 and
            # rounds a divergence of close softmaxes away (MMRazor's
            # KLDivergence included)
            losses = dict(loss_adv=-self.adv_weight * adv_loss(
                s_logits.float(), t_logits.float()))
            if self.bn_loss is not None:
                losses['loss_bn'] = self.bn_loss()
            for name, loss in self.prior_losses.items():
                source = t_feats if self.prior_inputs[name] == 'features' \
                    else t_logits
                losses[f'loss_{name}'] = loss(source)
        loss, log_vars = self.parse_losses(losses)
        if not torch.isfinite(loss):
            return self.guard.skip('generator loss'), None
        optim.update_params(loss)
        images, t_logits = images.detach(), t_logits.detach()
        held = 0
        if self.holdout is not None:
            self.holdout.update(images, t_logits)
            held = self.holdout.push_per_iter or 0
        return log_vars, (images[held:], t_logits[held:])

    def _student_step(
        self, batch_size: int, optim: OptimWrapper
    ) -> Tuple[Dict[str, torch.Tensor], Optional[Tuple[torch.Tensor,
                                                         torch.Tensor]]]:
        """One student update; returns its log and its fresh batch with the
        teacher logits (None when the step was skipped)."""
        num_fresh, num_replay = batch_size, 0
        if self.memory is not None and len(self.memory) > 0:
            if self.replay_share is None:
                num_replay = self.memory.replay_size(batch_size)
            else:
                num_replay = round(self.replay_share * batch_size)
                num_fresh = batch_size - num_replay
        student = unwrap_model(self.student)
        # one optimizer context for the whole step, so that mixed precision
        # (mmdfkd.AmpOptimWrapper) covers the teacher's forward too
        with optim.optim_context(self.student):
            with torch.no_grad():
                inputs, mem_logits = [], None
                if num_fresh:
                    inputs.append(
                        self.generator(self._sample_latent(num_fresh)))
                if num_replay:
                    mem_images, mem_logits = self.memory.sample(
                        num_replay, module_device(student))
                    inputs.append(mem_images)
                inputs = torch.cat(inputs) if len(inputs) > 1 else inputs[0]
                if mem_logits is None:
                    # one teacher call for fresh and replayed samples
                    t_all = self.teacher(inputs, mode='tensor')
                    t_logits = t_all[:num_fresh]
                    mem_logits = t_all[num_fresh:]
                elif num_fresh:  # replayed with their cached logits
                    t_logits = self.teacher(inputs[:num_fresh], mode='tensor')
                else:  # nothing fresh: no teacher call at all
                    t_logits = mem_logits[:0]
            # checked before the student's forward, which would otherwise
            # put the non-finite values into its BatchNorm statistics
            if not torch.isfinite(t_logits).all():
                return self.guard.skip('generator output'), None
            self._buffers_backup = backup_buffers(student,
                                                  self._buffers_backup)
            s_logits = self.student(inputs, mode='tensor')
            losses = {}
            if num_fresh:
                losses['loss_fresh'] = self.distill_loss(
                    s_logits[:num_fresh].float(), t_logits.float())
            if num_replay:  # float32 logits, as in the generator step
                losses['loss_replay'] = self.replay_weight * \
                    self.distill_loss(s_logits[num_fresh:].float(),
                                      mem_logits.float())
        loss, log_vars = self.parse_losses(losses)
        if not torch.isfinite(loss):
            # the forward updated BatchNorm's running statistics with the
            # values that made the loss non-finite: put them back
            restore_buffers(student, self._buffers_backup)
            return self.guard.skip('student loss'), None
        optim.update_params(loss)
        fresh = None if not num_fresh else (inputs[:num_fresh], t_logits)
        return log_vars, fresh
