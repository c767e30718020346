# Fashion-MNIST: MMRazor's ZSKT, ResNet-34 teacher -> ResNet-18 student.
# Teacher: configs/teachers/fmnist_resnet34.py; see the bases for every
# setting.
_base_ = ['../../_base_/datasets/fmnist.py',
          '../../_base_/methods/mmrazor_zskt.py',
          '../../_base_/schedules/dfad_25k.py']
model = dict(architecture=_base_.setup_student,
             teachers=dict(teacher=_base_.setup_teacher),
             generator=dict(generator=_base_.setup_standin_generator))
