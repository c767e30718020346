# Copyright (c) mmdfkd contributors. All rights reserved.
"""`make demo`: distil a Fashion-MNIST classifier without its training data.

1. trains a small teacher (1 epoch) on the real Fashion-MNIST training
   set, or reuses checkpoints/fmnist_resnet18_w16_teacher.pth (the
   benchmark's committed 20-epoch teacher is harder to distil in the
   demo's 300 iterations: 44-47 % students against 78-80 %),
2. distils it into a half-width student with mmdfkd's method, on generated
   samples only, validating on the real test split as it goes,
3. exports the student as a plain mmpretrain model
   (tools/model_converters/convert_to_student.py),
4. prints one table: teacher and student accuracy (peak, final, mean), the
   data-free health signal (agreement, BN-statistics gap), wall time, and
   where the exported student, logs, checkpoints and pictures are.
"""
import argparse
import os
import os.path as osp
import sys
import time

import mmdfkd  # noqa: F401  (applies mmdfkd.compat, registers components)
from mmdfkd.apis import export_student
from mmdfkd.engine import describe_path, fastest_path, use_fast_path
from mmdfkd.utils import keep_freed_memory

# the benchmark harness lives in tools/fmnist_benchmark, beside the tools
sys.path.insert(
    0, osp.join(osp.dirname(osp.abspath(__file__)), '..', 'tools'))
from fmnist_benchmark import (  # noqa: E402
    TEACHER_CKPT,
    distil,
    evaluate,
    load_config,
    real_bn_gap,
    set_data_root,
    train_teacher,
)

TEACHER_CFG = 'configs/teachers/fmnist_resnet18_w16.py'
DISTIL_CFG = 'configs/dfkd/fmnist_resnet18w16_resnet18w8.py'


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default='data/fashion_mnist')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument(
        '--teacher-ckpt',
        default='checkpoints/fmnist_resnet18_w16_teacher.pth',
        help='reused if it exists, else trained (1 epoch) and saved here; '
        f'e.g. {TEACHER_CKPT}, the benchmark\'s teacher')
    parser.add_argument(
        '--iters', type=int, default=None,
        help='distillation iterations (default: the config\'s)')
    parser.add_argument(
        '--path', choices=['float32', 'auto'], default='auto',
        help='what to compute in: the config as it ships (float32 NCHW), '
        'or the fastest path that keeps accuracy on this machine '
        '(mmdfkd.engine.fastest_path: bfloat16 + channels_last on a CPU '
        'with native bfloat16)')
    parser.add_argument(
        '--quick', action='store_true',
        help='a few iterations of everything, to check the pipeline')
    return parser.parse_args()


def check_data(root):
    needed = ['train-images-idx3-ubyte', 't10k-images-idx3-ubyte']
    missing = [f for f in needed if not osp.isfile(osp.join(root, f))]
    if missing:
        raise SystemExit(
            f'Fashion-MNIST not found in {root} (missing {missing}). Run '
            '`bash tools/dataset_converters/prepare_fmnist.sh '
            f'{root}` (installs the Debian '
            'package dataset-fashion-mnist) or `make demo`.')


def main():
    args = parse_args()
    keep_freed_memory()  # see mmdfkd/utils/allocator.py
    check_data(args.data_root)
    start = time.perf_counter()
    quick = dict(
        train_dataloader=dict(batch_size=8, num_workers=0),
        val_dataloader=dict(num_workers=0),
        test_dataloader=dict(num_workers=0))

    teacher_opts = dict(quick, train_cfg=dict(max_epochs=1)) \
        if args.quick else {}
    teacher_cfg = load_config(TEACHER_CFG,
                              osp.join(args.work_dir, 'teacher'),
                              teacher_opts)
    set_data_root(teacher_cfg, args.data_root)
    if osp.isfile(args.teacher_ckpt):
        print(f'Reusing the teacher {args.teacher_ckpt}')
        teacher_acc = evaluate(teacher_cfg, args.teacher_ckpt)
        teacher_time = 0.0
    else:
        print('Training the teacher on the real training set ...')
        teacher = train_teacher(teacher_cfg, args.teacher_ckpt)
        teacher_acc, teacher_time = teacher['accuracy'], teacher['seconds']

    distil_opts = {'model.teachers.teacher.ckpt_path': args.teacher_ckpt}
    iters = args.iters
    if args.quick:
        iters = iters or 4
        distil_opts.update(quick, train_cfg=dict(val_interval=2))
        distil_opts['train_dataloader']['batch_size'] = 16
    if iters:
        distil_opts['train_cfg'] = dict(
            distil_opts.get('train_cfg', {}), max_iters=iters)
        distil_opts['param_scheduler'] = dict(
            architecture=dict(T_max=iters), generator=dict(T_max=iters))
    distil_cfg = load_config(DISTIL_CFG,
                             osp.join(args.work_dir, 'distil'), distil_opts)
    set_data_root(distil_cfg, args.data_root)
    if args.path == 'auto':
        use_fast_path(distil_cfg, **fastest_path())
    print('Distilling on generated samples only ...')
    result = distil(distil_cfg)
    path = describe_path(result['fast_path'])
    with open(osp.join(distil_cfg.work_dir, 'last_checkpoint')) as f:
        last = f.read().strip()
    student_ckpt, student_cfg = export_student(
        distil_cfg, last, osp.join(args.work_dir, 'student'))
    total = time.perf_counter() - start
    agreement = [v for v in result['history_datafree']['agreement'] if v]
    gap = [v for v in result['history_datafree']['bn_gap'] if v is not None]
    # the same figure on real images, for scale (the data-free run itself
    # has no real images)
    real_gap = real_bn_gap(teacher_cfg, args.teacher_ckpt)

    rows = [
        ('teacher accuracy (real test split)', f'{teacher_acc:.2f} %'),
        ('student accuracy, final', f'{result["final"]:.2f} %'),
        ('student accuracy, peak / mean over run',
         f'{result["peak"]:.2f} % / {result["mean"]:.2f} %'),
        ('student peak minus final', f'{result["peak_minus_final"]:.2f}'),
        ('student-teacher agreement on held-out generated samples, final',
         f'{agreement[-1]:.2f} %' if agreement else 'n/a'),
        ('BN-statistics gap of held-out generated samples, final '
         '(512 real test images)',
         f'{gap[-1]:.4f} ({real_gap:.4f})' if gap else 'n/a'),
        ('distillation iterations', str(result['iters'])),
        ('computed in (precision, memory format, compilation)', path),
        ('wall time: teacher / distillation / total',
         f'{teacher_time:.0f} s / {result["seconds"]:.0f} s / {total:.0f} s'),
        ('replay memory', f'{result["memory_bytes"] / 2**20:.2f} MB'),
        ('teacher checkpoint', args.teacher_ckpt),
        ('exported student (plain mmpretrain)',
         f'{student_ckpt} + {student_cfg}'),
        ('logs and student checkpoints', osp.join(args.work_dir, 'distil')),
        ('pictures (generated / replayed)',
         osp.join(result['log_dir'], 'vis_data', 'vis_image')),
    ]
    width = max(len(r[0]) for r in rows)
    print('\n' + '=' * (width + 30))
    for name, value in rows:
        print(f'{name:<{width}}  {value}')
    print('=' * (width + 30))
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'summary.txt'), 'w') as f:
        f.writelines(f'{name}: {value}\n' for name, value in rows)


if __name__ == '__main__':
    main()
