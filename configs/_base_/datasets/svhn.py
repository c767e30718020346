# SVHN: what the data set decides. Normalisation: SVHN train split
# statistics. The real test split is for validation and testing only.
_base_ = ['./cifar10.py']
data_preprocessor = dict(
    mean=[111.61, 113.16, 120.57], std=[50.5, 51.26, 50.24])
val_dataloader = dict(dataset=dict(type='mmdfkd.SVHN', data_root='data/svhn'))
test_dataloader = val_dataloader
setup_teacher = dict(ckpt_path='checkpoints/svhn_resnet34_teacher.pth')
