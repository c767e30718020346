# tiny_mmrazor_dfad_fmnist.py (MMRazor's DataFreeDistillation, unchanged)
# given a replay memory by mmdfkd.ReplayMemoryHook.
_base_ = ['./tiny_mmrazor_dfad_fmnist.py']

custom_hooks = [
    dict(type='mmdfkd.WeightsOnlyCheckpointHook'),
    dict(type='mmdfkd.AccuracyHistoryHook'),
    dict(
        type='mmdfkd.ReplayMemoryHook',
        memory=dict(
            capacity=32,
            policy=dict(type='mmdfkd.ClassBalancedPolicy'),
            push_per_iter=8,
            replay_batch_size=8),
        distill_loss=dict(type='mmrazor.L1Loss')),
]
