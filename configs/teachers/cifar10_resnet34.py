# CIFAR-10 teacher: mmpretrain's ResNet-34 recipe, unchanged but for the
# single-process batch size. Makes the checkpoint that
# configs/dfkd/cifar10_resnet34_resnet18.py expects:
#   python tools/train.py configs/teachers/cifar10_resnet34.py
#   mkdir -p checkpoints && \
#   cp $(cat work_dirs/cifar10_resnet34/last_checkpoint) \
#       checkpoints/cifar10_resnet34_teacher.pth
_base_ = [
    '../_base_/teacher_runtime.py',
    'mmpretrain::_base_/datasets/cifar10_bs16.py',
]
train_dataloader = dict(batch_size=128)
val_dataloader = dict(batch_size=256)
