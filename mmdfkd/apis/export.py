# Copyright (c) mmdfkd contributors. All rights reserved.
"""Take the distilled student out of a distillation checkpoint, as a plain
mmpretrain checkpoint plus a standalone mmpretrain config that load without
mmdfkd (``tools/model_converters/convert_to_student.py``, the demo)."""
import os
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.runner import CheckpointLoader

from mmdfkd.utils.errors import ConfigError

PREFIX = 'architecture.'


def _strip_scope(cfg):
    """Type names without the ``mmpretrain.`` prefix (the exported config's
    default scope is mmpretrain)."""
    if isinstance(cfg, dict):
        return {
            k: (v[len('mmpretrain.'):] if k == 'type' and isinstance(v, str)
                and v.startswith('mmpretrain.') else _strip_scope(v))
            for k, v in cfg.items() if k != '_scope_'
        }
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(_strip_scope(v) for v in cfg)
    return cfg


def student_config(cfg: Config) -> Config:
    """A standalone mmpretrain config of the student of ``cfg``."""
    model = cfg.model.architecture.to_dict()
    if model.get('_scope_', 'mmpretrain') != 'mmpretrain':
        raise ConfigError(
            f'the student is a {model["_scope_"]} model; only '
            'mmpretrain students are exported.')
    preprocessor = cfg.model.get('data_preprocessor') or cfg.get(
        'data_preprocessor')
    if preprocessor:
        model['data_preprocessor'] = dict(
            preprocessor.to_dict(), type='ClsDataPreprocessor')
    exported = dict(default_scope='mmpretrain', model=_strip_scope(model))
    if cfg.get('test_dataloader'):
        exported.update(
            test_dataloader=_strip_scope(cfg.test_dataloader.to_dict()),
            test_evaluator=_strip_scope(cfg.test_evaluator.to_dict()),
            test_cfg=dict())
    return Config(exported)


def export_student(config, checkpoint_path, out_dir, cfg_options=None):
    """Write ``student.pth`` and ``student_config.py`` to ``out_dir``;
    returns their paths."""
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    checkpoint = CheckpointLoader.load_checkpoint(
        checkpoint_path, map_location='cpu')
    state = checkpoint.get('state_dict', checkpoint)
    student = {k[len(PREFIX):]: v for k, v in state.items()
               if k.startswith(PREFIX)}
    if not student:
        raise ConfigError(
            f'{checkpoint_path} holds no student weights (no key '
            f'starts with {PREFIX!r}); pass a checkpoint written by a '
            'distillation run of this config.')
    os.makedirs(out_dir, exist_ok=True)
    ckpt_out = osp.join(out_dir, 'student.pth')
    cfg_out = osp.join(out_dir, 'student_config.py')
    torch.save(
        dict(state_dict=student,
             meta=dict(converted_from=osp.abspath(checkpoint_path))),
        ckpt_out)
    student_config(cfg).dump(cfg_out)
    return ckpt_out, cfg_out
