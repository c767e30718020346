# Fashion-MNIST, small: ours, ResNet_CIFAR-18 (16 channels) teacher ->
# ResNet_CIFAR-18 (8 channels) student, batch 64: the setup of `make demo`
# and tools/benchmark.py. See the bases for every setting.
_base_ = ['../_base_/datasets/fmnist.py', '../_base_/methods/dfkd.py',
          '../_base_/schedules/cosine_300.py',
          '../_base_/models/resnet18w16_resnet18w8_fmnist.py']
model = dict(architecture=_base_.fmnist_small_student,
             teachers=dict(teacher=_base_.fmnist_small_teacher),
             generator=_base_.fmnist_small_generator,
             memory=dict(push_per_iter=16, replay_batch_size=32))
train_dataloader = dict(batch_size=64)
custom_hooks = [
    dict(type='mmdfkd.WeightsOnlyCheckpointHook'),
    dict(type='mmdfkd.AccuracyHistoryHook'),
    dict(type='mmdfkd.SampleVisualizationHook', interval=100),
]
