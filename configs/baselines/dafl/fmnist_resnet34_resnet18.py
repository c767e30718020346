# Fashion-MNIST: MMRazor's DAFL (classes unchanged), ResNet-34 -> ResNet-18,
# with the same teacher checkpoint, data-free dataloader and test split as
# configs/dfkd/fmnist_resnet34_resnet18.py. See the _base_ for what was adapted.
_base_ = [
    '../../_base_/datasets/fmnist.py',
    '../../_base_/models/mmrazor_dafl_resnet34_resnet18.py',
]

model = dict(
    architecture=dict(
        backbone=dict(in_channels=1), head=dict(num_classes=10)),
    teachers=dict(
        res34=dict(
            build_cfg=dict(
                backbone=dict(in_channels=1),
                head=dict(num_classes=10)),
            ckpt_path='checkpoints/fmnist_resnet34_teacher.pth')),
    # MMRazor's generators always make 3 channels: mmdfkd.DFKDGenerator
    # stands in for them on this 1-channel data set.
    generator=dict(
        generator=dict(
            _delete_=True,
            type='mmdfkd.DFKDGenerator',
            img_size=28,
            out_channels=1,
            latent_dim=256,
            hidden_channels=64)),
)
train_dataloader = dict(dataset=dict(in_channels=1))
