# The real-data ceiling of the Fashion-MNIST benchmark: the small pair's
# student distilled from the same teacher by MMRazor's SingleTeacherDistill
# (KL divergence on logits, no label loss) WITH the real training images,
# the teacher's own 55,000 (the last 5,000 stay the validation split).
# What a data-free student can approach, not a data-free method; the
# benchmark runs it as 'real-data KD (ceiling)'.
# Same student updates (16,000 of batch 64), student optimizer (SGD 0.1,
# momentum 0.9, weight decay 5e-4, cosine) and evaluations as the benchmark.
_base_ = ['../_base_/datasets/fmnist.py', '../_base_/default_runtime.py',
          '../_base_/models/resnet34_resnet18.py']
# the pair's full model configs: the base's classifiers, with the widths of
# configs/dfkd/fmnist_resnet18w16_resnet18w8.py
_student = _base_.model.architecture
_student.merge(dict(
    backbone=dict(in_channels=1, stem_channels=8, base_channels=8),
    head=dict(in_channels=64)))
_teacher = _base_.model.teachers.teacher.build_cfg
_teacher.merge(dict(
    backbone=dict(
        depth=18, in_channels=1, stem_channels=16, base_channels=16),
    head=dict(in_channels=128)))
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='SingleTeacherDistill',
    architecture=_student,
    teacher=_teacher,
    teacher_ckpt='benchmarks/fmnist/teacher/fmnist_resnet18_w16_e20.pth',
    calculate_student_loss=False,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(
            loss_kl=dict(type='KLDivergence', tau=1, loss_weight=1)),
        loss_forward_mappings=dict(
            loss_kl=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc')))))
del _student, _teacher  # helpers, not config keys
# the teacher's training images and augmentation, batch 64
train_dataloader = dict(
    _base_.val_dataloader,
    _delete_=True,
    batch_size=64,
    num_workers=2,
    dataset=dict(
        _base_.val_dataloader.dataset,
        split='train',
        test_mode=False,
        indices=55000,
        pipeline=[
            dict(type='mmpretrain.RandomCrop', crop_size=28, padding=2),
            dict(type='mmpretrain.RandomFlip', prob=0.5,
                 direction='horizontal'),
            dict(type='mmpretrain.PackInputs'),
        ]),
    sampler=dict(type='InfiniteSampler', shuffle=True))
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=16000,
                 val_interval=800)
param_scheduler = dict(
    type='CosineAnnealingLR', T_max=16000, by_epoch=False, eta_min=1e-3)
# one DDP wrapper for the student (the teacher is frozen)
model_wrapper_cfg = dict(
    _delete_=True,
    type='MMDistributedDataParallel',
    find_unused_parameters=False)
