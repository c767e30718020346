# Fast-DFKD (Fang et al., "Up to 100x Faster Data-free Knowledge
# Distillation", AAAI 2022) as the official CIFAR script runs it
# (zju-vipa/Fast-Datafree scripts/fast_cifar.sh, ResNet-34 -> ResNet-18,
# g_steps 2): every value below is that script's unless its comment says
# why it differs.
_base_ = ['../models/resnet34_resnet18.py', '../default_runtime.py']

model = dict(
    type='mmdfkd.FastMetaDistillation',
    # The official Generator(nz=256, ngf=64) is ours layer for layer
    # (Linear, BN, up, conv, BN, LeakyReLU, up, conv, BN, LeakyReLU, conv)
    # with its sigmoid output.
    generator=dict(
        type='mmdfkd.DFKDGenerator',
        img_size=32,
        out_channels=3,
        latent_dim=256,
        hidden_channels=64,
        output_act='sigmoid'),
    # --bn 10 --bn_mmt 0.9 (DeepInversionHook with momentum)
    bn_loss=dict(
        type='mmdfkd.BNStatisticsLoss', loss_weight=10.0, momentum=0.9),
    # --T 20 (KLDiv on the student's pool batches)
    distill_loss=dict(
        type='mmdfkd.LogitDiscrepancyLoss', mode='kl', temperature=20.0),
    # kornia RandomCrop(padding=4) + RandomHorizontalFlip before the teacher
    synthesis_augments=[
        dict(type='mmdfkd.BatchRandomCrop', padding=4),
        dict(type='mmdfkd.BatchRandomFlip')
    ],
    # --g_steps 2 --lr_g 5e-3 --lr_z 0.015 --oh 0.5 --adv 1.33 --is_maml 1
    g_steps=2,
    lr_g=5e-3,
    lr_z=0.015,
    oh_weight=0.5,
    adv_weight=1.33,
    meta_update='fomaml',
    # --kd_steps 400 --ep_steps 400: one round of 256 then 400 student
    # steps of 256 per epoch
    student_iter=400,
    # --warmup 20 epochs of synthesis only; --reset_l0 1 at epoch 120 +
    # warm-up
    warmup_iters=20,
    reset_iter=140,
    # Every synthesised batch is kept (220 x 256). The official pool is PNG
    # files (pixels quantised to 8 bits); ours keeps 8 bits per value in
    # memory and in the checkpoint, each sample's own range (within half a
    # level of the PNG pixels). torchvision RandomCrop(32, padding=4) +
    # RandomHorizontalFlip on the pool's pixels, then normalised.
    memory=dict(
        type='mmdfkd.ReplayMemory',
        capacity=220 * 256,
        dtype='uint8',
        store_logits=False,
        augments=[
            dict(type='mmdfkd.BatchRandomCrop', padding=4),
            dict(type='mmdfkd.BatchRandomFlip')
        ]))

# Student: SGD 0.2, momentum 0.9, weight decay 1e-4 (--lr 0.2, the script's
# default --weight_decay), cosine to 2e-4 over the 200 epochs after the
# warm-up; meta-generator: Adam at lr_g x g_steps, betas (0.5, 0.999).
optim_wrapper = dict(
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture=dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=1e-4)),
    generator=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-2, betas=(0.5, 0.999))))
# One iteration is one epoch of the official script (a synthesis round and
# its 400 student steps). The official scheduler steps per epoch; ours too.
train_cfg = dict(type='IterBasedTrainLoop', max_iters=220, val_interval=10)
param_scheduler = dict(
    architecture=dict(
        type='CosineAnnealingLR',
        begin=20,
        T_max=200,
        by_epoch=False,
        eta_min=2e-4),
    # the meta-generator's learning rate stays
    generator=dict(type='ConstantLR', factor=1.0, by_epoch=False))
default_hooks = dict(checkpoint=dict(interval=10))
