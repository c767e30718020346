# Copyright (c) mmdfkd contributors. All rights reserved.
"""The benchmark's one teacher, committed to the repository (a few MB,
state dict only), with the facts that identify it: every machine runs the
benchmark, the demo and the tests on the same weights, so runs made on
different machines compare the same teacher.

    python tools/benchmark.py --train-teacher   # retrain and replace it
"""
import datetime
import hashlib
import json
import os
import os.path as osp
import tempfile
from typing import Dict

import torch

from .methods import TEACHER_CFG, TEACHER_CKPT, TEACHER_DIR

FACTS = osp.join(TEACHER_DIR, 'teacher.json')


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def export_teacher(checkpoint: str, accuracy: Dict[str, float],
                   out: str = TEACHER_CKPT) -> Dict:
    """Write ``checkpoint``'s weights (its ``state_dict`` alone, float
    tensors as saved) to ``out`` and their facts beside it
    (``teacher.json``); returns the facts."""
    from mmdfkd.utils.cpu_features import cpu_name

    from .experiments import config_sha256, weights_sha256
    state = torch.load(checkpoint, map_location='cpu', weights_only=True)
    state = state.get('state_dict', state)
    os.makedirs(osp.dirname(out), exist_ok=True)
    torch.save(state, out)
    facts = dict(
        checkpoint=osp.basename(out),
        file_sha256=file_sha256(out),
        weights_sha256=weights_sha256(out),
        recipe=TEACHER_CFG,
        recipe_sha256=config_sha256(TEACHER_CFG),
        accuracy=accuracy,
        trained_on=cpu_name(),
        date=datetime.date.today().isoformat(),
        command='python tools/benchmark.py --train-teacher')
    with open(osp.join(osp.dirname(out), 'teacher.json'), 'w') as f:
        json.dump(facts, f, indent=1)
        f.write('\n')
    return facts


def train_and_export(data_root: str, work_dir: str) -> Dict:
    """Train the teacher from its recipe, measure it on the validation and
    test splits and export it (``--train-teacher``)."""
    from .experiments import (
        evaluate,
        load_config,
        set_data_root,
        train_teacher,
    )
    from .methods import VAL_SPLIT
    cfg = load_config(TEACHER_CFG, work_dir)
    set_data_root(cfg, data_root)
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = osp.join(tmp, 'teacher.pth')
        train_teacher(cfg, ckpt)
        accuracy = {}
        for split, opts in (('test', {}), ('val', VAL_SPLIT)):
            test_cfg = load_config(TEACHER_CFG, work_dir)
            set_data_root(test_cfg, data_root)
            for key, value in opts.items():
                test_cfg.merge_from_dict(
                    {key.replace('val_', 'test_', 1): value})
            accuracy[split] = round(evaluate(test_cfg, ckpt), 2)
        return export_teacher(ckpt, accuracy)


def check_committed_teacher(path: str = TEACHER_CKPT) -> Dict:
    """The facts of the committed teacher, after checking that ``path``
    holds those very weights."""
    from mmdfkd.utils.errors import ConfigError

    from .experiments import weights_sha256
    if not osp.isfile(FACTS) or not osp.isfile(path):
        raise ConfigError(
            f'The benchmark teacher {path} (or {FACTS}) is missing: restore '
            f'it with `git checkout -- {TEACHER_DIR}`, or train a new one '
            'with `python tools/benchmark.py --train-teacher`.')
    with open(FACTS) as f:
        facts = json.load(f)
    found = weights_sha256(path)
    if found != facts['weights_sha256']:
        raise ConfigError(
            f'{path} holds other weights (sha256 {found[:12]}...) than '
            f'{FACTS} records ({facts["weights_sha256"][:12]}...): restore '
            f'it with `git checkout -- {TEACHER_DIR}`, or export the new '
            'one with `python tools/benchmark.py --train-teacher`.')
    return facts
