# Copyright (c) mmdfkd contributors. All rights reserved.
from typing import Dict, Iterator, List, Tuple

import torch
from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.runner import find_latest_checkpoint

from mmdfkd.compat import make_weights_only, restore_weights_only
from mmdfkd.models.utils import strip_module_prefix, unwrap_model
from mmdfkd.registry import HOOKS
from mmdfkd.utils.errors import ConfigError, TrainingDiverged

# entries of a state dict that a config may change on resume (the replay
# memory and the held-out set: the distiller warns or refuses by itself)
_MAY_DIFFER = ('memory.', 'holdout.')
# a module's get_extra_state() blob: its length varies with its contents
_EXTRA_STATE = '_extra_state'


def _tensors(value, path: str = '') -> Iterator[Tuple[str, torch.Tensor]]:
    if torch.is_tensor(value):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _tensors(item, f'{path}.{key}' if path else str(key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _tensors(item, f'{path}.{i}')


def nonfinite_entries(checkpoint: Dict) -> List[str]:
    """The entries of a checkpoint's weights and optimizer state that hold
    NaN or infinity."""
    bad = []
    for part in ('state_dict', 'optimizer'):
        for name, value in _tensors(checkpoint.get(part, {}), part):
            if value.is_floating_point() and not torch.isfinite(value).all():
                bad.append(name)
    return bad


def _model_type(model) -> str:
    model = unwrap_model(model)
    return f'{type(model).__module__}.{type(model).__qualname__}'


@HOOKS.register_module()
class WeightsOnlyCheckpointHook(Hook):
    """Keeps every checkpoint of the run safe to load and to resume from.

    - Loadable with ``torch.load(weights_only=True)``, so ``--resume``
      works on torch >= 2.6 without trusting the file (see workaround 2 in
      ``mmdfkd/compat/safe_loading.py``).
    - Never poisoned: a checkpoint whose weights or optimizer state hold a
      NaN or an infinity is not written (nor named in ``last_checkpoint``);
      the run stops with :class:`~mmdfkd.utils.errors.TrainingDiverged`,
      which names the entries and the last good checkpoint.
    - Of this model: each checkpoint records the class of the model that
      saved it, and loading one saved by another class, or whose tensors
      have other shapes, stops with a message instead of loading part of
      it (e.g. ``--resume`` in a work dir that another config wrote).

    Runs last before saving so that it sees what other hooks added.
    """

    priority = 'LOWEST'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        bad = nonfinite_entries(checkpoint)
        if bad:
            # mmengine names the new file in the message hub before
            # saving it; the work dir's last_checkpoint still names the
            # previous one
            last = find_latest_checkpoint(runner.work_dir)
            resume = (f'the last good checkpoint is {last} (named in '
                      f'{runner.work_dir}/last_checkpoint)') if last else \
                'no checkpoint was saved before'
            step = (checkpoint.get('meta') or {}).get('iter', runner.iter)
            raise TrainingDiverged(
                f'Training diverged: at iteration {step} the model '
                f'holds non-finite values ({len(bad)} entries, e.g. '
                f'{", ".join(bad[:3])}), so this checkpoint is not saved; '
                f'{resume}. Lower the learning rates (optim_wrapper) or the '
                'loss weights, and start again or resume from it.')
        make_weights_only(checkpoint)
        checkpoint.setdefault('meta', {})['model_type'] = _model_type(
            runner.model)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if 'message_hub' in checkpoint:
            checkpoint['message_hub'] = restore_weights_only(
                checkpoint['message_hub'])
        self._check_same_model(runner, checkpoint)

    @staticmethod
    def _check_same_model(runner, checkpoint: dict) -> None:
        model = unwrap_model(runner.model)
        saved_type = (checkpoint.get('meta') or {}).get('model_type')
        this_type = _model_type(model)
        state = checkpoint.get('state_dict')
        if not isinstance(state, dict):
            return
        state = strip_module_prefix(state)
        own = model.state_dict()
        mismatched = [
            f'{k}: {tuple(v.shape)} vs {tuple(own[k].shape)}'
            for k, v in state.items() if torch.is_tensor(v) and k in own
            and not k.startswith(_MAY_DIFFER) and
            not k.endswith(_EXTRA_STATE) and v.shape != own[k].shape
        ]
        shared = sum(k in own for k in state)
        problem = None
        if saved_type and saved_type != this_type:
            problem = f'it was saved by {saved_type}, this run is {this_type}'
        elif mismatched:
            problem = (f'{len(mismatched)} tensors have other shapes (e.g. '
                       f'{"; ".join(mismatched[:2])})')
        elif state and not shared:
            problem = 'none of its keys is a key of this model'
        if problem is None:
            return
        MMLogger.get_current_instance().error(problem)
        raise ConfigError(
            f'The checkpoint loaded into this run does not belong to its '
            f'model: {problem}. A work dir holds the checkpoints of the '
            f'config that wrote it ({runner.work_dir}): resume with that '
            'config, or give this run its own --work-dir (or --resume '
            'PATH / load_from of a checkpoint of this config).')
