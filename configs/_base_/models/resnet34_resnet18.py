# The paper setups' teacher/student pair (mmpretrain ResNet_CIFAR):
# ResNet-34 teacher -> ResNet-18 student, 3-channel input, 10 classes; a
# leaf changes in_channels / num_classes where its data set differs.
_classifier = dict(
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
model = dict(
    architecture=_classifier,
    teachers=dict(
        teacher=dict(
            build_cfg=dict(
                _classifier,
                backbone=dict(_classifier['backbone'], depth=34)),
            ckpt_path=None)))
del _classifier  # a helper, not a config key
