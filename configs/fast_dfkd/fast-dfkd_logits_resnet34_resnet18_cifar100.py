# CIFAR-100: Fast-DFKD (g_steps 2) with the official script's settings,
# ResNet-34 teacher -> ResNet-18 student, batch 256 (see the bases).
# Teacher: configs/teachers/cifar100_resnet34.py.
_base_ = ['../_base_/datasets/cifar100.py', '../_base_/methods/fast_dfkd.py']
model = dict(architecture=_base_.setup_student,
             teachers=dict(teacher=_base_.setup_teacher),
             generator=_base_.setup_generator)
