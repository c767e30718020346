# CIFAR-100 teacher: mmpretrain's ResNet-34 recipe with 100 classes and
# mmpretrain's CIFAR-100 weight decay (5e-4). Makes
# checkpoints/cifar100_resnet34_teacher.pth (see cifar10_resnet34.py).
_base_ = [
    '../_base_/teacher_runtime.py',
    'mmpretrain::_base_/datasets/cifar100_bs16.py',
]
model = dict(head=dict(num_classes=100))
train_dataloader = dict(batch_size=128)
val_dataloader = dict(batch_size=256)
optim_wrapper = dict(optimizer=dict(weight_decay=5e-4))
