# MMRazor's ZSKT (configs/distill/mmcls/zskt in MMRazor 1.0.0) on the paper
# setups' ResNet-34 -> ResNet-18 pair: MMRazor's DataFreeDistillation
# (with the fix of mmdfkd.DataFreeDistillation), ZSKTGenerator, ATLoss and
# KLDivergence. Adapted as the DFAD port (see mmrazor_dfad.py). MMRazor
# trains with 8x16 samples per step;
# the ports share one batch size (256) for comparison.
_base_ = ['../models/resnet34_resnet18.py', '../default_runtime.py']


def _relu(source):
    # the second call of a block's ReLU is its output (record_idx=1)
    return dict(type='ModuleOutputs', source=source)


def _at(stage):
    return dict(
        s_feature=dict(from_student=True, recorder=f's{stage}', record_idx=1),
        t_feature=dict(
            from_student=False, recorder=f't{stage}', record_idx=1))


def _kl(loss_weight, **kwargs):
    return dict(
        type='KLDivergence',
        loss_weight=loss_weight,
        reduction='mean',
        **kwargs)


_logits = dict(
    preds_S=dict(from_student=True, recorder='fc'),
    preds_T=dict(from_student=False, recorder='teacher_fc'))
# the last block of each stage (ResNet-18: 2/2/2/2, ResNet-34: 3/4/6/3)
model = dict(
    _scope_='mmrazor',
    type='mmdfkd.DataFreeDistillation',
    generator=dict(
        type='mmdfkd.SingleProcessGeneratorWrapper',
        generator=dict(
            type='mmrazor.ZSKTGenerator',
            img_size=32,
            latent_dim=256,
            hidden_channels=128)),
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            s1=_relu('backbone.layer1.1.relu'),
            s2=_relu('backbone.layer2.1.relu'),
            s3=_relu('backbone.layer3.1.relu'),
            s4=_relu('backbone.layer4.1.relu'),
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            t1=_relu('teacher.backbone.layer1.2.relu'),
            t2=_relu('teacher.backbone.layer2.3.relu'),
            t3=_relu('teacher.backbone.layer3.5.relu'),
            t4=_relu('teacher.backbone.layer4.2.relu'),
            teacher_fc=dict(type='ModuleOutputs', source='teacher.head.fc')),
        distill_losses=dict(
            loss_s1=dict(type='ATLoss', loss_weight=250.0),
            loss_s2=dict(type='ATLoss', loss_weight=250.0),
            loss_s3=dict(type='ATLoss', loss_weight=250.0),
            loss_s4=dict(type='ATLoss', loss_weight=250.0),
            loss_kl=_kl(2.0)),
        loss_forward_mappings=dict(
            loss_s1=_at(1),
            loss_s2=_at(2),
            loss_s3=_at(3),
            loss_s4=_at(4),
            loss_kl=_logits)),
    generator_distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            teacher_fc=dict(type='ModuleOutputs', source='teacher.head.fc')),
        distill_losses=dict(loss_kl=_kl(-2.0, teacher_detach=False)),
        loss_forward_mappings=dict(loss_kl=_logits)),
    student_iter=10)
del _logits

# MMRazor's zskt: SGD 0.1 / wd 5e-4 for the student, Adam 1e-3 for the
# generator; DFAD's 500 x 50 iteration schedule.
optim_wrapper = dict(
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture=dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4)),
    generator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3)))
