# SVHN: MMRazor's DAFL (classes unchanged), ResNet-34 -> ResNet-18,
# with the same teacher checkpoint, data-free dataloader and test split as
# configs/dfkd/svhn_resnet34_resnet18.py. See the _base_ for what was adapted.
_base_ = [
    '../../_base_/datasets/svhn.py',
    '../../_base_/models/mmrazor_dafl_resnet34_resnet18.py',
]

model = dict(
    architecture=dict(
        backbone=dict(in_channels=3), head=dict(num_classes=10)),
    teachers=dict(
        res34=dict(
            build_cfg=dict(
                backbone=dict(in_channels=3),
                head=dict(num_classes=10)),
            ckpt_path='checkpoints/svhn_resnet34_teacher.pth')),
    generator=dict(generator=dict(img_size=32)),
)
train_dataloader = dict(dataset=dict(in_channels=3))
