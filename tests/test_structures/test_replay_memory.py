# Copyright (c) mmdfkd contributors. All rights reserved.
import io

import pytest
import torch

from mmdfkd.registry import MODELS
from mmdfkd.structures import BaseMemoryPolicy, ReplayMemory

FIFO = dict(type='mmdfkd.FIFOPolicy')


def _stream(start, num):
    """Samples whose every value is their stream index."""
    idx = torch.arange(start, start + num, dtype=torch.float32)
    return idx.view(-1, 1, 1, 1).expand(-1, 1, 2, 2), idx.view(-1, 1)


def _stored_ids(memory):
    state = memory.state_dict()
    return sorted(state['samples'][:, 0, 0, 0].float().long().tolist())


def test_fifo_keeps_the_newest():
    memory = ReplayMemory(10, policy=FIFO, dtype='float32')
    for start in range(0, 25, 5):
        memory.push(*_stream(start, 5))
    assert len(memory) == 10 and memory.num_seen == 25
    assert _stored_ids(memory) == list(range(15, 25))
    memory.push(*_stream(25, 13))  # a batch larger than the memory
    assert _stored_ids(memory) == list(range(28, 38))


def test_reservoir_keeps_every_sample_with_equal_probability():
    capacity, stream, trials = 10, 100, 1000
    counts = torch.zeros(stream)
    for seed in range(trials):
        memory = ReplayMemory(capacity, dtype='float32', seed=seed,
                              policy=dict(type='mmdfkd.ReservoirPolicy'))
        for start in range(0, stream, 7):
            memory.push(*_stream(start, min(7, stream - start)))
        ids = _stored_ids(memory)
        assert len(set(ids)) == capacity
        counts[ids] += 1
    freq = counts / trials
    # each sample is kept with probability capacity / stream = 0.1; the
    # standard error over 1000 trials is 0.0095
    assert (freq - 0.1).abs().max() < 0.045
    assert freq[:10].mean() == pytest.approx(0.1, abs=0.02)
    assert freq[-10:].mean() == pytest.approx(0.1, abs=0.02)


def test_sample_returns_stored_samples_and_their_logits():
    memory = ReplayMemory(8, dtype='float16')
    memory.push(*_stream(0, 8))
    samples, logits = memory.sample(20)
    assert samples.dtype == torch.float32 and samples.shape == (20, 1, 2, 2)
    assert torch.equal(samples[:, 0, 0, 0], logits[:, 0])
    assert memory.nbytes == 8 * 4 * 2 + 8 * 1 * 4


def test_uint8_storage_keeps_each_sample_within_half_a_step():
    memory = ReplayMemory(4, dtype='uint8', store_logits=False)
    # values far outside any pixel range (a BN-output generator makes
    # them) and channels of very different spans
    x = torch.randn(4, 2, 3, 3) * torch.tensor([1., 20.]).view(1, 2, 1, 1)
    x[0, 0, 0, 0] = -40.0
    memory.push(x)
    state = memory.state_dict()
    assert state['samples'].dtype == torch.uint8
    assert state['ranges'].shape == (4, 2, 2)
    flat = x.flatten(2)
    half_step = (flat.amax(2) - flat.amin(2)) / 510
    error = (memory.contents()[0] - x).abs().flatten(2).amax(2)
    assert (error <= half_step + 1e-5).all()
    # each sample's extremes are kept exactly (up to float rounding)
    decoded = memory.contents()[0].flatten(2)
    assert torch.allclose(decoded.amin(2), flat.amin(2), atol=1e-5)
    assert torch.allclose(decoded.amax(2), flat.amax(2), atol=1e-4)
    samples, logits = memory.sample(64)
    assert logits is None and samples.dtype == torch.float32
    # 1 byte per value, plus an offset and a step (float32) per channel
    assert memory.nbytes == 4 * 2 * 9 + 4 * 2 * 2 * 4
    # a constant channel decodes to its constant
    constant = ReplayMemory(4, dtype='uint8', store_logits=False)
    constant.push(torch.full((1, 2, 3, 3), 0.75))
    assert torch.allclose(constant.peek(1), torch.full((1, 2, 3, 3), 0.75))


