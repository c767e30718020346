# Fashion-MNIST, small: ResNet_CIFAR-18 (16 channels) teacher -> ResNet_CIFAR-18
# (8 channels) student; the setup of `make demo` and tools/benchmark.py,
# sized for 2 CPU cores. Teacher: configs/teachers/fmnist_resnet18_w16.py.
_base_ = ['./fmnist_resnet34_resnet18.py']

teacher_ckpt = 'checkpoints/fmnist_resnet18_w16_teacher.pth'
model = dict(
    architecture=dict(
        backbone=dict(stem_channels=8, base_channels=8),
        head=dict(in_channels=64)),
    teachers=dict(
        _delete_=True,
        teacher=dict(
            build_cfg=dict(
                _scope_='mmpretrain',
                type='ImageClassifier',
                backbone=dict(
                    type='ResNet_CIFAR',
                    depth=18,
                    in_channels=1,
                    stem_channels=16,
                    base_channels=16,
                    out_indices=(3, )),
                neck=dict(type='GlobalAveragePooling'),
                head=dict(
                    type='LinearClsHead',
                    num_classes=10,
                    in_channels=128,
                    loss=dict(type='CrossEntropyLoss', loss_weight=1.0))),
            ckpt_path=teacher_ckpt,
            ckpt_hint='Train it with: python tools/train.py '
            'configs/teachers/fmnist_resnet18_w16.py && mkdir -p checkpoints '
            '&& cp $(cat work_dirs/fmnist_resnet18_w16/last_checkpoint) '
            'checkpoints/fmnist_resnet18_w16_teacher.pth (or: make demo).')),
    generator=dict(latent_dim=64, hidden_channels=32))

train_dataloader = dict(batch_size=64)
iters = 300
train_cfg = dict(max_iters=iters, val_interval=40)
param_scheduler = dict(
    _delete_=True,
    architecture=dict(
        type='CosineAnnealingLR', T_max=iters, by_epoch=False, eta_min=1e-3),
    generator=dict(
        type='CosineAnnealingLR', T_max=iters, by_epoch=False, eta_min=1e-4))
default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(interval=100))
custom_hooks = [
    dict(type='mmdfkd.WeightsOnlyCheckpointHook'),
    dict(
        type='mmdfkd.ReplayMemoryHook',
        capacity=1280,
        push_per_iter=16,
        replay_batch_size=32),
    dict(type='mmdfkd.AccuracyHistoryHook'),
    dict(type='mmdfkd.SampleVisualizationHook', interval=100),
]
