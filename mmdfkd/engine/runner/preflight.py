# Copyright (c) mmdfkd contributors. All rights reserved.
"""Checks of a config before the runner is built: every missing or
mismatched prerequisite of a run at once, before mmengine creates a work
dir or a distillation spends hours on a wrong setting."""
import os.path as osp
from typing import List, Optional, Sequence

from mmdfkd.datasets.data_files import loader_dataset, missing_data_files
from mmdfkd.models.utils.checkpoint import missing_teacher
from mmdfkd.utils.errors import ConfigError, format_problems

# the input size of the data sets whose classes fix it
_DATASET_SIZES = {
    'CIFAR10': 32,
    'CIFAR100': 32,
    'SVHN': 32,
    'MNIST': 28,
    'FashionMNIST': 28,
}


def missing_teachers(cfg) -> List[str]:
    """A message per teacher checkpoint of ``cfg.model`` that is not on
    disk (ours and MMRazor's distillers: ``model.teachers.<name>``)."""
    teachers = (cfg.get('model') or {}).get('teachers')
    if not isinstance(teachers, dict):
        return []
    problems = []
    # ours leave a teacher without checkpoint random (for tests); MMRazor's
    # distillers (and mmdfkd.DataFreeDistillation, which fixes them) fail
    # deep inside with an unhelpful error
    ours = str(cfg.model.get('type', '')).split('.')[-1] in (
        'ReplayDataFreeDistillation', 'FastMetaDistillation')
    for name, teacher in teachers.items():
        path = teacher.get('ckpt_path') if isinstance(teacher, dict) else None
        if path is None and not ours and isinstance(teacher, dict):
            problems.append(
                f'model.teachers.{name}.ckpt_path is None: '
                f'{cfg.model.get("type")} needs the trained teacher\'s '
                'checkpoint; set it with --cfg-options '
                f'model.teachers.{name}.ckpt_path=PATH.')
        if isinstance(path, str) and '://' not in path and \
                not osp.isfile(path):
            problems.append(
                missing_teacher(path, name, teacher.get('ckpt_hint')))
    return problems


def data_input_size(cfg) -> Optional[int]:
    """The image size the teacher's data has, as the config's validation
    (or test) pipeline or data set declares it; None where it says
    nothing."""
    for loader in ('val_dataloader', 'test_dataloader'):
        dataset = loader_dataset(cfg, loader)
        if dataset is None:
            continue
        size = None
        for transform in dataset.get('pipeline') or []:
            for key in ('crop_size', 'scale'):
                value = transform.get(key)
                if isinstance(value, int):
                    size = value
                elif isinstance(value, (list, tuple)) and len(set(value)) \
                        == 1 and isinstance(value[0], int):
                    size = value[0]
        if size is None:
            size = _DATASET_SIZES.get(
                str(dataset.get('type', '')).split('.')[-1])
        if size is not None:
            return size
    return None


def generator_size_mismatch(cfg) -> List[str]:
    """The generator's ``img_size`` against the teacher's input size: a
    global-pooling teacher takes any size, so a mismatch would train
    silently on images the teacher never saw."""
    generator = (cfg.get('model') or {}).get('generator')
    key = 'model.generator'
    if isinstance(generator, dict) and isinstance(
            generator.get('generator'), dict):  # SingleProcessGeneratorWrapper
        generator, key = generator['generator'], 'model.generator.generator'
    if not isinstance(generator, dict) or 'img_size' not in generator:
        return []
    size, expected = generator['img_size'], data_input_size(cfg)
    if expected is None or size == expected:
        return []
    return [f'{key}.img_size={size}, but the teacher\'s data (the '
            f'validation data set of this config) is {expected}x{expected}: '
            'the teacher would be distilled on images of a size it never '
            f'saw. Set --cfg-options {key}.img_size={expected}.']


def check_prerequisites(cfg, loaders: Sequence[str]) -> None:
    """Raise :class:`ConfigError` listing every missing data file, missing
    teacher checkpoint and generator-size mismatch of ``cfg`` at once."""
    problems = missing_data_files(cfg, loaders) + missing_teachers(cfg) + \
        generator_size_mismatch(cfg)
    if problems:
        raise ConfigError(format_problems(problems, 'this run'))


def _readable(path: str) -> bool:
    """Whether a checkpoint file is complete: a torch zip archive whose
    members all pass their CRC check (a kill or a full disk during the
    write leaves it torn)."""
    import zipfile
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except (OSError, zipfile.BadZipFile):
        return False


def _checkpoints_newest_first(work_dir: str) -> List[str]:
    import glob
    import re

    def number(path):
        found = re.findall(r'(\d+)\.pth$', osp.basename(path))
        return int(found[0]) if found else -1

    files = glob.glob(osp.join(work_dir, '*.pth'))
    return sorted(files, key=lambda p: (number(p), osp.getmtime(p)),
                  reverse=True)


def resolve_resume(cfg) -> Optional[str]:
    """Pick the checkpoint a ``resume=True`` config continues from, before
    the runner is built: ``cfg.load_from`` when given, else the one that
    ``last_checkpoint`` in the work dir names. A torn checkpoint (a kill or
    a full disk during the write) is never loaded: given explicitly, it
    stops the run with its name; found automatically, the newest complete
    checkpoint of the work dir is used instead, with a warning. Sets
    ``cfg.load_from`` to the choice and returns it (None: nothing to resume,
    the run starts from scratch)."""
    from mmengine.logging import print_log
    if not cfg.get('resume'):
        return None
    given = cfg.get('load_from')
    if given:
        if '://' not in given and osp.isfile(given) and \
                not _readable(given):
            raise ConfigError(
                f'--resume {given}: the checkpoint is incomplete (torn: a '
                'kill or a full disk while it was written). Resume from an '
                'earlier checkpoint of that work dir, or delete this file '
                'and use --resume alone to take the newest complete one.')
        return given
    from mmengine.runner import find_latest_checkpoint
    work_dir = cfg.get('work_dir') or ''
    named = find_latest_checkpoint(work_dir)
    if named and osp.isfile(named) and _readable(named):
        cfg.load_from = named
        return named
    for path in _checkpoints_newest_first(work_dir):
        if path != named and _readable(path):
            if named:
                print_log(
                    f'The newest checkpoint {named} is incomplete (torn: a '
                    f'kill or a full disk while it was written) or gone; '
                    f'resuming from the newest complete one, {path}.',
                    logger='current', level=30)
            cfg.load_from = path
            return path
    if named:
        raise ConfigError(
            f'--resume: {work_dir}/last_checkpoint names {named}, which is '
            'incomplete (torn) '
            f'or gone, and {work_dir} holds no complete checkpoint. Start '
            'the run again without --resume (or with a fresh --work-dir).')
    return None
