# Ours: ResNet-34 teacher -> ResNet-18 student (mmpretrain ResNet_CIFAR),
# with replay memory and BN-statistics constraint. The dataset configs set
# num_classes, input channels and the teacher checkpoint.
_base_ = ['../dfkd_runtime.py', './resnet_cifar_34_18.py']

model = dict(
    type='mmdfkd.ReplayDataFreeDistillation',
    architecture={{_base_._student}},
    teachers=dict(
        res34=dict(
            build_cfg={{_base_._teacher}},
            ckpt_path=None)),
    # As MMRazor's dfad generator: latent 256, 128-channel first stage.
    generator=dict(
        type='mmdfkd.DFKDGenerator',
        img_size=32,
        out_channels=3,
        latent_dim=256,
        hidden_channels=64),
    # L1 on logits as DFAD (MMRazor's dfad config uses L1Loss too).
    distill_loss=dict(type='mmdfkd.LogitDiscrepancyLoss', mode='l1'),
    adv_weight=1.0,
    # DeepInversion's norm; method.md: weight about 1 to 10 on CIFAR.
    bn_loss=dict(type='mmdfkd.BNStatisticsLoss', loss_weight=1.0, norm='l2'),
    replay_weight=1.0,
    # DFAD / MMRazor dfad: 5 student steps per generator step.
    student_iter=5)

# Replay memory: 10 batches of 128 as the paper's re-implementation;
# reservoir keeps a uniform sample of the whole history.
# WeightsOnlyCheckpointHook keeps checkpoints loadable with
# torch.load(weights_only=True), so --resume works on torch >= 2.6.
custom_hooks = [
    dict(type='mmdfkd.WeightsOnlyCheckpointHook'),
    dict(
        type='mmdfkd.ReplayMemoryHook',
        capacity=1280,
        policy='reservoir',
        push_per_iter=64,
        replay_batch_size=128,
        dtype='float16',
        store_logits=True),
    # peak / drop from peak / mean accuracy with every validation
    dict(type='mmdfkd.AccuracyHistoryHook'),
    # grids of generated and replayed samples (work_dir/.../vis_image)
    dict(type='mmdfkd.SampleVisualizationHook', interval=2500),
]
