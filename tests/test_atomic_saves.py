# Copyright (c) mmdfkd contributors. All rights reserved.
"""A process killed half-way through a save leaves no torn file under the
checkpoint's name (mmdfkd.compat.atomic_saves)."""
import os
import signal
import subprocess
import sys

import pytest
import torch

# saves a complete checkpoint, then is killed (SIGKILL) after writing half
# of the next save's bytes
CHILD = r'''
import builtins, os, signal, sys
import torch
import mmdfkd
from mmengine.fileio.backends import LocalBackend, register_backend
from mmengine.runner.checkpoint import save_checkpoint
path, first, plain = sys.argv[1], sys.argv[2] == '1', sys.argv[3] == '1'
if plain:  # mmengine's own backend, for the control
    register_backend('local', LocalBackend, force=True, prefixes='')
if first:
    save_checkpoint(dict(w=torch.ones(4096)), path)
real_open = builtins.open

class HalfThenKill:
    def __init__(self, f):
        self.f = f
    def write(self, data):
        self.f.write(data[:len(data) // 2])
        self.f.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self.f.close()
    def __getattr__(self, name):
        return getattr(self.f, name)

def opening(file, mode='r', *args, **kwargs):
    f = real_open(file, mode, *args, **kwargs)
    return HalfThenKill(f) if 'w' in mode and str(file).startswith(
        path) else f

builtins.open = opening
save_checkpoint(dict(w=torch.zeros(4096)), path)
'''


def _kill_during_save(path, first, plain=False):
    result = subprocess.run(
        [sys.executable, '-c', CHILD, str(path), str(int(first)),
         str(int(plain))], capture_output=True, text=True, timeout=300)
    assert result.returncode == -signal.SIGKILL, result.stderr[-3000:]


@pytest.mark.parametrize('first', [True, False])
def test_a_kill_during_a_save_leaves_no_torn_checkpoint(tmp_path, first):
    path = tmp_path / 'iter_8.pth'
    _kill_during_save(path, first)
    if first:  # the earlier save is whole
        state = torch.load(path, weights_only=True)
        assert torch.equal(state['w'], torch.ones(4096))
    else:  # nothing under the final name
        assert not path.exists()
    # at most a temporary file beside it, which no '*.pth' glob finds
    assert [p.name for p in tmp_path.glob('*.pth')] == (
        ['iter_8.pth'] if first else [])


def test_mmengines_own_backend_would_leave_a_torn_file(tmp_path):
    """The control: the same kill through mmengine's LocalBackend."""
    path = tmp_path / 'iter_8.pth'
    _kill_during_save(path, first=True, plain=True)
    with pytest.raises(Exception):
        torch.load(path, weights_only=True)
    assert 0 < os.path.getsize(path)
