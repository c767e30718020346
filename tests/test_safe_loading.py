# Copyright (c) mmdfkd contributors. All rights reserved.
"""Every checkpoint scheme mmengine can load from goes through the safe
loader: a file that would run code when unpickled is refused, whether it is
given as a path or a URL (served here from torch.hub's cache, as a download
would be), unless the user lists that very path or URL as trusted."""
import builtins
import os
import os.path as osp
import threading
from fractions import Fraction

import pytest
import torch
from mmengine.runner import CheckpointLoader

from mmdfkd.compat import TRUSTED_CHECKPOINTS_ENV, UnsafeCheckpointError
from mmdfkd.testing import run_tool


class _Payload:
    """Creates a file when it is unpickled."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return builtins.open, (self.marker, 'w')


def _urls():
    from mmengine.runner.checkpoint import (
        get_external_models,
        get_mmcls_models,
        get_torchvision_models,
    )
    name = next(iter(get_external_models()))
    cls_name = next(iter(get_mmcls_models()))
    return {
        'https://example.invalid/models/evil.pth':
        'https://example.invalid/models/evil.pth',
        'http://example.invalid/evil2.pth': 'http://example.invalid/evil2.pth',
        'torchvision://resnet18': get_torchvision_models()['resnet18'],
        f'open-mmlab://{name}': get_external_models()[name],
        f'mmcls://{cls_name}': get_mmcls_models()[cls_name],
    }


@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    monkeypatch.delenv(TRUSTED_CHECKPOINTS_ENV, raising=False)
    cache = tmp_path / 'torch_home' / 'hub' / 'checkpoints'
    cache.mkdir(parents=True)
    return cache


def _plant(cache, url, marker):
    name = osp.basename(url.split('?')[0])
    torch.save(dict(state_dict={}, meta=_Payload(str(marker))),
               str(cache / name))


@pytest.mark.parametrize('name', list(_urls()))
def test_remote_checkpoint_that_runs_code_is_refused(name, hub_cache,
                                                     tmp_path, monkeypatch):
    marker = tmp_path / 'pwned'
    _plant(hub_cache, _urls()[name], marker)
    with pytest.raises(UnsafeCheckpointError) as err:
        CheckpointLoader.load_checkpoint(name, map_location='cpu')
    assert not marker.exists()
    assert f'Refusing to load {name}' in str(err.value)
    assert TRUSTED_CHECKPOINTS_ENV in str(err.value)
    # the explicit opt-in for that URL loads it (and so runs its code)
    monkeypatch.setenv(TRUSTED_CHECKPOINTS_ENV, f'/some/file.pth {name}')
    CheckpointLoader.load_checkpoint(name, map_location='cpu')
    assert marker.exists()
    # outside a remote load, torch.load is torch's own again
    local = tmp_path / 'obj.pth'
    torch.save({'third': Fraction(1, 3)}, str(local))
    assert torch.load(str(local), weights_only=False)['third'] == \
        Fraction(1, 3)


def test_a_remote_load_leaves_other_threads_torch_load_alone(tmp_path):
    """While one thread is inside a remote scheme's loader (whose
    torch.load is the safe one), another thread's torch.load behaves as
    torch's own."""
    from mmdfkd.compat import safe_loading
    local = tmp_path / 'obj.pth'
    torch.save({'third': Fraction(1, 3)}, str(local))
    inside, release = threading.Event(), threading.Event()

    def slow_remote_loader(filename, map_location=None):
        inside.set()
        release.wait(30)
        return torch.load(str(local), weights_only=False)

    loader = safe_loading._safe_scheme(slow_remote_loader)
    outcome = {}

    def remote():
        try:
            loader('https://example.invalid/slow.pth')
        except UnsafeCheckpointError as err:
            outcome['refused'] = str(err)

    thread = threading.Thread(target=remote)
    thread.start()
    assert inside.wait(30)
    # the other thread, meanwhile: an object pickle loads as asked
    assert torch.load(str(local), weights_only=False)['third'] == \
        Fraction(1, 3)
    release.set()
    thread.join(30)
    assert 'Refusing to load https://example.invalid/slow.pth' in \
        outcome['refused']


