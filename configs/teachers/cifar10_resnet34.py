# CIFAR-10 teacher: mmpretrain's ResNet-34 recipe (200 epochs, SGD 0.1,
# batch 128), unchanged but for the single-process batch size. Produces the
# checkpoint configs/dfkd/cifar10_resnet34_resnet18.py expects:
#   python tools/train.py configs/teachers/cifar10_resnet34.py
#   mkdir -p checkpoints
#   cp $(cat work_dirs/cifar10_resnet34/last_checkpoint) \
#       checkpoints/cifar10_resnet34_teacher.pth
_base_ = [
    'mmpretrain::_base_/models/resnet34_cifar.py',
    'mmpretrain::_base_/datasets/cifar10_bs16.py',
    'mmpretrain::_base_/schedules/cifar10_bs128.py',
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmdfkd'], allow_failed_imports=False)
# Checkpoints loadable with torch.load(weights_only=True) (mmdfkd/compat.py).
custom_hooks = [dict(type='mmdfkd.WeightsOnlyCheckpointHook')]
train_dataloader = dict(batch_size=128)
val_dataloader = dict(batch_size=256)
default_hooks = dict(checkpoint=dict(max_keep_ckpts=1, save_last=True))
