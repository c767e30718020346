# The ResNet-34 teacher and ResNet-18 student (mmpretrain ResNet_CIFAR) that
# every distillation setup shares; model bases use them as
# {{_base_._teacher}} / {{_base_._student}}, and the dataset configs set
# num_classes and in_channels.
_student = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(
        type='ResNet_CIFAR', depth=18, in_channels=3, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=512,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
_teacher = dict(
    _scope_='mmpretrain',
    type='ImageClassifier',
    backbone=dict(
        type='ResNet_CIFAR', depth=34, in_channels=3, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=512,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
