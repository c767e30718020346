# A small Fashion-MNIST teacher that trains on 2 CPU cores in minutes, for
# `make demo` and the benchmark: ResNet_CIFAR-18 with 16 base channels
# (1/4 width), 1 epoch, cosine lr, horizontal flips only (random crops
# slow a 1-epoch run down more than they help it).
#   python tools/train.py configs/teachers/fmnist_resnet18_w16.py
#   cp $(cat work_dirs/fmnist_resnet18_w16/last_checkpoint) \
#       checkpoints/fmnist_resnet18_w16_teacher.pth
_base_ = ['./fmnist_resnet34.py']

model = dict(
    backbone=dict(depth=18, stem_channels=16, base_channels=16),
    head=dict(in_channels=128))
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='RandomFlip', prob=0.5, direction='horizontal'),
        dict(type='PackInputs'),
    ]))
train_cfg = dict(max_epochs=1)
param_scheduler = dict(
    _delete_=True,
    type='CosineAnnealingLR',
    T_max=1,
    by_epoch=True,
    convert_to_iter_based=True)
default_hooks = dict(logger=dict(interval=100))
