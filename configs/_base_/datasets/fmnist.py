# Fashion-MNIST: what the data set decides (1 channel, 28x28). Normalisation:
# train split statistics (0.2860, 0.3530). The real test split is for
# validation and testing only.
_base_ = ['./cifar10.py']
data_preprocessor = dict(mean=[72.94], std=[90.02])
val_dataloader = dict(
    dataset=dict(
        type='mmpretrain.FashionMNIST',
        data_root='data/fashion_mnist',
        # mmpretrain 1.2.0's (Fashion)MNIST picks its files by test_mode,
        # not by split: without this it reads the 60k training images.
        test_mode=True))
test_dataloader = val_dataloader
setup_student = dict(backbone=dict(in_channels=1))
setup_teacher = dict(
    build_cfg=dict(backbone=dict(in_channels=1)),
    ckpt_path='checkpoints/fmnist_resnet34_teacher.pth')
setup_generator = dict(img_size=28, out_channels=1)
# MMRazor's generators make 3 channels only: in its baselines ours stands
# in, with the widths of MMRazor's DAFLGenerator
setup_standin_generator = dict(
    _delete_=True,
    type='mmdfkd.DFKDGenerator',
    latent_dim=256,
    hidden_channels=64,
    **setup_generator)
