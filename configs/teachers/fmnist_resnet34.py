# Fashion-MNIST teacher: mmpretrain's ResNet-34 CIFAR recipe on 1-channel
# 28x28 input, 40 epochs (data:
# `bash tools/dataset_converters/prepare_fmnist.sh data/fashion_mnist`).
# Makes checkpoints/fmnist_resnet34_teacher.pth (see cifar10_resnet34.py).
_base_ = ['../_base_/teacher_runtime.py', '../_base_/datasets/fmnist.py']
model = dict(backbone=dict(in_channels=1))
train_dataloader = dict(
    _base_.val_dataloader,
    batch_size=128,
    dataset=dict(
        _base_.val_dataloader.dataset,
        split='train',
        test_mode=False,
        pipeline=[
            dict(type='RandomCrop', crop_size=28, padding=2),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='PackInputs'),
        ]),
    sampler=dict(type='DefaultSampler', shuffle=True))
train_cfg = dict(max_epochs=40)
param_scheduler = dict(milestones=[20, 30])
