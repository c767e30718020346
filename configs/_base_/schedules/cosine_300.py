# The small Fashion-MNIST setup (demo, benchmark): 300 iterations, cosine
# learning rates over the run for every method, 6 validations.
train_cfg = dict(type='IterBasedTrainLoop', max_iters=300, val_interval=50)
param_scheduler = dict(
    architecture=dict(
        type='CosineAnnealingLR', T_max=300, by_epoch=False, eta_min=1e-3),
    generator=dict(
        type='CosineAnnealingLR', T_max=300, by_epoch=False, eta_min=1e-4))
