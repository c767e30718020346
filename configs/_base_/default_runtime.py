# Runtime shared by every data-free distillation config (ours and MMRazor's
# baselines): no training images, validation on the real test split, one
# optimizer wrapper per sub-module, checkpoints that load with safe
# unpickling.
default_scope = 'mmdfkd'
custom_imports = dict(imports=['mmdfkd'], allow_failed_imports=False)

# No training images: the dataloader only gives the batch size. The
# dataset base sets in_channels.
train_dataloader = dict(
    batch_size=256,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=False),
    dataset=dict(type='mmdfkd.DataFreeDataset'))
# ValLoop / TestLoop plus the distiller's data-free health signal (if it
# has one); with val_dataloader=None (test_dataloader=None) that signal is
# the whole validation (test).
val_cfg = dict(type='mmdfkd.DataFreeValLoop')
test_cfg = dict(type='mmdfkd.DataFreeTestLoop')

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
        interval=2500,
        max_keep_ckpts=2,
        save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='mmpretrain.VisualizationHook', enable=False))
# WeightsOnlyCheckpointHook keeps checkpoints loadable with
# torch.load(weights_only=True), so --resume works on torch >= 2.6;
# AccuracyHistoryHook logs peak / drop from peak / mean accuracy.
custom_hooks = [
    dict(type='mmdfkd.WeightsOnlyCheckpointHook'),
    dict(type='mmdfkd.AccuracyHistoryHook'),
]

env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
log_processor = dict(by_epoch=False, window_size=50)
log_level = 'INFO'
visualizer = dict(
    type='mmpretrain.UniversalVisualizer',
    vis_backends=[dict(type='LocalVisBackend')])
load_from = None
resume = False
# Different latent vectors on every rank.
randomness = dict(seed=0, diff_rank_seed=True)
