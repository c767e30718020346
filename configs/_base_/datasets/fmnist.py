# Fashion-MNIST: what the data set decides (1 channel, 28x28). Normalisation:
# train split statistics (0.2860, 0.3530). The real test split is for
# validation and testing only.
data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=10,
    mean=[72.94],
    std=[90.02],
    to_rgb=False)
val_dataloader = dict(
    batch_size=256,
    num_workers=2,
    dataset=dict(
        type='mmpretrain.FashionMNIST',
        data_root='data/fashion_mnist',
        split='test',
        # mmpretrain 1.2.0's (Fashion)MNIST picks its files by test_mode,
        # not by split: without this it reads the 60k training images.
        test_mode=True,
        pipeline=[dict(type='mmpretrain.PackInputs')]),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
