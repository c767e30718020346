# MMRazor's DFAD (configs/distill/mmcls/dfad in MMRazor 1.0.0) on the paper
# setups' ResNet-34 -> ResNet-18 pair: MMRazor's DataFreeDistillation,
# DAFLGenerator and L1Loss. Adapted: (0) mmdfkd.DataFreeDistillation is
# MMRazor's class with one bug fixed (its generator step left a reversed
# gradient in the student); (1) the generator is wrapped in
# mmdfkd.SingleProcessGeneratorWrapper because MMRazor reads
# `generator.module.latent_dim`, which only exists under a distributed
# wrapper; (2) training batches come from mmdfkd.DataFreeDataset instead of
# the real CIFAR-10 training set (MMRazor only uses their count and labels);
# (3) mmpretrain ResNet_CIFAR models replace the mmcls ones.
_base_ = ['../models/resnet34_resnet18.py', '../default_runtime.py']


def _logits_loss(loss):
    return dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            teacher_fc=dict(type='ModuleOutputs', source='teacher.head.fc')),
        distill_losses=dict(loss_l1=loss),
        loss_forward_mappings=dict(
            loss_l1=dict(
                s_feature=dict(from_student=True, recorder='fc'),
                t_feature=dict(from_student=False, recorder='teacher_fc'))))


model = dict(
    _scope_='mmrazor',
    type='mmdfkd.DataFreeDistillation',
    generator=dict(
        type='mmdfkd.SingleProcessGeneratorWrapper',
        generator=dict(
            type='mmrazor.DAFLGenerator',
            img_size=32,
            latent_dim=256,
            hidden_channels=128,
            bn_eps=1e-5)),
    distiller=_logits_loss(dict(type='L1Loss', loss_weight=1.0)),
    generator_distiller=_logits_loss(dict(type='L1Loss', loss_weight=-1.0)),
    student_iter=5,
    student_train_first=True)

# MMRazor's dfad: SGD 0.1 / momentum 0.9 / wd 5e-4 for the student, AdamW
# 1e-3 for the generator.
optim_wrapper = dict(
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture=dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4)),
    generator=dict(
        type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3)))
# MMRazor sets find_unused_parameters=True for DFAD.
model_wrapper_cfg = dict(find_unused_parameters=True)
