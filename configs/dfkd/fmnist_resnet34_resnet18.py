# Fashion-MNIST: ours (replay memory + BN-statistics constraint), ResNet-34
# teacher -> ResNet-18 student. Teacher: configs/teachers/fmnist_resnet34.py;
# see the bases for every setting.
_base_ = ['../_base_/datasets/fmnist.py', '../_base_/methods/dfkd.py',
          '../_base_/schedules/dfad_25k.py']
model = dict(
    architecture=dict(backbone=dict(in_channels=1)),
    teachers=dict(
        teacher=dict(
            build_cfg=dict(backbone=dict(in_channels=1)),
            ckpt_path='checkpoints/fmnist_resnet34_teacher.pth')),
    generator=dict(img_size=28, out_channels=1),
    # a pool the size of Fashion-MNIST's training set
    memory=dict(capacity=60000))
