# SVHN teacher: mmpretrain's ResNet-34 recipe on SVHN's train split, 40
# epochs, random crops, no flips (digits are not mirror-symmetric). Makes
# checkpoints/svhn_resnet34_teacher.pth (see cifar10_resnet34.py).
_base_ = ['../_base_/teacher_runtime.py', '../_base_/datasets/svhn.py']
train_dataloader = dict(
    _base_.val_dataloader,
    batch_size=128,
    dataset=dict(
        _base_.val_dataloader.dataset,
        split='train',
        pipeline=[
            dict(type='RandomCrop', crop_size=32, padding=4),
            dict(type='PackInputs'),
        ]),
    sampler=dict(type='DefaultSampler', shuffle=True))
train_cfg = dict(max_epochs=40)
param_scheduler = dict(milestones=[20, 30])
