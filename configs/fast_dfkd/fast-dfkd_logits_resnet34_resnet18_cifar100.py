# CIFAR-100: Fast-DFKD (g_steps 2) with the official script's settings,
# ResNet-34 teacher -> ResNet-18 student, batch 256 (see the bases).
# Teacher: configs/teachers/cifar100_resnet34.py.
_base_ = ['../_base_/datasets/cifar100.py', '../_base_/methods/fast_dfkd.py']
model = dict(
    architecture=dict(head=dict(num_classes=100)),
    teachers=dict(
        teacher=dict(
            build_cfg=dict(head=dict(num_classes=100)),
            ckpt_path='checkpoints/cifar100_resnet34_teacher.pth')))
