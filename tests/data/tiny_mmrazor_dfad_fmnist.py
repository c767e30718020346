# A tiny version of
# configs/baselines/dfad/dfad_logits_resnet34_resnet18_fmnist.py for
# tests: MMRazor's DataFreeDistillation with narrow models.
_base_ = [
    '../../configs/baselines/dfad/dfad_logits_resnet34_resnet18_fmnist.py'
]

model = dict(
    architecture=dict(
        backbone=dict(stem_channels=4, base_channels=4),
        head=dict(in_channels=32)),
    teachers=dict(
        teacher=dict(
            build_cfg=dict(
                backbone=dict(depth=18, stem_channels=8, base_channels=8),
                head=dict(in_channels=64)))),
    generator=dict(generator=dict(latent_dim=16, hidden_channels=8)),
    student_iter=2)
train_dataloader = dict(batch_size=8)
train_cfg = dict(max_iters=4, val_interval=4)
val_dataloader = dict(batch_size=32, num_workers=0)
test_dataloader = val_dataloader
default_hooks = dict(logger=dict(interval=2), checkpoint=dict(interval=4))
