# Fashion-MNIST teacher: mmpretrain's ResNet-34 CIFAR recipe, 1-channel
# 28x28 input (data from the Debian package dataset-fashion-mnist, see
# tools/prepare_fmnist.sh, or mmpretrain's download).
#   python tools/train.py configs/teachers/fmnist_resnet34.py
#   cp $(cat work_dirs/fmnist_resnet34/last_checkpoint) \
#       checkpoints/fmnist_resnet34_teacher.pth
_base_ = [
    'mmpretrain::_base_/models/resnet34_cifar.py',
    'mmpretrain::_base_/schedules/cifar10_bs128.py',
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/datasets/fmnist.py',
]
custom_imports = dict(imports=['mmdfkd'], allow_failed_imports=False)
custom_hooks = [dict(type='mmdfkd.WeightsOnlyCheckpointHook')]
model = dict(backbone=dict(in_channels=1))
train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    dataset=dict(
        type='FashionMNIST',
        data_root='data/fashion_mnist',
        split='train',
        pipeline=[
            dict(type='RandomCrop', crop_size=28, padding=2),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='PackInputs'),
        ]),
    sampler=dict(type='DefaultSampler', shuffle=True))
train_cfg = dict(max_epochs=40)
param_scheduler = dict(milestones=[20, 30])
default_hooks = dict(checkpoint=dict(max_keep_ckpts=1, save_last=True))
