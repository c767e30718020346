# Fashion-MNIST, small: Fast-DFKD on the pair and budget of the benchmark
# (configs/dfkd/fmnist_resnet18w16_resnet18w8.py: 16,000 student updates of
# batch 64, the committed teacher). What differs from the official script,
# and why:
# - the generator of ours on this pair (latent 64, 32 channels), with the
#   official sigmoid output: the same synthesis capacity as ours;
# - one round of 64 and 5 student steps per iteration (official: 256 and
#   400 per epoch): the budget of ours (3,200 iterations of 5 updates), so
#   204,800 samples synthesised where a 400-step round would give 2,560;
# - warm-up and reset scaled to the run: 290 rounds of synthesis only
#   (20 / 220 of the rounds), reset at 290 + 1,920 (120 / 200 after it);
# - the pool keeps every round: 3,490 x 64 samples.
_base_ = ['../_base_/datasets/fmnist.py', '../_base_/methods/fast_dfkd.py']
model = dict(
    architecture=dict(
        backbone=dict(in_channels=1, stem_channels=8, base_channels=8),
        head=dict(in_channels=64)),
    teachers=dict(
        teacher=dict(
            build_cfg=dict(
                backbone=dict(
                    depth=18, in_channels=1, stem_channels=16,
                    base_channels=16),
                head=dict(in_channels=128)),
            ckpt_path='benchmarks/fmnist/teacher/'
            'fmnist_resnet18_w16_e20.pth')),
    generator=dict(
        img_size=28, out_channels=1, latent_dim=64, hidden_channels=32),
    student_iter=5,
    warmup_iters=290,
    reset_iter=290 + 1920,
    memory=dict(capacity=3490 * 64))
train_dataloader = dict(batch_size=64)
train_cfg = dict(max_iters=3490, val_interval=174)
param_scheduler = dict(architecture=dict(begin=290, T_max=3200))
default_hooks = dict(checkpoint=dict(interval=174))
