# CIFAR-10: what the data set decides. Normalisation: mmpretrain's
# cifar10_bs16 base.
# The real test split is for validation and testing only.
data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=10,
    mean=[125.307, 122.961, 113.8575],
    std=[51.5865, 50.847, 51.255],
    to_rgb=False)
val_dataloader = dict(
    batch_size=256,
    num_workers=2,
    dataset=dict(
        type='mmpretrain.CIFAR10',
        data_root='data/cifar10',
        split='test',
        pipeline=[dict(type='mmpretrain.PackInputs')]),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
