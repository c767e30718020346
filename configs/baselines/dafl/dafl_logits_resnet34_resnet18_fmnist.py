# Fashion-MNIST: MMRazor's DAFL, ResNet-34 teacher -> ResNet-18 student.
# Teacher: configs/teachers/fmnist_resnet34.py; see the bases for every
# setting.
_base_ = ['../../_base_/datasets/fmnist.py',
          '../../_base_/methods/mmrazor_dafl.py',
          '../../_base_/schedules/dafl_30k.py']
model = dict(
    architecture=dict(backbone=dict(in_channels=1)),
    teachers=dict(
        teacher=dict(
            build_cfg=dict(backbone=dict(in_channels=1)),
            ckpt_path='checkpoints/fmnist_resnet34_teacher.pth')),
    # MMRazor's generators make 3 channels only: ours stands in, with
    # the widths of MMRazor's DAFLGenerator
    generator=dict(generator=dict(
        _delete_=True,
        type='mmdfkd.DFKDGenerator',
        img_size=28,
        out_channels=1,
        latent_dim=1000,
        hidden_channels=64)))
