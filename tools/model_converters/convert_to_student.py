# Copyright (c) mmdfkd contributors. All rights reserved.
"""Take the distilled student out of a distillation checkpoint, as a plain
mmpretrain checkpoint plus a standalone mmpretrain config (model, data
preprocessor, test pipeline and split) that load without mmdfkd:

    python tools/model_converters/convert_to_student.py \\
        configs/dfkd/fmnist_resnet18w16_resnet18w8.py \\
        work_dirs/fmnist_resnet18w16_resnet18w8/iter_300.pth \\
        work_dirs/student

then, in any mmpretrain environment:

    from mmpretrain.apis import ImageClassificationInferencer
    ImageClassificationInferencer('work_dirs/student/student_config.py',
                                  pretrained='work_dirs/student/student.pth')
"""
import argparse

from mmengine.config import DictAction

import mmdfkd  # noqa: F401  (safe checkpoint loading)
from mmdfkd.apis import export_student
from mmdfkd.utils.errors import user_errors


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the distillation config')
    parser.add_argument('checkpoint', help='a checkpoint it wrote')
    parser.add_argument('out_dir', help='where student.pth and '
                        'student_config.py are written')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config')
    return parser.parse_args()


def main():
    args = parse_args()
    with user_errors():
        ckpt_out, cfg_out = export_student(args.config, args.checkpoint,
                                           args.out_dir, args.cfg_options)
    print(f'student weights: {ckpt_out}\nstudent config:  {cfg_out}')


if __name__ == '__main__':
    main()
