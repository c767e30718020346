# A tiny version of
# configs/fast_dfkd/fast-dfkd_logits_resnet18w16_resnet18w8_fmnist.py for
# tests: narrow models, a warm-up round, then rounds with a student step.
_base_ = [
    '../../configs/fast_dfkd/fast-dfkd_logits_resnet18w16_resnet18w8_fmnist.py'
]

model = dict(
    architecture=dict(
        backbone=dict(stem_channels=4, base_channels=4),
        head=dict(in_channels=32)),
    teachers=dict(
        teacher=dict(
            build_cfg=dict(
                backbone=dict(stem_channels=8, base_channels=8),
                head=dict(in_channels=64)),
            ckpt_path=None)),
    generator=dict(latent_dim=16, hidden_channels=8),
    student_iter=1,
    warmup_iters=1,
    reset_iter=3,
    memory=dict(capacity=64))
train_dataloader = dict(batch_size=8)
train_cfg = dict(max_iters=4, val_interval=4)
param_scheduler = dict(architecture=dict(begin=1, T_max=3))
val_dataloader = dict(batch_size=32, num_workers=0)
test_dataloader = val_dataloader
default_hooks = dict(logger=dict(interval=2), checkpoint=dict(interval=4))
