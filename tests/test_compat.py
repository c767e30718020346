# Copyright (c) mmdfkd contributors. All rights reserved.
"""mmdfkd.compat: MMRazor on torch 2.x, safe checkpoint loading."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import CheckpointLoader
from mmengine.utils import digit_version

import mmdfkd
from mmdfkd.compat import (
    TRUSTED_CHECKPOINTS_ENV,
    UnsafeCheckpointError,
    end_distributed,
)
from mmdfkd.registry import MODELS
from mmdfkd.testing import REPO, tiny_classifier


def test_mmrazor_registries_are_populated():
    from mmrazor import registry as razor
    assert {'DataFreeDistillation', 'DAFLDataFreeDistillation',
            'DAFLGenerator', 'ZSKTGenerator', 'L1Loss', 'KLDivergence',
            'ATLoss', 'OnehotLikeLoss', 'InformationEntropyLoss',
            'ActivationLoss', 'ConfigurableDistiller',
            'SingleTeacherDistill'} <= set(razor.MODELS.module_dict)
    assert 'SeparateOptimWrapperConstructor' in \
        razor.OPTIM_WRAPPER_CONSTRUCTORS.module_dict
    assert 'SingleTeacherDistillValLoop' in razor.LOOPS.module_dict
    assert 'StopDistillHook' in razor.HOOKS.module_dict
    import mmrazor.engine  # noqa: F401
    import mmrazor.models  # noqa: F401


def test_mmdfkd_registries_resolve_from_every_scope():
    from mmengine.registry import MODELS as ROOT
    from mmpretrain.registry import MODELS as PRETRAIN
    from mmrazor.registry import MODELS as RAZOR

    from mmdfkd import registry
    assert registry.MODELS.parent is ROOT
    assert registry.HOOKS.scope == 'mmdfkd'
    name = 'mmdfkd.ReplayDataFreeDistillation'
    for reg in (ROOT, RAZOR, PRETRAIN, registry.MODELS):
        assert reg.get(name) is mmdfkd.models.ReplayDataFreeDistillation
    assert registry.MODELS.get('mmrazor.DAFLGenerator') is \
        RAZOR.get('DAFLGenerator')


def test_real_torch_version_stays_visible():
    assert digit_version(torch.__version__) >= digit_version('2.0.0')
    assert str(torch.__version__) != '1.12.0'


def test_mmrazor_data_free_algorithm_builds_and_trains():
    from mmengine.optim import OptimWrapper, OptimWrapperDict
    from mmpretrain.structures import DataSample
    from mmrazor.registry import MODELS
    model = MODELS.build(
        dict(
            type='DataFreeDistillation',
            architecture=tiny_classifier(3, 10, width=4),
            teachers=dict(t=dict(build_cfg=tiny_classifier(3, 10, width=8))),
            generator=dict(
                type='mmdfkd.SingleProcessGeneratorWrapper',
                generator=dict(
                    type='mmrazor.DAFLGenerator', img_size=8, latent_dim=6,
                    hidden_channels=8)),
            distiller=dict(
                type='ConfigurableDistiller',
                student_recorders=dict(
                    fc=dict(type='ModuleOutputs', source='head.fc')),
                teacher_recorders=dict(
                    t_fc=dict(type='ModuleOutputs', source='t.head.fc')),
                distill_losses=dict(loss=dict(type='L1Loss')),
                loss_forward_mappings=dict(
                    loss=dict(
                        s_feature=dict(from_student=True, recorder='fc'),
                        t_feature=dict(from_student=False,
                                       recorder='t_fc')))),
            generator_distiller=dict(
                type='ConfigurableDistiller',
                student_recorders=dict(
                    fc=dict(type='ModuleOutputs', source='head.fc')),
                teacher_recorders=dict(
                    t_fc=dict(type='ModuleOutputs', source='t.head.fc')),
                distill_losses=dict(loss=dict(type='L1Loss',
                                              loss_weight=-1)),
                loss_forward_mappings=dict(
                    loss=dict(
                        s_feature=dict(from_student=True, recorder='fc'),
                        t_feature=dict(from_student=False,
                                       recorder='t_fc'))))))
    optim = OptimWrapperDict(
        architecture=OptimWrapper(
            torch.optim.SGD(model.student.parameters(), lr=0.1)),
        generator=OptimWrapper(
            torch.optim.Adam(model.generator.parameters(), lr=1e-3)))
    before = [p.clone() for p in model.student.parameters()]
    data = dict(
        inputs=[torch.zeros(3, 1, 1, dtype=torch.uint8)] * 4,
        data_samples=[DataSample().set_gt_label(0)] * 4)
    log = model.train_step(data, optim)
    assert 'distill.loss' in log and 'generator.loss' in log
    assert any(not torch.equal(a, b)
               for a, b in zip(before, model.student.parameters()))


class _Arbitrary:
    pass


def test_unsafe_checkpoint_is_refused_unless_trusted(tmp_path, monkeypatch):
    path = str(tmp_path / 'unsafe.pth')
    torch.save(dict(state_dict={}, extra=_Arbitrary()), path)
    with pytest.raises(UnsafeCheckpointError) as err:
        CheckpointLoader.load_checkpoint(path)
    assert TRUSTED_CHECKPOINTS_ENV in str(err.value)
    assert '_Arbitrary' in str(err.value)
    monkeypatch.setenv(TRUSTED_CHECKPOINTS_ENV, path)
    assert isinstance(CheckpointLoader.load_checkpoint(path)['extra'],
                      _Arbitrary)


def test_not_a_checkpoint(tmp_path):
    path = tmp_path / 'x.pth'
    path.write_text('hello')
    with pytest.raises(ValueError, match='not a PyTorch checkpoint'):
        CheckpointLoader.load_checkpoint(str(path))


def test_mmpretrain_config_inheritance():
    """An 'mmpretrain::' base loads (it needs pkg_resources): what the
    leaf does not set is the base's own."""
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/teachers/cifar100_resnet34.py'))
    import mmpretrain
    base = Config.fromfile(osp.join(
        osp.dirname(mmpretrain.__file__), '.mim', 'configs', '_base_',
        'datasets', 'cifar100_bs16.py'))
    # (mmengine adds the base package's scope to what it inherits)
    dataset = dict(cfg.train_dataloader.dataset)
    assert dataset.pop('_scope_') == 'mmpretrain'
    assert dataset == base.train_dataloader.dataset.to_dict()
    assert cfg.model.head.num_classes == 100  # the leaf's own


