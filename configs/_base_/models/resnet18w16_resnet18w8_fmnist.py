# The small Fashion-MNIST pair of `make demo` and tools/benchmark.py, sized
# for 2 CPU cores: ResNet_CIFAR-18 with 16 channels (teacher) -> 8 channels
# (student), 1x28x28 input. Leaf configs read these through `_base_.`, so
# that ours and MMRazor's baselines use the very same pair. The teacher is
# the benchmark's committed one (benchmarks/fmnist/teacher/README.md).
fmnist_small_student = dict(
    backbone=dict(in_channels=1, stem_channels=8, base_channels=8),
    head=dict(in_channels=64))
fmnist_small_teacher = dict(
    build_cfg=dict(
        backbone=dict(
            depth=18, in_channels=1, stem_channels=16, base_channels=16),
        head=dict(in_channels=128)),
    ckpt_path='benchmarks/fmnist/teacher/fmnist_resnet18_w16_e20.pth')
fmnist_small_generator = dict(
    type='mmdfkd.DFKDGenerator',
    img_size=28,
    out_channels=1,
    latent_dim=64,
    hidden_channels=32)
# in MMRazor's baselines, whose generators make 3 channels only
fmnist_small_standin = dict(_delete_=True, **fmnist_small_generator)
