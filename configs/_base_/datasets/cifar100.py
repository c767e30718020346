# CIFAR-100: what the data set decides. Normalisation: mmpretrain's
# cifar100_bs16 base. The real test split is for validation and testing
# only.
_base_ = ['./cifar10.py']
data_preprocessor = dict(
    num_classes=100,
    mean=[129.304, 124.07, 112.434],
    std=[68.17, 65.392, 70.418])
val_dataloader = dict(
    dataset=dict(type='mmpretrain.CIFAR100', data_root='data/cifar100'))
test_dataloader = val_dataloader
setup_student = dict(head=dict(num_classes=100))
setup_teacher = dict(
    build_cfg=dict(head=dict(num_classes=100)),
    ckpt_path='checkpoints/cifar100_resnet34_teacher.pth')
