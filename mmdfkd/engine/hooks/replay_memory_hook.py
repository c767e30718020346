# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import Dict, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.hooks import Hook

from mmdfkd.models.utils import module_device, unwrap_model
from mmdfkd.registry import HOOKS, MODELS
from mmdfkd.structures import ReplayMemory
from mmdfkd.utils.errors import ConfigError

DATA_BATCH = Optional[dict]


@HOOKS.register_module()
class ReplayMemoryHook(Hook):
    """Gives a replay memory to a data-free distiller that has none of its
    own (MMRazor's ``DAFLDataFreeDistillation``,
    ``mmdfkd.DataFreeDistillation`` for DFAD and ZSKT), from
    ``custom_hooks`` alone, without changing its class. Ours has its own
    ``model.memory`` (the same class, built from the config) and refuses
    the hook.

    Each training iteration:

    1. while the distiller's ``train_step`` runs, forward hooks on the
       teacher keep (by reference, no copy) the input and the logits of the
       teacher's last call: the samples of the last student step and the
       teacher's answer to them (no extra teacher forward). The logits are
       the output of ``teacher_logits`` inside the teacher (MMRazor calls
       its teacher with ``mode='loss'``, whose output is not the logits);
    2. after the step, those samples are offered to a
       :class:`~mmdfkd.structures.ReplayMemory` with their logits (its
       policy decides what it keeps);
    3. once the memory holds samples, one extra student update on a replay
       batch drawn from it (``replay_batch_size`` samples, or as many as
       the teacher's last batch), against the cached logits (no teacher forward
       on replay): ``loss = replay_weight * D(S(x_m), T(x_m))``, through
       the student's optimizer wrapper (mixed precision included). A memory
       with ``augments`` replays augmented samples, which the teacher
       labels (one teacher forward on the replay batch).

    So the hook adds one student update per iteration (DAFL: 2 instead of
    1; DFAD: 6 instead of 5) of ``replay_batch_size`` samples, whose cost is
    one student forward and backward on that batch (measured in
    ``tools/analysis_tools/measure_iter_time.py``: on the benchmark's
    Fashion-MNIST DAFL,
    batch 64, +9 % per iteration at 1 thread and +20 % at 2, so less per
    student update than DAFL's own update). Ours with its own ``model.memory``
    instead mixes the replay batch into every student step, with no extra
    update; a model that has one is refused.

    The memory is a sub-module of the distiller under the one name every
    memory of mmdfkd has, ``memory`` (state-dict keys ``memory.*``, where
    hooks, tools and checkpoints find it), so it is in the model's state
    dict: every checkpoint holds it and ``--resume``
    continues bit for bit. Under DDP each rank keeps its own memory of its
    own samples and the replay step runs on every rank, so the student's
    gradients stay in step.

    Why forward hooks rather than MMRazor's recorders: a recorder records
    only inside the ``RecorderManager`` context that the distiller's own
    ``train_step`` opens for its own losses; this hook works outside that
    step and needs only the teacher's last call, kept by reference.

    Args:
        memory (dict): The :class:`~mmdfkd.structures.ReplayMemory` config
            (capacity, policy, push_per_iter, replay_batch_size, dtype,
            store_logits must stay True). ``type`` may be left out.
        replay_weight (float): Weight of the replay loss. Defaults to 1.0.
        distill_loss (dict): The discrepancy D, called ``D(preds_S,
            preds_T)`` as MMRazor's losses. Defaults to L1 on logits
            (``mmdfkd.LogitDiscrepancyLoss``).
        student (str): Attribute of the distiller holding the student.
            Defaults to 'architecture' (MMRazor's and ours).
        teacher (str): Attribute holding the teacher: a module, or a
            ``ModuleDict`` with one entry. Defaults to 'teachers'.
        optim_wrapper (str): Key of the student's optimizer wrapper in the
            runner's ``OptimWrapperDict``. Defaults to 'architecture'.
        teacher_logits (str, optional): The sub-module of the teacher whose
            output is its logits; None: the teacher's own output (a
            classifier called with ``mode='tensor'``). Defaults to
            'head.fc' (mmpretrain's ``LinearClsHead``).
    """

    priority = 'NORMAL'  # before LoggerHook, which logs the replay loss
    attribute = 'memory'  # as ours' model.memory

    def __init__(self,
                 memory: dict,
                 replay_weight: float = 1.0,
                 distill_loss: dict = dict(
                     type='mmdfkd.LogitDiscrepancyLoss', mode='l1'),
                 student: str = 'architecture',
                 teacher: str = 'teachers',
                 optim_wrapper: str = 'architecture',
                 teacher_logits: Optional[str] = 'head.fc') -> None:
        memory = dict(memory)
        memory.setdefault('type', 'mmdfkd.ReplayMemory')
        if not memory.get('store_logits', True):
            raise ConfigError(
                'ReplayMemoryHook: memory.store_logits must stay True, the '
                'replay step trains on the cached teacher logits.')
        self.memory_cfg = memory
        self.replay_weight = replay_weight
        self.distill_loss = MODELS.build(distill_loss)
        self.student_name, self.teacher_name = student, teacher
        self.optim_key = optim_wrapper
        self.teacher_logits = teacher_logits
        self._input: Optional[torch.Tensor] = None
        self.memory: Optional[ReplayMemory] = None
        self._last: Optional[Tuple[torch.Tensor, torch.Tensor]] = None
        self._teacher: Optional[nn.Module] = None
        self._recording = False
        self._handles = []
        self.replay_updates = 0

    # ------------------------------------------------------------------
    def attach(self, model: nn.Module) -> ReplayMemory:
        """Build the memory into ``model`` (the distiller) and hook its
        teacher; returns the memory."""
        model = unwrap_model(model)
        if hasattr(model, self.attribute) and (
                self.memory is None
                or getattr(model, self.attribute) is not self.memory):
            raise ConfigError(
                f'ReplayMemoryHook: the model ({type(model).__name__}) has '
                'its own replay memory setting (model.memory): set the '
                'memory there (model.memory=dict(type=\'mmdfkd.ReplayMemory'
                "', ...)) and remove the hook from custom_hooks.")
        for name in (self.student_name, self.teacher_name):
            if not isinstance(getattr(model, name, None), nn.Module):
                raise ConfigError(
                    f'ReplayMemoryHook: the model ({type(model).__name__}) '
                    f'has no sub-module {name!r}; set the hook\'s student= '
                    'and teacher= to the attributes that hold them.')
        if self.memory is None:
            self.memory = MODELS.build(
                self.memory_cfg,
                default_args=dict(
                    config_key='custom_hooks[ReplayMemoryHook].memory'))
            model.add_module(self.attribute, self.memory)
            teacher = unwrap_model(getattr(model, self.teacher_name))
            if isinstance(teacher, nn.ModuleDict):
                if len(teacher) != 1:
                    raise ConfigError(
                        'ReplayMemoryHook: the model has '
                        f'{len(teacher)} teachers; it replays one.')
                teacher = unwrap_model(next(iter(teacher.values())))
            head = teacher
            if self.teacher_logits:
                try:
                    head = teacher.get_submodule(self.teacher_logits)
                except AttributeError:
                    raise ConfigError(
                        'ReplayMemoryHook: the teacher has no sub-module '
                        f'{self.teacher_logits!r} (teacher_logits=); name '
                        'the module whose output is its logits, or None '
                        'for the teacher\'s own output.') from None
            self._teacher = teacher
            self._handles = [
                teacher.register_forward_pre_hook(self._record_input),
                head.register_forward_hook(self._record_logits)
            ]
        return self.memory

    def _record_input(self, module, args) -> None:
        if self._recording and args and torch.is_tensor(args[0]):
            self._input = args[0].detach()

    def _record_logits(self, module, args, output) -> None:
        if self._recording and self._input is not None and \
                torch.is_tensor(output) and output.dim() == 2 and \
                len(output) == len(self._input):
            self._last = (self._input, output.detach())

    def before_run(self, runner) -> None:
        self.attach(runner.model)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        self._recording, self._last = True, None

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        log = self.step(runner.model, runner.optim_wrapper)
        for key, value in log.items():
            runner.message_hub.update_scalar(f'train/{key}', value)

    def step(self, model: nn.Module,
             optim_wrapper) -> Dict[str, Union[int, torch.Tensor]]:
        """The memory's part of one iteration: offer what the teacher saw
        last, then one replay update. Returns what is logged."""
        self._recording = False
        last, self._last, self._input = self._last, None, None
        log = {}
        if self.memory is None:
            return log
        if last is None:  # the teacher did not run: nothing to pair with
            return log
        if len(self.memory) > 0:
            log['replay.loss'] = self._replay(
                model, optim_wrapper, self.memory.replay_size(len(last[0])))
        self.memory.update(*last)
        log['replay.memory_size'] = len(self.memory)
        return log

    def _replay(self, model: nn.Module, optim_wrapper,
                num: int) -> torch.Tensor:
        student = getattr(unwrap_model(model), self.student_name)
        optim = optim_wrapper[self.optim_key] if hasattr(
            optim_wrapper, 'optim_wrappers') else optim_wrapper
        device = module_device(unwrap_model(student))
        images, logits = self.memory.sample(num, device)
        with optim.optim_context(student):
            if logits is None:  # augmented: the teacher labels the batch
                with torch.no_grad():
                    logits = self._teacher(images, mode='tensor')
            preds = student(images, mode='tensor')
            # float32 logits under bfloat16 autocast too (CPU autocast
            # leaves softmax in bfloat16, too coarse for a divergence)
            loss = self.replay_weight * self.distill_loss(
                preds.float(), logits.float())
        optim.update_params(loss)
        self.replay_updates += 1
        return loss.detach()

    def after_run(self, runner) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
