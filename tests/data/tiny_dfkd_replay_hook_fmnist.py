# tiny_dfkd_fmnist.py without its own memory, given one by
# mmdfkd.ReplayMemoryHook instead.
_base_ = ['./tiny_dfkd_fmnist.py']

model = dict(memory=None)
custom_hooks = [
    dict(type='mmdfkd.WeightsOnlyCheckpointHook'),
    dict(type='mmdfkd.AccuracyHistoryHook'),
    dict(
        type='mmdfkd.ReplayMemoryHook',
        memory=dict(capacity=48, push_per_iter=8, replay_batch_size=8)),
]
