# CIFAR-100 teacher: mmpretrain's ResNet-34 CIFAR recipe with 100 classes.
#   python tools/train.py configs/teachers/cifar100_resnet34.py
#   cp $(cat work_dirs/cifar100_resnet34/last_checkpoint) \
#       checkpoints/cifar100_resnet34_teacher.pth
_base_ = [
    'mmpretrain::_base_/models/resnet34_cifar.py',
    'mmpretrain::_base_/datasets/cifar100_bs16.py',
    'mmpretrain::_base_/schedules/cifar10_bs128.py',
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmdfkd'], allow_failed_imports=False)
custom_hooks = [dict(type='mmdfkd.WeightsOnlyCheckpointHook')]
model = dict(head=dict(num_classes=100))
train_dataloader = dict(batch_size=128)
val_dataloader = dict(batch_size=256)
# mmpretrain's CIFAR-100 ResNet recipes use weight decay 5e-4.
optim_wrapper = dict(optimizer=dict(weight_decay=5e-4))
default_hooks = dict(checkpoint=dict(max_keep_ckpts=1, save_last=True))
