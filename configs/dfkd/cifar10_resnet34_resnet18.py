# CIFAR-10: ours (replay memory + BN-statistics constraint), ResNet-34
# teacher -> ResNet-18 student. Teacher: configs/teachers/cifar10_resnet34.py;
# see the bases for every setting.
_base_ = ['../_base_/datasets/cifar10.py', '../_base_/methods/dfkd.py',
          '../_base_/schedules/dfad_25k.py']
model = dict(
    teachers=dict(
        teacher=dict(ckpt_path='checkpoints/cifar10_resnet34_teacher.pth')))
