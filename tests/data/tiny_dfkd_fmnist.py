# A tiny version of configs/dfkd/fmnist_resnet34_resnet18.py for tests:
# narrow ResNet_CIFAR-18 teacher (8 channels) and student (4 channels).
_base_ = ['../../configs/dfkd/fmnist_resnet34_resnet18.py']

model = dict(
    architecture=dict(
        backbone=dict(stem_channels=4, base_channels=4),
        head=dict(in_channels=32)),
    teachers=dict(
        teacher=dict(
            build_cfg=dict(
                backbone=dict(depth=18, stem_channels=8, base_channels=8),
                head=dict(in_channels=64)),
            ckpt_path=None)),
    generator=dict(latent_dim=16, hidden_channels=8),
    memory=dict(capacity=48, push_per_iter=8, replay_batch_size=8),
    student_iter=2)
train_dataloader = dict(batch_size=8)
train_cfg = dict(max_iters=20, val_interval=10)
val_dataloader = dict(batch_size=32, num_workers=0)
test_dataloader = val_dataloader
default_hooks = dict(
    logger=dict(interval=5), checkpoint=dict(interval=4, max_keep_ckpts=10))
custom_hooks = [
    dict(type='mmdfkd.WeightsOnlyCheckpointHook'),
    dict(type='mmdfkd.AccuracyHistoryHook'),
]
