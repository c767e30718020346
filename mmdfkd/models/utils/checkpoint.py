# Copyright (c) mmdfkd contributors. All rights reserved.
import os.path as osp
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from mmengine.runner import CheckpointLoader

from mmdfkd.compat import UnsafeCheckpointError

from .misc import strip_module_prefix

# where an installed mmdfkd keeps its configs (setup.py copies or links
# them there, as OpenMMLab packages do for mim)
_PACKAGED_CONFIGS = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), '.mim',
    'configs')


def _recipe_hint(ckpt_path: str) -> Optional[str]:
    """How to make ``checkpoints/<name>_teacher.pth``, where mmdfkd has the
    teacher recipe ``configs/teachers/<name>.py``."""
    stem = osp.basename(ckpt_path)
    if not stem.endswith('_teacher.pth'):
        return None
    stem = stem[:-len('_teacher.pth')]
    recipe = f'configs/teachers/{stem}.py'
    if not osp.isfile(recipe):  # run from elsewhere than a checkout
        recipe = osp.join(_PACKAGED_CONFIGS, 'teachers', f'{stem}.py')
        if not osp.isfile(recipe):
            return None
    return (f'Train it with: python tools/train.py {recipe} && mkdir -p '
            f'{osp.dirname(ckpt_path) or "."} && cp $(cat work_dirs/{stem}/'
            f'last_checkpoint) {ckpt_path} '
            '(docs/en/user_guides/train_test.md).')


def missing_teacher(ckpt_path: str,
                    name: str = 'teacher',
                    hint: Optional[str] = None) -> str:
    """The message for a teacher checkpoint that is not there: how to make
    it (``hint``, or mmdfkd's recipe of that name) and how to point the run
    at another one."""
    hint = hint or _recipe_hint(ckpt_path)
    how = f' {hint}' if hint else ''
    return (f'Teacher checkpoint not found: {ckpt_path}.{how} Or point the '
            f'run at an existing one with --cfg-options '
            f'model.teachers.{name}.ckpt_path=PATH.')


def checkpoint_mismatch(expected: Dict[str, torch.Tensor],
                        state: Dict[str, torch.Tensor],
                        unexpected_too: bool = True) -> List[str]:
    """How ``state`` fails to fill ``expected`` (a model's state dict):
    missing keys, shape mismatches and (if ``unexpected_too``) keys the
    model does not have, each as ``'N <what> (e.g. k1, k2, k3)'``; empty if
    it fits."""
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected)) if unexpected_too else []
    mismatched = [
        f'{k}: checkpoint {tuple(state[k].shape)} vs model '
        f'{tuple(v.shape)}' for k, v in expected.items()
        if k in state and hasattr(state[k], 'shape')
        and state[k].shape != v.shape
    ]
    problems = []
    for label, keys in (('missing keys', missing),
                        ('unexpected keys', unexpected),
                        ('shape mismatches', mismatched)):
        if keys:
            problems.append(f'{len(keys)} {label} (e.g. '
                            f'{", ".join(keys[:3])})')
    return problems


def load_teacher_checkpoint(teacher: nn.Module,
                            ckpt_path: str,
                            name: str = 'teacher',
                            hint: Optional[str] = None) -> None:
    """Load ``ckpt_path`` into ``teacher`` strictly, with errors that say
    what is wrong and how to fix it.

    Why not mmengine's ``load_checkpoint(strict=True, revise_keys=...)``:
    it reads the file the same way (``CheckpointLoader``, so mmdfkd's safe
    loading) but reports a misfit as one line per key and cannot name the
    config key to change; this checks the fit first and names
    ``model.teachers.<name>.build_cfg`` / ``ckpt_path``.

    ``teacher.init_weights()`` runs just before the weights are copied (as
    MMRazor does), so that the runner's later ``init_weights()`` leaves them
    alone.
    """
    where = f'model.teachers.{name}.ckpt_path'
    if not osp.isfile(ckpt_path):
        raise FileNotFoundError(missing_teacher(ckpt_path, name, hint))
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
    state = strip_module_prefix(state)
    problems = checkpoint_mismatch(teacher.state_dict(), state)
    if problems:
        raise ValueError(
            f'Teacher checkpoint {ckpt_path} does not fit the teacher built '
            f'from model.teachers.{name}.build_cfg: {"; ".join(problems)}. '
            'Make build_cfg the model config that trained this checkpoint '
            '(depth, num_classes, in_channels, ...), or use the checkpoint '
            'of this teacher.')
    teacher.init_weights()
    teacher.load_state_dict(state, strict=True)
