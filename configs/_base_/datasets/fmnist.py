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
