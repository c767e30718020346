# How an existing mmpretrain project distils its own classifier with
# mmdfkd's components, without touching mmdfkd's code (README, "Using the
# components in your own project"). Exercised by tests/test_configs.py.
_base_ = [
    'mmpretrain::_base_/datasets/cifar10_bs16.py',  # your data set
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmdfkd'], allow_failed_imports=False)

# Your classifier, as your project defines it (here mmpretrain's ResNet-34
# for CIFAR-10), and its trained checkpoint.
my_classifier = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=34),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=512))

model = dict(
    type='mmdfkd.ReplayDataFreeDistillation',
    # the student: the same classifier with a smaller backbone
    architecture=dict(
        my_classifier, backbone=dict(type='ResNet_CIFAR', depth=18)),
    teachers=dict(
        teacher=dict(
            build_cfg=my_classifier,
            ckpt_path='work_dirs/my_classifier/epoch_200.pth')),
    generator=dict(type='mmdfkd.DFKDGenerator', img_size=32, out_channels=3),
    bn_loss=dict(type='mmdfkd.BNStatisticsLoss', loss_weight=1.0),
    memory=dict(type='mmdfkd.ReplayMemory', capacity=1280))
del my_classifier  # a helper, not a config key

# No training images: the dataloader only gives the batch size. Your
# data set's real test split (from the base) is the validation.
train_dataloader = dict(
    _delete_=True,
    batch_size=256,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=False),
    dataset=dict(type='mmdfkd.DataFreeDataset'))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=25000, val_interval=250)
val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture=dict(
        optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4)),
    generator=dict(optimizer=dict(type='Adam', lr=1e-3)))
custom_hooks = [dict(type='mmdfkd.WeightsOnlyCheckpointHook')]
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=250, max_keep_ckpts=2))
log_processor = dict(by_epoch=False)