@pytest.mark.parametrize('dtype', ['float16', 'uint8'])
def test_state_round_trips_bit_for_bit_through_a_safe_checkpoint(dtype):
    memory = ReplayMemory(16, seed=3, dtype=dtype)
    for start in range(0, 40, 8):
        memory.push(torch.randn(8, 3, 4, 4), torch.randn(8, 5))
    buffer = io.BytesIO()
    torch.save(dict(memory=memory.state_dict()), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)['memory']
    assert all(torch.is_tensor(v) for v in state.values())
    restored = ReplayMemory(16, seed=99, dtype=dtype)
    restored.load_state_dict(state)
    for key, value in memory.state_dict().items():
        other = restored.state_dict()[key]
        assert torch.equal(value, other) if torch.is_tensor(value) else \
            value == other
    # same random state: the next pushes and samples are identical
    batch = torch.randn(8, 3, 4, 4), torch.randn(8, 5)
    memory.push(*batch)
    restored.push(*batch)
    for a, b in zip(memory.sample(10), restored.sample(10)):
        assert torch.equal(a, b)


def test_uint8_checkpoint_without_ranges_is_refused():
    memory = ReplayMemory(4, dtype='uint8')
    memory.push(torch.randn(4, 1, 2, 2), torch.randn(4, 3))
    state = memory.state_dict()
    del state['ranges']  # codes that cannot be decoded
    with pytest.raises(RuntimeError, match='Missing key.*ranges'):
        ReplayMemory(4, dtype='uint8').load_state_dict(state)
    # a complete state loads back
    ReplayMemory(4, dtype='uint8').load_state_dict(memory.state_dict())
    # float memories neither write nor need the key
    assert 'ranges' not in ReplayMemory(4).state_dict()


def test_the_default_policy_is_what_the_configs_ship():
    from mmengine.config import Config
    shipped = Config.fromfile('configs/_base_/methods/dfkd.py').model.memory
    assert type(ReplayMemory(4).policy).__name__ == \
        shipped.policy.type.split('.')[-1]


def test_errors_name_the_config_key_of_the_memory():
    with pytest.raises(ValueError, match='model.holdout.capacity'):
        ReplayMemory(0, config_key='model.holdout')


def test_bad_configuration_is_refused():
    with pytest.raises(ValueError, match='capacity'):
        ReplayMemory(0)
    with pytest.raises(KeyError, match='LIFOPolicy'):
        ReplayMemory(4, policy=dict(type='mmdfkd.LIFOPolicy'))
    with pytest.raises(TypeError, match='BaseMemoryPolicy'):
        ReplayMemory(4, policy='fifo')  # the former string form
    with pytest.raises(ValueError, match='replay_batch_size=8.*capacity'):
        ReplayMemory(4, replay_batch_size=8)
    for key in ('push_per_iter', 'push_interval'):
        with pytest.raises(ValueError, match=key):
            ReplayMemory(4, **{key: 0})
    with pytest.raises(ValueError, match='unknown dtype'):
        ReplayMemory(4, dtype='bfloat8')
    with pytest.raises(ValueError, match=r"shape \(N, C, ...\)"):
        ReplayMemory(4, dtype='uint8').push(torch.randn(2, 5))
    memory = ReplayMemory(4, policy=FIFO)
    with pytest.raises(ValueError, match='capacity=4'):
        memory.load_state_dict(ReplayMemory(8).state_dict())
    with pytest.raises(RuntimeError, match='empty'):
        memory.sample(1)


def test_update_offers_push_per_iter_samples_every_push_interval():
    memory = ReplayMemory(100, push_per_iter=3, push_interval=2)
    for start in range(0, 50, 10):
        memory.update(*_stream(start, 10))
    # calls 1, 3, 5 push the first 3 samples of their batch
    assert memory.num_seen == 9
    assert _stored_ids(memory) == [0, 1, 2, 20, 21, 22, 40, 41, 42]


