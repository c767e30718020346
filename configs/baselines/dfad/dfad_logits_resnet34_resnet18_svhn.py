# SVHN: MMRazor's DFAD, ResNet-34 teacher -> ResNet-18 student.
# Teacher: configs/teachers/svhn_resnet34.py; see the bases for every
# setting.
_base_ = ['../../_base_/datasets/svhn.py',
          '../../_base_/methods/mmrazor_dfad.py',
          '../../_base_/schedules/dfad_25k.py']
model = dict(
    teachers=dict(
        teacher=dict(ckpt_path='checkpoints/svhn_resnet34_teacher.pth')))
