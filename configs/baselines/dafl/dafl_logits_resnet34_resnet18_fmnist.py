# Fashion-MNIST: MMRazor's DAFL, ResNet-34 teacher -> ResNet-18 student.
# Teacher: configs/teachers/fmnist_resnet34.py; see the bases for every
# setting.
_base_ = ['../../_base_/datasets/fmnist.py',
          '../../_base_/methods/mmrazor_dafl.py',
          '../../_base_/schedules/dafl_30k.py']
model = dict(architecture=_base_.setup_student,
             teachers=dict(teacher=_base_.setup_teacher),
             generator=dict(generator=dict(
                 _base_.setup_standin_generator, latent_dim=1000)))
