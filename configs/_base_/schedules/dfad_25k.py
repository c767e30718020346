# DFAD's schedule as in MMRazor's dfad config: 500 "epochs" of 50
# iterations, lr x0.1 at epochs 100 and 200; validation every 5 epochs.
train_cfg = dict(type='IterBasedTrainLoop', max_iters=25000, val_interval=250)
param_scheduler = dict(
    architecture=dict(
        type='MultiStepLR', milestones=[5000, 10000], by_epoch=False),
    generator=dict(
        type='MultiStepLR', milestones=[5000, 10000], by_epoch=False))
