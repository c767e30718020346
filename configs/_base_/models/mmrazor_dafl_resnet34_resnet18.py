# MMRazor's DAFL (configs/distill/mmcls/dafl in MMRazor 1.0.0), ported to
# mmpretrain models: MMRazor's DAFLDataFreeDistillation, DAFLGenerator,
# KLDivergence and DAFL losses, unchanged. Adapted as the DFAD port (see
# mmrazor_dfad_resnet34_resnet18.py): generator wrapper for single-process
# runs, data-free dataloader, mmpretrain models. MMRazor trains with 8x256
# samples per step; the ports share one batch size (256) for comparison.
_base_ = ['./mmrazor_dfad_resnet34_resnet18.py']

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='DAFLDataFreeDistillation',
    architecture={{_base_._student}},
    teachers=dict(res34=dict(build_cfg={{_base_._teacher}})),
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
        teacher_recorders=dict(
            res34_fc=dict(type='ModuleOutputs', source='res34.head.fc')),
        distill_losses=dict(
            loss_kl=dict(type='KLDivergence', tau=6, loss_weight=1)),
        loss_forward_mappings=dict(
            loss_kl=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='res34_fc')))),
    generator_distiller=dict(
        type='ConfigurableDistiller',
        teacher_recorders=dict(
            res34_neck_gap=dict(type='ModuleOutputs', source='res34.neck.gap'),
            res34_fc=dict(type='ModuleOutputs', source='res34.head.fc')),
        distill_losses=dict(
            loss_res34_oh=dict(type='OnehotLikeLoss', loss_weight=0.05),
            loss_res34_ie=dict(type='InformationEntropyLoss', loss_weight=5),
            loss_res34_ac=dict(type='ActivationLoss', loss_weight=0.01)),
        loss_forward_mappings=dict(
            loss_res34_oh=dict(
                preds_T=dict(from_student=False, recorder='res34_fc')),
            loss_res34_ie=dict(
                preds_T=dict(from_student=False, recorder='res34_fc')),
            loss_res34_ac=dict(
                feat_T=dict(from_student=False, recorder='res34_neck_gap')))))

# MMRazor's dafl: AdamW 0.1 (student) and 1e-3 (generator), linear warm-up
# over 500 iterations, student lr x0.1 at 100 and 200 "epochs" of 120 iters.
optim_wrapper = dict(
    architecture=dict(optimizer=dict(_delete_=True, type='AdamW', lr=1e-1)),
    generator=dict(optimizer=dict(_delete_=True, type='AdamW', lr=1e-3)))
param_scheduler = dict(
    _delete_=True,
    architecture=[
        dict(type='LinearLR', end=500, by_epoch=False, start_factor=0.0001),
        dict(
            type='MultiStepLR',
            begin=500,
            milestones=[100 * 120, 200 * 120],
            by_epoch=False)
    ],
    generator=dict(
        type='LinearLR', end=500, by_epoch=False, start_factor=0.0001))
train_cfg = dict(max_iters=250 * 120, val_interval=5 * 120)
model_wrapper_cfg = dict(find_unused_parameters=False)
