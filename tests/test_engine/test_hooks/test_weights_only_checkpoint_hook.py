# Copyright (c) mmdfkd contributors. All rights reserved.
import collections

import pytest
import torch
from mmengine.logging import HistoryBuffer

from mmdfkd.engine import WeightsOnlyCheckpointHook


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
    hook.before_save_checkpoint(None, checkpoint)
    path = str(tmp_path / 'ckpt.pth')
    torch.save(checkpoint, path)
    loaded = torch.load(path, weights_only=True)
    hook.after_load_checkpoint(None, loaded)
    restored = loaded['message_hub']['log_scalars']['loss']
    assert isinstance(restored, HistoryBuffer)
    assert restored.mean() == pytest.approx(7 / 3)
    assert loaded['meta']['eta'] == 1.5
