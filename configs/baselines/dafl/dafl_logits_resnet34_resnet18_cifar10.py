# CIFAR-10: MMRazor's DAFL, ResNet-34 teacher -> ResNet-18 student.
# Teacher: configs/teachers/cifar10_resnet34.py; see the bases for every
# setting.
_base_ = ['../../_base_/datasets/cifar10.py',
          '../../_base_/methods/mmrazor_dafl.py',
          '../../_base_/schedules/dafl_30k.py']
model = dict(
    teachers=dict(
        teacher=dict(ckpt_path='checkpoints/cifar10_resnet34_teacher.pth')))
