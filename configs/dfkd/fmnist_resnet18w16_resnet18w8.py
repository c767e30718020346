# Fashion-MNIST, small: ours, ResNet_CIFAR-18 (16 channels) teacher ->
# ResNet_CIFAR-18 (8 channels) student, batch 64: the setup of `make demo`
# and tools/benchmark.py. See the bases for every setting.
_base_ = ['../_base_/datasets/fmnist.py', '../_base_/methods/dfkd.py',
          '../_base_/schedules/cosine_300.py']
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
    memory=dict(capacity=60000, push_per_iter=16, replay_batch_size=32))
train_dataloader = dict(batch_size=64)
custom_hooks = [
    dict(type='mmdfkd.WeightsOnlyCheckpointHook'),
    dict(type='mmdfkd.AccuracyHistoryHook'),
    dict(type='mmdfkd.SampleVisualizationHook', interval=100),
]
