# Fashion-MNIST, small: MMRazor's DAFL on the pair of
# configs/dfkd/fmnist_resnet18w16_resnet18w8.py, batch 64. MMRazor's
# generators make 3 channels only: ours stands in, as in that config.
_base_ = ['../../_base_/datasets/fmnist.py',
          '../../_base_/methods/mmrazor_dafl.py',
          '../../_base_/schedules/cosine_300.py']
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
    generator=dict(generator=dict(
        _delete_=True,
        type='mmdfkd.DFKDGenerator',
        img_size=28,
        out_channels=1,
        latent_dim=64,
        hidden_channels=32)))
train_dataloader = dict(batch_size=64)
