# MMRazor's ZSKT (configs/distill/mmcls/zskt in MMRazor 1.0.0), ported to
# mmpretrain models: MMRazor's DataFreeDistillation, ZSKTGenerator, ATLoss
# and KLDivergence, unchanged. Adapted as the DFAD port (see
# mmrazor_dfad_resnet34_resnet18.py): generator wrapper for single-process
# runs, data-free dataloader, mmpretrain models. MMRazor trains with 8x16
# samples per step; the ports share one batch size (256) for comparison.
_base_ = ['./mmrazor_dfad_resnet34_resnet18.py']


def _at(student_block, teacher_block):
    return dict(
        s_feature=dict(from_student=True, recorder=student_block,
                       record_idx=1),
        t_feature=dict(from_student=False, recorder=teacher_block,
                       record_idx=1))


model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='DataFreeDistillation',
    architecture={{_base_._student}},
    teachers=dict(res34=dict(build_cfg={{_base_._teacher}})),
    generator=dict(
        type='mmdfkd.SingleProcessGeneratorWrapper',
        generator=dict(
            type='mmrazor.ZSKTGenerator',
            img_size=32,
            latent_dim=256,
            hidden_channels=128)),
    distiller=dict(
        type='ConfigurableDistiller',
        # the second call of each stage's last block's ReLU (record_idx=1)
        student_recorders=dict(
            bb_s1=dict(type='ModuleOutputs', source='backbone.layer1.1.relu'),
            bb_s2=dict(type='ModuleOutputs', source='backbone.layer2.1.relu'),
            bb_s3=dict(type='ModuleOutputs', source='backbone.layer3.1.relu'),
            bb_s4=dict(type='ModuleOutputs', source='backbone.layer4.1.relu'),
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            t_bb_s1=dict(
                type='ModuleOutputs', source='res34.backbone.layer1.2.relu'),
            t_bb_s2=dict(
                type='ModuleOutputs', source='res34.backbone.layer2.3.relu'),
            t_bb_s3=dict(
                type='ModuleOutputs', source='res34.backbone.layer3.5.relu'),
            t_bb_s4=dict(
                type='ModuleOutputs', source='res34.backbone.layer4.2.relu'),
            res34_fc=dict(type='ModuleOutputs', source='res34.head.fc')),
        distill_losses=dict(
            loss_s1=dict(type='ATLoss', loss_weight=250.0),
            loss_s2=dict(type='ATLoss', loss_weight=250.0),
            loss_s3=dict(type='ATLoss', loss_weight=250.0),
            loss_s4=dict(type='ATLoss', loss_weight=250.0),
            loss_kl=dict(
                type='KLDivergence', loss_weight=2.0, reduction='mean')),
        loss_forward_mappings=dict(
            loss_s1=_at('bb_s1', 't_bb_s1'),
            loss_s2=_at('bb_s2', 't_bb_s2'),
            loss_s3=_at('bb_s3', 't_bb_s3'),
            loss_s4=_at('bb_s4', 't_bb_s4'),
            loss_kl=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='res34_fc')))),
    generator_distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            fc=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            res34_fc=dict(type='ModuleOutputs', source='res34.head.fc')),
        distill_losses=dict(
            loss_kl=dict(
                type='KLDivergence',
                loss_weight=-2.0,
                reduction='mean',
                teacher_detach=False)),
        loss_forward_mappings=dict(
            loss_kl=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='res34_fc')))),
    student_iter=10)

# MMRazor's zskt: SGD 0.1 / wd 5e-4 for the student, Adam 1e-3 for the
# generator; DFAD's 500 x 50 iteration schedule.
optim_wrapper = dict(
    generator=dict(optimizer=dict(_delete_=True, type='Adam', lr=1e-3)))
