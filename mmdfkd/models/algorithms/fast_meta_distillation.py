# Copyright (c) mmdfkd contributors. All rights reserved.
import copy
from typing import Dict, List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import all_reduce, broadcast
from mmengine.logging import MMLogger
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmrazor.models.utils import add_prefix

from mmdfkd.registry import MODELS, TRANSFORMS
from mmdfkd.structures import ReplayMemory

from ..utils import (
    RandomStream,
    module_device,
    no_param_grads,
    pack_extra_state,
    unpack_extra_state,
    unwrap_model,
)
from .single_teacher_algorithm import SingleTeacherAlgorithm


@MODELS.register_module()
class FastMetaDistillation(SingleTeacherAlgorithm):
    """Fast-DFKD (Fang et al., "Up to 100x Faster Data-free Knowledge
    Distillation", AAAI 2022): a meta-learned generator synthesises one batch
    per round, every batch is kept in a pool, and the student learns from
    augmented pool batches that the teacher labels.

    One ``train_step`` is one synthesis round and ``student_iter`` student
    steps:

    1. synthesis: a fast copy ``G'`` of the meta-generator ``G`` and a latent
       batch ``z`` (optimised too) take ``g_steps`` inner Adam steps on
       ``L = bn_weight * L_BN(T, a(x)) + oh_weight * CE(T(a(x)), y)
       + adv_weight * L_adv`` with ``x = G'(z)``, ``a`` the synthesis
       augments and ``y`` labels drawn uniformly;
       ``L_adv = -mean(KL(T(a(x)) || S(a(x))) * [argmax S = argmax T])``
       (from the round ``warmup_iters`` on). The meta-generator is updated
       first-order through its own optimiser (``optim_wrapper.generator``):
       ``meta_update='fomaml'`` gives it the sum of the inner gradients
       (the official script's ``--is_maml 1``), ``'reptile'`` the
       difference ``G - G'`` after the inner steps. The inner step's batch
       with the lowest ``L`` goes into the pool (``memory``).
    2. student steps (none during the warm-up): a pool batch, augmented by
       the memory's ``augments`` and labelled by the teacher, and
       ``distill_loss`` (KL at temperature 20) on the student.

    The generator makes pixel values in [0, 1] (``DFKDGenerator(
    output_act='sigmoid')``); the algorithm normalises them with the data
    preprocessor's mean and std before the teacher and the student see
    them. The pool holds pixels (as the official PNG pool), augmented
    before normalisation, so padding is black as in the official pipeline.
    At round ``reset_iter`` the generator's first linear layer and first
    BatchNorm are re-initialised (the official ``--reset_l0``).

    The latent/label stream's random state and the round counter travel in
    the model's state dict (one uint8 tensor), the pool in the memory's
    entries and the BN loss's moving averages in its buffers, so a resumed
    run continues bit for bit.

    Args:
        architecture (dict | BaseModel): The student.
        teachers (dict): ``{name: dict(build_cfg=..., ckpt_path=...)}`` with
            one teacher, as :class:`ReplayDataFreeDistillation`.
        generator (dict): The meta-generator (``mmdfkd.DFKDGenerator`` with
            ``output_act='sigmoid'``).
        memory (dict): The pool (``mmdfkd.ReplayMemory``), capacity at least
            the run's synthesis, with the student's augments.
        bn_loss (dict): The BN-statistics loss, its weight and momentum
            (``bn_mmt``). Defaults to weight 10, momentum 0.9 (official).
        distill_loss (dict): The student's loss ``D(preds_S, preds_T)``.
            Defaults to KL at temperature 20 (official).
        synthesis_augments (list[dict]): Batch transforms applied to the
            generated batch inside the inner steps (official: crop with
            padding 4 and flip). Defaults to None.
        g_steps (int): Inner steps per round. Defaults to 2.
        lr_g (float): Inner Adam learning rate of the generator. Defaults
            to 5e-3.
        lr_z (float): Inner Adam learning rate of the latent batch.
            Defaults to 0.015.
        oh_weight (float): Weight of the cross-entropy term. Defaults to 0.5.
        adv_weight (float): Weight of the adversarial term. Defaults to 1.33.
        meta_update (str): ``'fomaml'`` or ``'reptile'``. Defaults to
            ``'fomaml'``.
        synthesis_batch_size (int, optional): Samples synthesised per round;
            None: the data loader's batch size. Defaults to None.
        student_iter (int): Student steps per round. Defaults to 5.
        warmup_iters (int): Rounds of synthesis only, without the adversarial
            term or student steps. Defaults to 0.
        reset_iter (int, optional): The round whose start re-initialises the
            generator's first layers; None never. Defaults to None.
        data_preprocessor (dict, optional): As
            :class:`ReplayDataFreeDistillation`.
        init_cfg (dict, optional): Initialisation config.
    """

    META_UPDATES = ('fomaml', 'reptile')

    def __init__(self,
                 architecture,
                 teachers: Dict[str, dict],
                 generator: dict,
                 memory: dict,
                 bn_loss: dict = dict(
                     type='mmdfkd.BNStatisticsLoss',
                     loss_weight=10.0,
                     momentum=0.9),
                 distill_loss: dict = dict(
                     type='mmdfkd.LogitDiscrepancyLoss',
                     mode='kl',
                     temperature=20.0),
                 synthesis_augments: Optional[List[dict]] = None,
                 g_steps: int = 2,
                 lr_g: float = 5e-3,
                 lr_z: float = 0.015,
                 oh_weight: float = 0.5,
                 adv_weight: float = 1.33,
                 meta_update: str = 'fomaml',
                 synthesis_batch_size: Optional[int] = None,
                 student_iter: int = 5,
                 warmup_iters: int = 0,
                 reset_iter: Optional[int] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(architecture, teachers, data_preprocessor, init_cfg)
        if meta_update not in self.META_UPDATES:
            raise ValueError(f'model.meta_update must be one of '
                             f'{self.META_UPDATES}, got {meta_update!r}.')
        if g_steps < 1 or student_iter < 1 or warmup_iters < 0:
            raise ValueError('model.g_steps and model.student_iter must be '
                             '>= 1 and model.warmup_iters >= 0.')
        self.generator = MODELS.build(generator)
        self.memory: ReplayMemory = MODELS.build(memory)
        if self.memory.store_logits and not self.memory.augments:
            MMLogger.get_current_instance().warning(
                'FastMetaDistillation: the pool has no augments; the '
                'teacher labels every pool batch all the same.')
        self.bn_loss = MODELS.build(bn_loss)
        self.bn_loss.attach(self.teacher)
        self.distill_loss = MODELS.build(distill_loss)
        self.synthesis_augments = [
            TRANSFORMS.build(cfg) for cfg in (synthesis_augments or [])
        ]
        self.g_steps, self.lr_g, self.lr_z = g_steps, lr_g, lr_z
        self.oh_weight, self.adv_weight = oh_weight, adv_weight
        self.meta_update = meta_update
        self.synthesis_batch_size = synthesis_batch_size
        self.student_iter = student_iter
        self.warmup_iters, self.reset_iter = warmup_iters, reset_iter
        self.rounds = 0
        self._stream = RandomStream()

    # state: the round counter and the random stream ---------------------
    def get_extra_state(self) -> torch.Tensor:
        return pack_extra_state([self.rounds], self._stream)

    def set_extra_state(self, state: torch.Tensor) -> None:
        self.rounds, = unpack_extra_state(state, 1, self._stream)

    # ------------------------------------------------------------------
    def normalize(self, pixels: torch.Tensor) -> torch.Tensor:
        """Generator pixels in [0, 1] -> the model's normalised input."""
        pre = self.data_preprocessor
        return (pixels * 255 - pre.mean) / pre.std

    def _augment(self, images: torch.Tensor,
                 rng: torch.Generator) -> torch.Tensor:
        for augment in self.synthesis_augments:
            images = augment(images, rng)
        return images

    def reset_generator(self) -> None:
        """The official ``reset_l0``: the first linear layer and the first
        BatchNorm get N(0, 0.02) weights and zero biases."""
        generator = unwrap_model(self.generator)
        first_linear = next(m for m in generator.modules()
                            if isinstance(m, nn.Linear))
        first_bn = next(m for m in generator.modules()
                        if isinstance(m, nn.modules.batchnorm._BatchNorm))
        for module in (first_linear, first_bn):
            nn.init.normal_(module.weight, 0.0, 0.02)
            nn.init.zeros_(module.bias)
            # every rank takes rank 0's draw (a no-op alone)
            broadcast(module.weight.data, src=0)

    def synthesis_loss(self, images: torch.Tensor, targets: torch.Tensor,
                       adversarial: bool) -> Dict[str, torch.Tensor]:
        """The terms of the synthesis loss on normalised ``images``."""
        with self.bn_loss.record():
            t_logits = self.teacher(images, mode='tensor')
        losses = dict(
            loss_bn=self.bn_loss(),
            loss_oh=self.oh_weight * F.cross_entropy(t_logits, targets))
        if adversarial and self.adv_weight:
            s_logits = unwrap_model(self.student)(images, mode='tensor')
            agree = (s_logits.argmax(1) == t_logits.argmax(1)).float()
            # float32 under bfloat16 autocast (LogitDiscrepancyLoss says
            # why)
            kl = F.kl_div(
                F.log_softmax(s_logits.float(), 1),
                F.log_softmax(t_logits.float(), 1),
                reduction='none',
                log_target=True).sum(1)
            losses['loss_adv'] = -self.adv_weight * (kl * agree).mean()
        return losses

    def synthesize(self, num: int, meta_optim: OptimWrapper
                   ) -> Dict[str, torch.Tensor]:
        """One synthesis round; its best batch goes into the pool."""
        generator = unwrap_model(self.generator)
        device = module_device(generator)
        rng = self._stream.generator(device)
        if self.reset_iter is not None and self.rounds == self.reset_iter:
            self.reset_generator()
        z = torch.randn(num, generator.latent_dim, generator=rng,
                        device=device).requires_grad_()
        targets = torch.randint(
            self.teacher.head.num_classes, (num, ),
            generator=rng, device=device)
        fast = copy.deepcopy(generator)
        inner = torch.optim.Adam([
            dict(params=fast.parameters()),
            dict(params=[z], lr=self.lr_z)
        ], lr=self.lr_g, betas=(0.5, 0.999))
        adversarial = self.rounds >= self.warmup_iters
        student = unwrap_model(self.student)
        student_was_training = student.training
        student.eval()  # official: the student is in eval mode here
        meta_grads = [torch.zeros_like(p) for p in generator.parameters()]
        best, best_loss = None, None
        try:
            with no_param_grads(student):
                for _ in range(self.g_steps):
                    pixels = fast(z)
                    losses = self.synthesis_loss(
                        self.normalize(self._augment(pixels, rng)), targets,
                        adversarial)
                    loss, log_vars = self.parse_losses(losses)
                    # the best inner batch, chosen on the device (no sync)
                    if best is None:
                        best, best_loss = pixels.detach(), loss.detach()
                    else:
                        better = loss.detach() < best_loss
                        best = torch.where(better, pixels.detach(), best)
                        best_loss = torch.minimum(best_loss, loss.detach())
                    inner.zero_grad()
                    loss.backward()
                    if self.meta_update == 'fomaml':
                        torch._foreach_add_(
                            meta_grads, [p.grad for p in fast.parameters()])
                    inner.step()
        finally:
            student.train(student_was_training)
        self.bn_loss.update_momentum()
        if self.meta_update == 'reptile':
            meta_grads = [p.detach() - q.detach() for p, q in zip(
                generator.parameters(), fast.parameters())]
        # under DDP every rank synthesised its own batch: the meta-generator
        # takes the mean of the ranks' meta-gradients (a no-op alone)
        for grad in meta_grads:
            all_reduce(grad, op='mean')
        for p, grad in zip(generator.parameters(), meta_grads):
            p.grad = grad
        meta_optim.step()
        meta_optim.zero_grad()
        self.memory.push(best)
        self.rounds += 1
        return log_vars

    def student_step(self, num: int,
                     optim: OptimWrapper) -> Dict[str, torch.Tensor]:
        """One student update on an augmented pool batch, labelled by the
        teacher."""
        student = unwrap_model(self.student)
        with optim.optim_context(self.student):
            pixels, logits = self.memory.sample(num, module_device(student))
            images = self.normalize(pixels)
            if logits is None:
                with torch.no_grad():
                    logits = self.teacher(images, mode='tensor')
            preds = self.student(images, mode='tensor')
            # float32 logits under bfloat16 autocast too
            losses = dict(loss_kd=self.distill_loss(preds.float(),
                                                    logits.float()))
        loss, log_vars = self.parse_losses(losses)
        optim.update_params(loss)
        return log_vars

    def train_step(self, data: Dict[str, List],
                   optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        """One synthesis round, then ``student_iter`` student steps (none
        during the warm-up)."""
        batch_size = len(data['inputs'])
        log_vars = dict(add_prefix(
            self.synthesize(self.synthesis_batch_size or batch_size,
                            optim_wrapper['generator']), 'generator'))
        if self.rounds > self.warmup_iters:
            for _ in range(self.student_iter):
                student_vars = self.student_step(
                    batch_size, optim_wrapper['architecture'])
            log_vars.update(add_prefix(student_vars, 'student'))
        log_vars['memory_size'] = len(self.memory)
        return log_vars
