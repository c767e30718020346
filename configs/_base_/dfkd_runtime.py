# Runtime shared by every data-free distillation config (ours and MMRazor's
# baselines): iteration-based training on the data-free dataloader,
# validation on the real test split, one optimizer per sub-module.
default_scope = 'mmdfkd'
custom_imports = dict(imports=['mmdfkd'], allow_failed_imports=False)

# No training images: the dataloader only gives the batch size.
train_dataloader = dict(
    batch_size=256,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=False),
    dataset=dict(type='mmdfkd.DataFreeDataset', in_channels=3))

# DFAD's schedule as in MMRazor's dfad config: 500 "epochs" of 50
# iterations, lr x0.1 at epochs 100 and 200.
iters_per_epoch = 50
train_cfg = dict(
    type='IterBasedTrainLoop',
    max_iters=500 * iters_per_epoch,
    val_interval=5 * iters_per_epoch)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# Student: SGD 0.1 / momentum 0.9 / wd 5e-4; generator: Adam 1e-3 (DFAD).
optim_wrapper = dict(
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture=dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4)),
    generator=dict(
        type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3)))
param_scheduler = dict(
    architecture=dict(
        type='MultiStepLR',
        milestones=[100 * iters_per_epoch, 200 * iters_per_epoch],
        by_epoch=False),
    generator=dict(
        type='MultiStepLR',
        milestones=[100 * iters_per_epoch, 200 * iters_per_epoch],
        by_epoch=False))

# Each sub-module gets its own DDP wrapper under a distributed launch.
model_wrapper_cfg = dict(
    type='mmengine.MMSeparateDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=5 * iters_per_epoch,
        max_keep_ckpts=2,
        save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='mmpretrain.VisualizationHook', enable=False))

env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
log_processor = dict(by_epoch=False, window_size=50)
log_level = 'INFO'
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='mmpretrain.UniversalVisualizer', vis_backends=vis_backends)
load_from = None
resume = False
# Different latent vectors on every rank.
randomness = dict(seed=0, diff_rank_seed=True)
