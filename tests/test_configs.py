# Copyright (c) mmdfkd contributors. All rights reserved.
"""Every config under configs/ loads and builds; every distillation config
(ours and MMRazor's baselines) trains 2 iterations and validates on a tiny
test split in the real on-disk format of its data set."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmdfkd.registry import MODELS
from mmdfkd.testing import REPO, save_state_dict


def _configs(folder):
    return sorted(
        osp.relpath(p, REPO)
        for p in glob.glob(osp.join(REPO, 'configs', folder, '**', '*.py'),
                           recursive=True))


DISTILL = _configs('dfkd') + _configs('baselines') + _configs('fast_dfkd')
TEACHERS = _configs('teachers')


DATASETS = ('cifar10', 'cifar100', 'svhn', 'fmnist')


def _setup(path):
    if 'examples' in path:
        return 'cifar10'
    tokens = osp.splitext(osp.basename(path))[0].split('_')
    found = [t for t in tokens if t in DATASETS]
    assert len(found) == 1, path  # the name says its data set
    return found[0]


def test_config_basenames_are_unique():
    """tools/train.py's default work dir is work_dirs/<basename>: two
    configs with one basename would write into (and resume from) each
    other's checkpoints."""
    names = {}
    for path in _configs(''):
        if '/_base_/' in path:
            continue
        names.setdefault(osp.basename(path), []).append(path)
    assert {n: p for n, p in names.items() if len(p) > 1} == {}
    # the command users are given keeps its name
    assert 'configs/dfkd/cifar100_resnet34_resnet18.py' in _configs('dfkd')


def test_every_setup_has_ours_and_three_baselines():
    setups = set(DATASETS)
    assert {_setup(p) for p in _configs('dfkd')} == setups
    for algo in ('dafl', 'dfad', 'zskt'):
        assert {_setup(p) for p in _configs(f'baselines/{algo}')} == setups
    assert {_setup(p) for p in TEACHERS} == setups


@pytest.mark.parametrize('path', TEACHERS)
def test_teacher_config_builds(path):
    cfg = Config.fromfile(osp.join(REPO, path))
    model = MODELS.build(cfg.model)
    channels = cfg.model.backbone.get('in_channels', 3)
    size = 28 if channels == 1 else 32
    logits = model(torch.zeros(2, channels, size, size), mode='tensor')
    assert logits.shape == (2, cfg.model.head.num_classes)


def test_benchmark_teacher_training_is_reproducible(tmp_path, fmnist_root):
    """The benchmark's teacher is trained again on every fresh machine and
    its finished runs count only for the same weights: the same seed must
    give the very same weights, another seed other weights."""
    from fmnist_benchmark import load_config, train_teacher, weights_sha256

    def train(name, seed):
        cfg = load_config(
            osp.join(REPO, 'configs/teachers/fmnist_resnet18_w16_e20.py'),
            str(tmp_path / name), {
                'train_dataloader.dataset.data_root': fmnist_root,
                'train_dataloader.dataset.indices': None,
                'train_dataloader.batch_size': 8,
                'val_dataloader.dataset.data_root': fmnist_root,
                'train_cfg.max_epochs': 1,
                'randomness.seed': seed,
            })
        train_teacher(cfg, str(tmp_path / f'{name}.pth'))
        return weights_sha256(str(tmp_path / f'{name}.pth'))

    first = train('a', 0)
    assert train('b', 0) == first
    assert train('c', 1) != first


def test_dfkd_config_refuses_a_missing_teacher_with_the_recipe():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/dfkd/cifar100_resnet34_resnet18.py'))
    with pytest.raises(FileNotFoundError) as err:
        MODELS.build(cfg.model)  # checkpoints/cifar100_resnet34_teacher.pth
    message = str(err.value)
    assert 'checkpoints/cifar100_resnet34_teacher.pth' in message
    assert 'python tools/train.py configs/teachers/cifar100_resnet34.py' \
        in message
    assert 'work_dirs/cifar100_resnet34/last_checkpoint' in message


# what a dumped config may hold at its top level: mmengine's keys only
RUNNER_KEYS = {
    'model', 'data_preprocessor', 'train_dataloader', 'val_dataloader',
    'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg', 'val_evaluator',
    'test_evaluator', 'optim_wrapper', 'param_scheduler', 'default_hooks',
    'custom_hooks', 'env_cfg', 'log_processor', 'log_level', 'visualizer',
    'load_from', 'resume', 'randomness', 'default_scope', 'custom_imports',
    'model_wrapper_cfg', 'launcher', 'work_dir', 'vis_backends',
    'auto_scale_lr', 'dataset_type', 'train_pipeline', 'test_pipeline'
}
@pytest.mark.parametrize('path', DISTILL)
def test_config_has_one_teacher_key_and_no_stray_keys(path):
    """MMRazor's form: nothing in the final config but runner keys (no
    helper variables read through `_base_.`), and the teacher checkpoint
    named in the leaf config itself, where a user edits it."""
    cfg = Config.fromfile(osp.join(REPO, path))
    assert list(cfg.model.teachers) == ['teacher']
    stray = {k for k in cfg.keys() if k not in RUNNER_KEYS}
    assert not stray, stray
    with open(osp.join(REPO, path)) as f:
        leaf = f.read()
    assert osp.basename(cfg.model.teachers.teacher.ckpt_path) in leaf


