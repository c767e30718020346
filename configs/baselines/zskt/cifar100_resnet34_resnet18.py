# CIFAR-100: MMRazor's ZSKT (classes unchanged), ResNet-34 -> ResNet-18,
# with the same teacher checkpoint, data-free dataloader and test split as
# configs/dfkd/cifar100_resnet34_resnet18.py. See the _base_ for what was adapted.
_base_ = [
    '../../_base_/datasets/cifar100.py',
    '../../_base_/models/mmrazor_zskt_resnet34_resnet18.py',
]

model = dict(
    architecture=dict(
        backbone=dict(in_channels=3), head=dict(num_classes=100)),
    teachers=dict(
        res34=dict(
            build_cfg=dict(
                backbone=dict(in_channels=3),
                head=dict(num_classes=100)),
            ckpt_path='checkpoints/cifar100_resnet34_teacher.pth')),
    generator=dict(generator=dict(img_size=32)),
)
train_dataloader = dict(dataset=dict(in_channels=3))