def test_policies_are_registered_and_pluggable():
    from mmdfkd.registry import TASK_UTILS

    @TASK_UTILS.register_module(force=True)
    class FirstOnlyPolicy(BaseMemoryPolicy):
        """Keeps the first sample ever offered, in slot 0."""

        def select(self, num, num_seen, capacity, generator):
            keep = torch.tensor([0] if num_seen == 0 else [])
            return keep.long(), keep.long()

    memory = MODELS.build(
        dict(type='mmdfkd.ReplayMemory', capacity=4,
             policy=dict(type='mmdfkd.FirstOnlyPolicy')))
    memory.push(*_stream(0, 3))
    memory.push(*_stream(3, 3))
    assert len(memory) == 1 and _stored_ids(memory) == [0]


def test_empty_memory_state_round_trips():
    state = ReplayMemory(8).state_dict()
    restored = ReplayMemory(8)
    restored.load_state_dict(state)
    assert len(restored) == 0 and restored.nbytes == 0


def _skewed_stream(generator, num, num_classes=5, major=0.7):
    """Samples whose teacher logits favour class 0 (``major`` of them)."""
    labels = torch.where(
        torch.rand(num, generator=generator) < major,
        torch.zeros(num, dtype=torch.long),
        torch.randint(1, num_classes, (num, ), generator=generator))
    logits = torch.nn.functional.one_hot(labels, num_classes).float()
    return torch.randn(num, 1, 2, 2, generator=generator), logits


def _class_counts(memory, num_classes=5):
    _, logits = memory.contents()
    return torch.bincount(logits.argmax(1), minlength=num_classes)


@pytest.mark.parametrize('policy,balanced', [
    ('mmdfkd.ClassBalancedPolicy', True),
    ('mmdfkd.ReservoirPolicy', False),
])
def test_class_balanced_policy_keeps_an_equal_share_per_class(
        policy, balanced):
    capacity, trials = 20, 50
    spreads, majors = [], []
    for seed in range(trials):
        generator = torch.Generator().manual_seed(seed)
        memory = ReplayMemory(capacity, policy=dict(type=policy),
                              dtype='float32', seed=seed)
        for _ in range(60):  # 480 samples, 70 % of class 0
            memory.push(*_skewed_stream(generator, 8))
        counts = _class_counts(memory)
        assert counts.sum() == capacity
        spreads.append(int(counts.max() - counts.min()))
        majors.append(int(counts[0]))
    if balanced:
        # 20 slots, 5 classes: 4 each, every seed
        assert max(spreads) <= 1 and sum(majors) / trials == \
            pytest.approx(4, abs=0.5)
    else:  # the reservoir keeps the stream's 70 %: about 14 of 20
        assert sum(majors) / trials == pytest.approx(14, abs=1.5)


def test_class_balanced_policy_renews_the_fullest_class_and_fills_first():
    memory = ReplayMemory(6, policy=dict(type='mmdfkd.ClassBalancedPolicy'),
                          dtype='float32')
    samples, _ = _stream(0, 6)
    memory.push(samples, torch.eye(2)[[0, 0, 0, 0, 0, 1]])
    assert _stored_ids(memory) == list(range(6))  # all kept while not full
    samples, _ = _stream(6, 2)
    memory.push(samples, torch.eye(2)[[1, 1]])  # class 1 takes class 0 slots
    assert _class_counts(memory, 2).tolist() == [3, 3]
    assert {6, 7} <= set(_stored_ids(memory))
    with pytest.raises(ValueError, match='store_logits=True'):
        ReplayMemory(4, policy=dict(type='mmdfkd.ClassBalancedPolicy'),
                     store_logits=False).push(*_stream(0, 2))


