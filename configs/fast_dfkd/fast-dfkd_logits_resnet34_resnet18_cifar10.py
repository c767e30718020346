# CIFAR-10: Fast-DFKD (g_steps 2) with the official script's settings
# ("modify --dataset (and nothing else) to apply to CIFAR10"), ResNet-34
# teacher -> ResNet-18 student, batch 256. Teacher:
# configs/teachers/cifar10_resnet34.py.
_base_ = ['../_base_/datasets/cifar10.py', '../_base_/methods/fast_dfkd.py']
model = dict(
    teachers=dict(
        teacher=dict(ckpt_path='checkpoints/cifar10_resnet34_teacher.pth')))