@pytest.mark.parametrize('path', _configs('_base_/datasets'))
def test_dataset_bases_stand_alone(path):
    """Each data set base is whole on its own (as mmpretrain's): no
    `_base_`, and it sets the data keys only."""
    cfg = Config.fromfile(osp.join(REPO, path))
    assert '_base_' not in open(osp.join(REPO, path)).read()
    assert set(cfg.keys()) == {
        'data_preprocessor', 'val_dataloader', 'val_evaluator',
        'test_dataloader', 'test_evaluator'}
    name = osp.splitext(osp.basename(path))[0]
    assert cfg.data_preprocessor.num_classes == (100 if name == 'cifar100'
                                                 else 10)


@pytest.mark.parametrize('path', DISTILL + _configs('examples'))
def test_distillation_config_trains_and_validates(path, data_roots,
                                                  tmp_path):
    cfg = Config.fromfile(osp.join(REPO, path))
    teacher_cfg = cfg.model.teachers.teacher
    assert teacher_cfg.ckpt_path.endswith('.pth')
    torch.manual_seed(0)
    teacher = MODELS.build(teacher_cfg.build_cfg)
    teacher_cfg.ckpt_path = save_state_dict(teacher,
                                            str(tmp_path / 'teacher.pth'))
    root = data_roots[_setup(path)]
    for loader in ('val_dataloader', 'test_dataloader'):
        if loader not in cfg:
            continue
        cfg[loader].dataset.data_root = root
        cfg[loader].batch_size = 32
        cfg[loader].num_workers = 0
    # one iteration builds and steps every part (Fast-DFKD: a warm-up
    # round, then a round with its student step)
    iters = 2 if cfg.model.get('warmup_iters') else 1
    cfg.train_dataloader.batch_size = 2
    cfg.train_cfg.max_iters = iters
    # DAFL's warm-up starts its step schedule at iteration 500, which a
    # short run cannot build
    if path.startswith('configs/baselines/dafl'):
        cfg.param_scheduler = None
    cfg.train_cfg.val_interval = iters
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint = None
    if cfg.model.get('memory'):
        cfg.model.memory.replay_batch_size = 2
    if cfg.model.get('warmup_iters'):  # Fast-DFKD: one round, then a step
        cfg.model.warmup_iters, cfg.model.student_iter = 1, 1
        cfg.param_scheduler.architecture.update(begin=1, T_max=1)
    cfg.work_dir = str(tmp_path / 'work')

    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.message_hub.get_scalar('val/accuracy/top1')
    assert 0 <= metrics.current() <= 100
    assert runner.iter == iters


CEILING = 'configs/real_data_kd/kd_logits_resnet18w16_resnet18w8_fmnist.py'


def test_real_data_ceiling_distils_with_the_teachers_training_images(
        fmnist_root, tmp_path):
    """The benchmark's ceiling: MMRazor's SingleTeacherDistill, KL on
    logits only, the committed teacher's network loaded and frozen, the
    student trained on the real training images (the teacher's 55,000)."""
    from fmnist_benchmark.runner import shape_options
    cfg = Config.fromfile(osp.join(REPO, CEILING))
    assert cfg.model.type == 'SingleTeacherDistill'
    assert cfg.model.calculate_student_loss is False
    assert list(cfg.model.distiller.distill_losses.values())[0].type == \
        'KLDivergence'
    train = cfg.train_dataloader
    assert (train.dataset.split, train.dataset.test_mode,
            train.dataset.indices, train.batch_size) == ('train', False,
                                                         55000, 64)
    assert cfg.model.teacher_ckpt == \
        'benchmarks/fmnist/teacher/fmnist_resnet18_w16_e20.pth'
    # the benchmark sets its run length and teacher in the config's keys
    assert shape_options(osp.join(REPO, CEILING), 160, 'T.pth') == {
        'model.teacher_ckpt': 'T.pth', 'param_scheduler.T_max': 160}

    torch.manual_seed(0)
    teacher = MODELS.build(cfg.model.teacher)
    cfg.model.teacher_ckpt = save_state_dict(teacher,
                                             str(tmp_path / 'teacher.pth'))
    for loader in ('train_dataloader', 'val_dataloader'):
        cfg[loader].dataset.data_root = fmnist_root
        cfg[loader].num_workers = 0
    cfg.train_dataloader.batch_size = 4
    cfg.train_cfg.max_iters = cfg.param_scheduler.T_max = 3
    cfg.train_cfg.val_interval = 3
    cfg.default_hooks.checkpoint = None
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    student = {k: v.clone()
               for k, v in runner.model.architecture.state_dict().items()}
    runner.train()
    assert all(torch.equal(v, teacher.state_dict()[k])
               for k, v in runner.model.teacher.state_dict().items())
    assert not all(torch.equal(v, student[k]) for k, v in
                   runner.model.architecture.state_dict().items())
    assert len(runner.train_dataloader.dataset) > 0
    assert not runner.train_dataloader.dataset.test_mode
    accuracy = runner.message_hub.get_scalar('val/accuracy/top1').current()
    assert 0 <= accuracy <= 100


def test_benchmark_shapes_a_late_scheduler_after_the_warm_up():
    """Fast-DFKD's student schedule begins after its warm-up rounds: the
    benchmark moves its start to the warm-up it runs and keeps the
    generator's constant schedule as it is."""
    from fmnist_benchmark.methods import FAST_DFKD
    from fmnist_benchmark.runner import shape_options
    options = shape_options(osp.join(REPO, FAST_DFKD), 3490, 'T.pth', 290)
    assert options == {
        'model.teachers.teacher.ckpt_path': 'T.pth',
        'param_scheduler.architecture.begin': 290,
        'param_scheduler.architecture.T_max': 3200}
    quick = shape_options(osp.join(REPO, FAST_DFKD), 10, 'T.pth', 2)
    assert quick['param_scheduler.architecture.begin'] == 2
    assert quick['param_scheduler.architecture.T_max'] == 8
