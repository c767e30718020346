# Copyright (c) mmdfkd contributors. All rights reserved.
import pytest
import torch

from mmdfkd.engine import ReplayMemoryHook


@pytest.mark.parametrize('kwargs,match', [
    (dict(capacity=0), 'capacity must be a positive.*Set e.g. capacity='),
    (dict(capacity=-5), 'capacity must be a positive.*Set e.g. capacity='),
    (dict(capacity=64, replay_batch_size=128),
     'replay_batch_size=128.*lower it or raise capacity'),
    (dict(policy='lru'), "unknown policy 'lru'; use one of"),
    (dict(dtype='float64'), "unknown dtype 'float64'; use one of"),
    (dict(push_per_iter=0), 'push_per_iter'),
    (dict(push_interval=0), 'push_interval'),
])
def test_bad_configuration_fails_at_construction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ReplayMemoryHook(**kwargs)


def test_model_without_memory_support_is_refused():
    class Runner:
        model = torch.nn.Linear(2, 2)

    with pytest.raises(TypeError, match='attach_memory'):
        ReplayMemoryHook().before_run(Runner())
