# Fashion-MNIST, small (ZSKT): the setup of tools/benchmark.py and of
# configs/dfkd/fmnist_resnet18w16_resnet18w8.py: ResNet_CIFAR-18 (16 channels)
# teacher -> ResNet_CIFAR-18 (8 channels) student, batch 64. MMRazor's
# ZSKT classes and loss settings as in ./fmnist_resnet34_resnet18.py.
_base_ = ['./fmnist_resnet34_resnet18.py']

model = dict(
    architecture=dict(
        backbone=dict(stem_channels=8, base_channels=8),
        head=dict(in_channels=64)),
    teachers=dict(
        res34=dict(
            build_cfg=dict(
                backbone=dict(depth=18, stem_channels=16, base_channels=16),
                head=dict(in_channels=128)),
            ckpt_path='checkpoints/fmnist_resnet18_w16_teacher.pth')),
    # the last block of each stage of a ResNet-18 teacher
    distiller=dict(
        teacher_recorders=dict(
            t_bb_s1=dict(source='res34.backbone.layer1.1.relu'),
            t_bb_s2=dict(source='res34.backbone.layer2.1.relu'),
            t_bb_s3=dict(source='res34.backbone.layer3.1.relu'),
            t_bb_s4=dict(source='res34.backbone.layer4.1.relu'))),
    generator=dict(generator=dict(latent_dim=64, hidden_channels=32)))

train_dataloader = dict(batch_size=64)
iters = 300
train_cfg = dict(max_iters=iters, val_interval=20)
# Same schedule form for every method of the benchmark: cosine over the run.
param_scheduler = dict(
    _delete_=True,
    architecture=dict(
        type='CosineAnnealingLR', T_max=iters, by_epoch=False, eta_min=1e-3),
    generator=dict(
        type='CosineAnnealingLR', T_max=iters, by_epoch=False, eta_min=1e-4))
default_hooks = dict(
    logger=dict(interval=20), checkpoint=dict(interval=100))
custom_hooks = [
    dict(type='mmdfkd.WeightsOnlyCheckpointHook'),
    dict(type='mmdfkd.AccuracyHistoryHook'),
]
