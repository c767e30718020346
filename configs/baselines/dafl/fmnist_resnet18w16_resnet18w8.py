# Fashion-MNIST, small: MMRazor's DAFL, ResNet_CIFAR-18 (16 channels) teacher -> ResNet_CIFAR-18
# (8 channels) student, batch 64: the setup of `make demo` and tools/benchmark.py, sized for 2 CPU
# cores. Teacher: configs/teachers/fmnist_resnet18_w16.py; see the bases for every setting.
_base_ = ['../../_base_/datasets/fmnist.py', '../../_base_/methods/mmrazor_dafl.py', '../../_base_/schedules/cosine_300.py']
model = dict(architecture=dict(backbone=dict(in_channels=1, stem_channels=8, base_channels=8), head=dict(in_channels=64)),
             teachers=dict(teacher=dict(build_cfg=dict(backbone=dict(depth=18, in_channels=1, stem_channels=16, base_channels=16), head=dict(in_channels=128)),
                                        ckpt_path='checkpoints/fmnist_resnet18_w16_teacher.pth')))
# MMRazor's generators make 3 channels only: ours stands in
model.update(generator=dict(generator=dict(_delete_=True, type='mmdfkd.DFKDGenerator', img_size=28, out_channels=1, latent_dim=64, hidden_channels=32)))
train_dataloader = dict(batch_size=64)
