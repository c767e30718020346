# MMRazor's DFAD (configs/distill/mmcls/dfad in MMRazor 1.0.0), ported to
# mmpretrain models: MMRazor's DataFreeDistillation, DAFLGenerator and
# L1Loss, unchanged. Adapted: (1) the generator is wrapped in
# mmdfkd.SingleProcessGeneratorWrapper because MMRazor reads
# `generator.module.latent_dim`, which only exists under a distributed
# wrapper; (2) training batches come from mmdfkd.DataFreeDataset instead of
# the real CIFAR-10 training set (MMRazor only uses their count and labels);
# (3) mmpretrain ResNet_CIFAR models replace the mmcls ones.
_base_ = ['../dfkd_runtime.py', './resnet_cifar_34_18.py']

model = dict(
    _scope_='mmrazor',
    type='DataFreeDistillation',
    architecture={{_base_._student}},
    teachers=dict(res34=dict(build_cfg={{_base_._teacher}})),
    generator=dict(
        type='mmdfkd.SingleProcessGeneratorWrapper',
        generator=dict(
            type='mmrazor.DAFLGenerator',
            img_size=32,
            latent_dim=256,
            hidden_channels=128,
            bn_eps=1e-5)),
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            res34_fc=dict(type='ModuleOutputs', source='res34.head.fc')),
        distill_losses=dict(loss_kl=dict(type='L1Loss', loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_kl=dict(
                s_feature=dict(from_student=True, recorder='fc'),
                t_feature=dict(from_student=False, recorder='res34_fc')))),
    generator_distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            res34_fc=dict(type='ModuleOutputs', source='res34.head.fc')),
        distill_losses=dict(loss_l1=dict(type='L1Loss', loss_weight=-1.0)),
        loss_forward_mappings=dict(
            loss_l1=dict(
                s_feature=dict(from_student=True, recorder='fc'),
                t_feature=dict(from_student=False, recorder='res34_fc')))),
    student_iter=5,
    student_train_first=True)

# MMRazor's dfad: SGD 0.1 for the student, AdamW 1e-3 for the generator.
optim_wrapper = dict(
    generator=dict(optimizer=dict(_delete_=True, type='AdamW', lr=1e-3)))
# MMRazor sets find_unused_parameters=True for DFAD.
model_wrapper_cfg = dict(find_unused_parameters=True)
custom_hooks = [dict(type='mmdfkd.WeightsOnlyCheckpointHook')]
