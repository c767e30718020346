# MMRazor's DAFL (configs/distill/mmcls/dafl in MMRazor 1.0.0) on the paper
# setups' ResNet-34 -> ResNet-18 pair: MMRazor's DAFLDataFreeDistillation,
# DAFLGenerator, KLDivergence and DAFL losses, unchanged. Adapted as the
# DFAD port (see mmrazor_dfad.py). MMRazor trains with 8x256 samples per
# step; the ports share one batch size (256) for comparison.
_base_ = ['../models/resnet34_resnet18.py', '../default_runtime.py']


def _teacher(recorder, source):
    return {recorder: dict(type='ModuleOutputs', source=source)}


model = dict(
    _scope_='mmrazor',
    type='DAFLDataFreeDistillation',
    generator=dict(
        type='mmdfkd.SingleProcessGeneratorWrapper',
        generator=dict(
            type='mmrazor.DAFLGenerator',
            img_size=32,
            latent_dim=1000,
            hidden_channels=128)),
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=_teacher('teacher_fc', 'teacher.head.fc'),
        distill_losses=dict(
            loss_kl=dict(type='KLDivergence', tau=6, loss_weight=1)),
        loss_forward_mappings=dict(
            loss_kl=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='teacher_fc')))),
    generator_distiller=dict(
        type='ConfigurableDistiller',
        teacher_recorders=dict(
            **_teacher('teacher_gap', 'teacher.neck.gap'),
            **_teacher('teacher_fc', 'teacher.head.fc')),
        distill_losses=dict(
            loss_oh=dict(type='OnehotLikeLoss', loss_weight=0.05),
            loss_ie=dict(type='InformationEntropyLoss', loss_weight=5),
            loss_ac=dict(type='ActivationLoss', loss_weight=0.01)),
        loss_forward_mappings=dict(
            loss_oh=dict(
                preds_T=dict(from_student=False, recorder='teacher_fc')),
            loss_ie=dict(
                preds_T=dict(from_student=False, recorder='teacher_fc')),
            loss_ac=dict(
                feat_T=dict(from_student=False, recorder='teacher_gap')))))

# MMRazor's dafl: AdamW 0.1 (student) and 1e-3 (generator).
optim_wrapper = dict(
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture=dict(
        type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-1)),
    generator=dict(
        type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3)))
