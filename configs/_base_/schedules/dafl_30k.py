# MMRazor's dafl schedule: 250 "epochs" of 120 iterations, linear warm-up
# over 500 iterations, student lr x0.1 at epochs 100 and 200; validation
# every 5 epochs.
train_cfg = dict(type='IterBasedTrainLoop', max_iters=30000, val_interval=600)
param_scheduler = dict(
    architecture=[
        dict(type='LinearLR', end=500, by_epoch=False, start_factor=0.0001),
        dict(
            type='MultiStepLR',
            begin=500,
            milestones=[12000, 24000],
            by_epoch=False)
    ],
    generator=dict(
        type='LinearLR', end=500, by_epoch=False, start_factor=0.0001))
