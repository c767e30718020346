# Copyright (c) mmdfkd contributors. All rights reserved.
import collections
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import HistoryBuffer

from mmdfkd.engine import WeightsOnlyCheckpointHook
from mmdfkd.utils.errors import ConfigError, TrainingDiverged


class _Model(torch.nn.Module):

    def __init__(self, size=2):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(size))


def _runner(tmp_path, model=None):
    return SimpleNamespace(model=model or _Model(), work_dir=str(tmp_path),
                           iter=2)


def test_hook_refuses_non_finite_and_foreign_checkpoints(tmp_path):
    hook = WeightsOnlyCheckpointHook()
    runner = _runner(tmp_path)
    poisoned = dict(meta=dict(iter=3), state_dict=dict(
        w=torch.tensor([1.0, float('nan')])), optimizer={})
    with pytest.raises(TrainingDiverged,
                       match='at iteration 3.*state_dict.w.*no checkpoint'):
        hook.before_save_checkpoint(runner, poisoned)
    good = dict(meta=dict(iter=2), state_dict=dict(w=torch.ones(2)))
    hook.before_save_checkpoint(runner, good)
    assert good['meta']['model_type'].endswith('_Model')
    hook.after_load_checkpoint(runner, good)  # its own model: fine
    with pytest.raises(ConfigError, match='saved by .*_Model, this run is'):
        hook.after_load_checkpoint(_runner(tmp_path, torch.nn.Linear(2, 2)),
                                   dict(good))
    other = dict(meta={}, state_dict=dict(w=torch.ones(3)))
    with pytest.raises(ConfigError, match='1 tensors have other shapes'):
        hook.after_load_checkpoint(runner, other)
    # a file of another model, without the model type: none of its keys
    foreign = dict(meta={}, state_dict={'backbone.conv.weight': torch.ones(1)})
    with pytest.raises(ConfigError,
                       match='none of its keys is a key of this model'):
        hook.after_load_checkpoint(runner, foreign)
    # a DDP-saved file of this model (keys under 'module.') is its own
    hook.after_load_checkpoint(runner, dict(
        meta={}, state_dict={'module.w': torch.ones(2)}))


def test_hook_makes_mmengine_checkpoint_state_weights_only(tmp_path):
    import numpy as np
    buffer = HistoryBuffer()
    for v in (1.0, 2.0, 4.0):
        buffer.update(v)
    checkpoint = dict(
        meta=dict(iter=3, eta=np.float64(1.5)),
        message_hub=dict(
            log_scalars=collections.OrderedDict(loss=buffer),
            runtime_info=dict(eta=np.float64(2.0), arr=np.arange(3)),
            resumed_keys=dict(loss=True)),
        state_dict=dict(w=torch.ones(2)))
    hook = WeightsOnlyCheckpointHook()
    runner = _runner(tmp_path)
    hook.before_save_checkpoint(runner, checkpoint)
    path = str(tmp_path / 'ckpt.pth')
    torch.save(checkpoint, path)
    loaded = torch.load(path, weights_only=True)
    hook.after_load_checkpoint(runner, loaded)
    restored = loaded['message_hub']['log_scalars']['loss']
    assert isinstance(restored, HistoryBuffer)
    assert restored.mean() == pytest.approx(7 / 3)
    assert loaded['meta']['eta'] == 1.5
