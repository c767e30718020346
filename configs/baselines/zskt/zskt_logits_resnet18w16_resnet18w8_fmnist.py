# Fashion-MNIST, small: MMRazor's ZSKT on the pair of
# configs/dfkd/fmnist_resnet18w16_resnet18w8.py, batch 64. MMRazor's
# generators make 3 channels only: ours stands in, as in that config.
_base_ = ['../../_base_/datasets/fmnist.py',
          '../../_base_/methods/mmrazor_zskt.py',
          '../../_base_/schedules/cosine_300.py',
          '../../_base_/models/resnet18w16_resnet18w8_fmnist.py']
model = dict(architecture=_base_.fmnist_small_student,
             teachers=dict(teacher=_base_.fmnist_small_teacher),
             generator=dict(generator=_base_.fmnist_small_standin))
# the last block of each stage of a ResNet-18 teacher
model.update(
    distiller=dict(teacher_recorders={
        f't{i}': dict(source=f'teacher.backbone.layer{i}.1.relu')
        for i in range(1, 5)
    }))
train_dataloader = dict(batch_size=64)