def test_resume_refuses_another_dtype_and_a_push_needs_its_logits():
    memory = ReplayMemory(8, dtype='float16')
    memory.push(*_stream(0, 4))
    with pytest.raises(ValueError, match="stored as torch.float16.*"
                       "model.memory.dtype='float32'"):
        ReplayMemory(8, dtype='float32').load_state_dict(memory.state_dict())
    with pytest.raises(ValueError, match='stores logits: push them'):
        memory.push(_stream(4, 2)[0])


def test_sample_moves_to_the_device_asked_for():
    memory = ReplayMemory(8, dtype='float32')
    memory.push(*_stream(0, 8))
    samples, logits = memory.sample(5, device='meta')
    assert samples.device.type == logits.device.type == 'meta'
    samples, logits = memory.sample(5)
    assert samples.device.type == 'cpu'
    assert torch.equal(samples[:, 0, 0, 0], logits[:, 0])


def test_augments_touch_replayed_samples_only_and_are_seeded():
    augments = [dict(type='mmdfkd.BatchRandomCrop', padding=1),
                dict(type='mmdfkd.BatchRandomFlip')]
    x = torch.arange(8 * 9, dtype=torch.float32).view(8, 1, 3, 3)
    logits = torch.randn(8, 3)
    memory = ReplayMemory(8, dtype='float32', augments=augments, seed=4)
    memory.push(x, logits)
    # stored as offered: contents are never augmented
    assert torch.equal(memory.contents()[0], x)
    samples, got = memory.sample(64)
    assert got is None  # augmented: the teacher labels them
    assert samples.shape == (64, 1, 3, 3)
    # every replayed sample is a crop (zero padded) of a stored one, maybe
    # flipped, and some differ from every stored sample
    padded = torch.nn.functional.pad(x, (1, 1, 1, 1))
    windows = {tuple(padded[i, 0, r:r + 3, c:c + 3].flip(-1 if f else
                                                         0).flatten()
                     .tolist() if f else
                     padded[i, 0, r:r + 3, c:c + 3].flatten().tolist())
               for i in range(8) for r in range(3) for c in range(3)
               for f in (0, 1)}
    assert all(tuple(s.flatten().tolist()) in windows for s in samples)
    stored = {tuple(s.flatten().tolist()) for s in x}
    assert any(tuple(s.flatten().tolist()) not in stored for s in samples)
    # seeded: the same seed replays the same batch, another seed another
    twin = ReplayMemory(8, dtype='float32', augments=augments, seed=4)
    twin.push(x, logits)
    assert torch.equal(twin.sample(64)[0], samples)
    other = ReplayMemory(8, dtype='float32', augments=augments, seed=5)
    other.push(x, logits)
    assert not torch.equal(other.sample(64)[0], samples)


def test_class_balanced_replaces_inside_the_fullest_class():
    memory = ReplayMemory(6, policy=dict(type='mmdfkd.ClassBalancedPolicy'),
                          dtype='float32')
    onehot = torch.eye(3)
    # full: four of class 0, two of class 1
    labels = [0, 0, 0, 0, 1, 1]
    memory.push(torch.arange(6.).view(-1, 1, 1, 1), onehot[labels] * 5)
    # a class-2 sample replaces a class-0 one (the fullest)
    memory.push(torch.full((1, 1, 1, 1), 10.), onehot[[2]] * 5)
    stored = memory.contents()[1].argmax(1).tolist()
    assert sorted(stored) == [0, 0, 0, 1, 1, 2]
    ids = sorted(memory.contents()[0].flatten().tolist())
    assert 10.0 in ids and {4.0, 5.0} <= set(ids)  # class 1 untouched
    # a class-0 sample (0 is among the fullest) replaces a class-0 one
    memory.push(torch.full((1, 1, 1, 1), 11.), onehot[[0]] * 5)
    assert sorted(memory.contents()[1].argmax(1).tolist()) == \
        [0, 0, 0, 1, 1, 2]
    assert 11.0 in memory.contents()[0].flatten().tolist()