def test_end_distributed_leaves_the_process_group(tmp_path):
    import torch.distributed as dist
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/init',
                            rank=0, world_size=1)
    assert dist.is_initialized()
    end_distributed()
    assert not dist.is_initialized()
    end_distributed()  # no group: nothing to do


def _equal(a, b):
    """Deep equality of loaded checkpoint contents."""
    import numpy as np
    if torch.is_tensor(a):
        return torch.is_tensor(b) and torch.equal(a, b)
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and np.array_equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(
            _equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(
            _equal(x, y) for x, y in zip(a, b))
    if hasattr(a, '__dict__') and not isinstance(a, type):
        return type(a) is type(b) and _equal(vars(a), vars(b))
    return a == b


def test_importing_mmdfkd_loads_another_projects_files_as_before(
        tmp_path, monkeypatch):
    """What another OpenMMLab project has on disk, with the plugin
    imported: a plain state dict loads exactly as in a process that never
    imports mmdfkd; an mmengine training checkpoint with its message hub
    (numpy scalars, HistoryBuffers), which mmengine 0.10.7 cannot load on
    torch >= 2.6 by itself, is refused with the way to trust it, and once
    trusted loads exactly as the full unpickling mmengine did before torch
    2.6 (docs/en/notes/compatibility.md, safe_loading.py)."""
    import subprocess
    import sys

    import numpy as np
    from mmengine.logging import MessageHub

    model = MODELS.build(tiny_classifier(1, 10, width=4))
    plain = str(tmp_path / 'plain.pth')
    torch.save(model.state_dict(), plain)
    hub = MessageHub('another_project')
    for i in range(3):
        hub.update_scalar('train/loss', float(i))
    hub.update_info('iter', 3)
    training = str(tmp_path / 'iter_3.pth')
    torch.save(dict(
        meta=dict(epoch=0, iter=3, seed=np.int64(7),
                  mmengine_version='0.10.7'),
        state_dict=model.state_dict(),
        message_hub=hub.state_dict(),
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1).state_dict()),
        training)

    # without the plugin, in a process that never imports it
    out = str(tmp_path / 'without.pth')
    child = (
        'import sys, torch; '
        'from mmengine.runner import CheckpointLoader; '
        'assert "mmdfkd" not in sys.modules; '
        f'torch.save(CheckpointLoader.load_checkpoint({plain!r}), {out!r})')
    subprocess.run([sys.executable, '-c', child], check=True, timeout=300)
    without = torch.load(out, weights_only=True)
    assert _equal(CheckpointLoader.load_checkpoint(plain), without)
    assert _equal(without, model.state_dict())

    # the training checkpoint: without the plugin, mmengine itself fails
    child = (
        'import pickle, sys; '
        'from mmengine.runner import CheckpointLoader\n'
        f'try: CheckpointLoader.load_checkpoint({training!r})\n'
        'except pickle.UnpicklingError: sys.exit(3)')
    assert subprocess.run([sys.executable, '-c', child],
                          timeout=300).returncode == 3
    # with it, refused with the way to trust it ...
    with pytest.raises(UnsafeCheckpointError,
                       match=TRUSTED_CHECKPOINTS_ENV):
        CheckpointLoader.load_checkpoint(training)
    # ... and once trusted, every value as the full unpickling gives it
    monkeypatch.setenv(TRUSTED_CHECKPOINTS_ENV, training)
    reference = torch.load(training, weights_only=False)
    loaded = CheckpointLoader.load_checkpoint(training)
    assert _equal(loaded, reference)
    assert isinstance(loaded['meta']['seed'], np.int64)
