# CIFAR-100: MMRazor's ZSKT, ResNet-34 teacher -> ResNet-18 student.
# Teacher: configs/teachers/cifar100_resnet34.py; see the bases for every
# setting.
_base_ = ['../../_base_/datasets/cifar100.py',
          '../../_base_/methods/mmrazor_zskt.py',
          '../../_base_/schedules/dfad_25k.py']
model = dict(
    architecture=dict(head=dict(num_classes=100)),
    teachers=dict(
        teacher=dict(
            build_cfg=dict(head=dict(num_classes=100)),
            ckpt_path='checkpoints/cifar100_resnet34_teacher.pth')))
