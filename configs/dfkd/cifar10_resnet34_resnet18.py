# CIFAR-10: data-free distillation of a ResNet-34 teacher into a ResNet-18
# student (ours: replay memory + BN-statistics constraint).
# Teacher: python tools/train.py configs/teachers/cifar10_resnet34.py
_base_ = [
    '../_base_/datasets/cifar10.py',
    '../_base_/models/dfkd_resnet34_resnet18.py',
]

teacher_ckpt = 'checkpoints/cifar10_resnet34_teacher.pth'
model = dict(
    architecture=dict(
        backbone=dict(in_channels=3), head=dict(num_classes=10)),
    teachers=dict(
        res34=dict(
            build_cfg=dict(
                backbone=dict(in_channels=3),
                head=dict(num_classes=10)),
            ckpt_path=teacher_ckpt,
            ckpt_hint='Train it with: python tools/train.py '
            'configs/teachers/cifar10_resnet34.py && mkdir -p checkpoints '
            '&& cp $(cat work_dirs/cifar10_resnet34/last_checkpoint) '
            'checkpoints/cifar10_resnet34_teacher.pth (README, "From nothing '
            'to a distilled student").')),
    generator=dict(img_size=32, out_channels=3))
train_dataloader = dict(dataset=dict(in_channels=3))
