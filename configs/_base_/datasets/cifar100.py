# CIFAR-100: what the data set decides. Normalisation: mmpretrain's
# cifar100_bs16 base. The real test split is for validation and testing
# only.
data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=100,
    mean=[129.304, 124.07, 112.434],
    std=[68.17, 65.392, 70.418],
    to_rgb=False)
val_dataloader = dict(
    batch_size=256,
    num_workers=2,
    dataset=dict(
        type='mmpretrain.CIFAR100',
        data_root='data/cifar100',
        split='test',
        pipeline=[dict(type='mmpretrain.PackInputs')]),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