def test_plain_remote_checkpoint_loads(hub_cache):
    url = 'https://example.invalid/good.pth'
    torch.save(dict(state_dict=dict(w=torch.ones(2))),
               str(hub_cache / 'good.pth'))
    ckpt = CheckpointLoader.load_checkpoint(url, map_location='cpu')
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(2))


def test_every_registered_scheme_is_safe():
    from mmdfkd.compat import load_from_local
    schemes = CheckpointLoader._schemes
    assert {'', 'http://', 'https://', 'pavi://', 'torchvision://',
            'open-mmlab://', 'mmcls://'} <= set(schemes)
    for prefix, loader in schemes.items():
        assert loader is load_from_local or loader._mmdfkd_safe, prefix


def test_resume_from_a_url_is_refused(hub_cache, tmp_path):
    marker = tmp_path / 'pwned'
    url = 'https://example.invalid/models/iter_4.pth'
    _plant(hub_cache, url, marker)
    result = run_tool(
        ['tools/train.py', 'tests/data/tiny_dfkd_fmnist.py',
         '--work-dir', str(tmp_path / 'work'), '--resume', url,
         '--cfg-options', 'val_cfg=None', 'val_dataloader=None',
         'val_evaluator=None'], timeout=300)
    out = result.stdout + result.stderr
    assert result.returncode == 1
    # refused in one line, without a traceback
    error, = [line for line in out.splitlines() if line.startswith('error:')]
    assert f'Refusing to load {url}' in error and 'Traceback' not in out
    assert not marker.exists()


def test_the_trusted_list_parses_every_separator_and_home(tmp_path,
                                                          monkeypatch):
    from mmdfkd.compat.safe_loading import _is_trusted
    home = tmp_path / 'home'
    (home / 'ckpts').mkdir(parents=True)
    monkeypatch.setenv('HOME', str(home))
    a, b, c, d = (str(home / 'ckpts' / f'{n}.pth') for n in 'abcd')
    link = str(tmp_path / 'link.pth')

    os.symlink(a, link)
    url = 'https://example.invalid/x.pth'
    monkeypatch.setenv(
        TRUSTED_CHECKPOINTS_ENV,
        f'~/ckpts/a.pth; {b}{os.pathsep}{c}\n{url}')
    assert _is_trusted(a) and _is_trusted(b) and _is_trusted(c)
    assert _is_trusted('~/ckpts/a.pth') and _is_trusted(link)
    assert _is_trusted(url)
    assert not _is_trusted(d)
    assert not _is_trusted('https://example.invalid/y.pth')
    monkeypatch.setenv(TRUSTED_CHECKPOINTS_ENV, '')
    assert not _is_trusted(a)


def test_legacy_format_checkpoints_load_and_refuse_as_zip_ones(tmp_path,
                                                               monkeypatch):
    """torch.save's pre-1.6 format (a bare pickle stream): a plain state
    dict loads, one that runs code is refused unless trusted, and a file
    that is neither format is named as such."""
    monkeypatch.delenv(TRUSTED_CHECKPOINTS_ENV, raising=False)
    plain = str(tmp_path / 'legacy.pth')
    torch.save(dict(state_dict=dict(w=torch.arange(3.))), plain,
               _use_new_zipfile_serialization=False)
    ckpt = CheckpointLoader.load_checkpoint(plain, map_location='cpu')
    assert torch.equal(ckpt['state_dict']['w'], torch.arange(3.))

    marker = tmp_path / 'pwned'
    evil = str(tmp_path / 'legacy_evil.pth')
    torch.save(dict(state_dict={}, meta=_Payload(str(marker))), evil,
               _use_new_zipfile_serialization=False)
    with pytest.raises(UnsafeCheckpointError, match=f'Refusing to load '
                       f'{evil}'):
        CheckpointLoader.load_checkpoint(evil, map_location='cpu')
    assert not marker.exists()
    monkeypatch.setenv(TRUSTED_CHECKPOINTS_ENV, evil)
    CheckpointLoader.load_checkpoint(evil, map_location='cpu')
    assert marker.exists()  # trusted: torch's full unpickler, as asked

    text = tmp_path / 'notes.pth'
    text.write_text('not a checkpoint')
    with pytest.raises(ValueError, match='neither a torch.save zip archive '
                       'nor a legacy pickle'):
        CheckpointLoader.load_checkpoint(str(text), map_location='cpu')
