# SVHN: what the data set decides. Normalisation: SVHN train split
# statistics. The real test split is for validation and testing only.
data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=10,
    mean=[111.61, 113.16, 120.57],
    std=[50.5, 51.26, 50.24],
    to_rgb=False)
val_dataloader = dict(
    batch_size=256,
    num_workers=2,
    dataset=dict(
        type='mmdfkd.SVHN',
        data_root='data/svhn',
        split='test',
        pipeline=[dict(type='mmpretrain.PackInputs')]),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
