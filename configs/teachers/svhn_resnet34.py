# SVHN teacher: mmpretrain's ResNet-34 CIFAR recipe on SVHN's train split
# (no horizontal flip: digits are not mirror-symmetric).
#   python tools/train.py configs/teachers/svhn_resnet34.py
#   cp $(cat work_dirs/svhn_resnet34/last_checkpoint) \
#       checkpoints/svhn_resnet34_teacher.pth
_base_ = [
    'mmpretrain::_base_/models/resnet34_cifar.py',
    'mmpretrain::_base_/schedules/cifar10_bs128.py',
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/datasets/svhn.py',
]
custom_imports = dict(imports=['mmdfkd'], allow_failed_imports=False)
custom_hooks = [dict(type='mmdfkd.WeightsOnlyCheckpointHook')]
train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    dataset=dict(
        type='mmdfkd.SVHN',
        data_root='data/svhn',
        split='train',
        pipeline=[
            dict(type='RandomCrop', crop_size=32, padding=4),
            dict(type='PackInputs'),
        ]),
    sampler=dict(type='DefaultSampler', shuffle=True))
# SVHN converges in far fewer epochs than CIFAR.
train_cfg = dict(max_epochs=40)
param_scheduler = dict(milestones=[20, 30])
default_hooks = dict(checkpoint=dict(max_keep_ckpts=1, save_last=True))
