# What every teacher recipe shares: mmpretrain's ResNet-34 CIFAR model,
# schedule (200 epochs, SGD 0.1, batch 128) and runtime, with checkpoints
# that load with torch.load(weights_only=True) (mmdfkd/compat/safe_loading.py).
_base_ = [
    'mmpretrain::_base_/models/resnet34_cifar.py',
    'mmpretrain::_base_/schedules/cifar10_bs128.py',
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmdfkd'], allow_failed_imports=False)
custom_hooks = [dict(type='mmdfkd.WeightsOnlyCheckpointHook')]
default_hooks = dict(checkpoint=dict(max_keep_ckpts=1, save_last=True))
