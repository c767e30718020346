# Copyright (c) mmdfkd contributors. All rights reserved.
"""Helpers for mmdfkd's tests and for users' tests of their own configs:
tiny models and tiny data sets written in their real on-disk formats
(Fashion-MNIST idx, CIFAR pickles, SVHN .mat)."""
import json
import os
import os.path as osp
import pickle
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading

import numpy as np
import torch

# the source checkout (tools/, configs/), when mmdfkd is installed from it
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
NUM_IMAGES = 24


def tiny_classifier(in_channels=1, num_classes=10, width=4, depth=18):
    """An mmpretrain ResNet_CIFAR classifier config, ``width`` base
    channels."""
    return dict(
        _scope_='mmpretrain',
        type='ImageClassifier',
        backbone=dict(
            type='ResNet_CIFAR',
            depth=depth,
            in_channels=in_channels,
            stem_channels=width,
            base_channels=width,
            out_indices=(3, )),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead',
            num_classes=num_classes,
            in_channels=width * 8,
            loss=dict(type='CrossEntropyLoss')))


def tiny_algorithm(in_channels=1, num_classes=10, img_size=8, **kwargs):
    """A ReplayDataFreeDistillation config with tiny models (no memory
    unless ``memory=`` is given)."""
    cfg = dict(
        type='mmdfkd.ReplayDataFreeDistillation',
        architecture=tiny_classifier(in_channels, num_classes, width=4),
        teachers=dict(
            teacher=dict(
                build_cfg=tiny_classifier(in_channels, num_classes, width=8),
                ckpt_path=None)),
        generator=dict(
            type='mmdfkd.DFKDGenerator',
            img_size=img_size,
            out_channels=in_channels,
            latent_dim=8,
            hidden_channels=4),
        student_iter=2)
    cfg.update(kwargs)
    return cfg


def free_port() -> int:
    """A TCP port no process listens on now, for a test's torchrun."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


_SERVER = None


def cache_config_formatting():
    """Format each config text with yapf once per process.

    mmengine formats a config (``Config.pretty_text``, yapf) each time it
    logs, dumps, visualizes or checkpoints it: five times in a short run,
    0.4 to 1 s each on these 2 cores. Formatting is a function of the text
    and the style, so the test processes (``tests/conftest.py``, the tool
    server) keep each result; what is formatted does not change."""
    from mmengine.config import config
    if getattr(config.FormatCode, '_mmdfkd_cached', False):
        return
    format_code, results = config.FormatCode, {}

    def cached(text, style_config=None, **kwargs):
        key = (text, json.dumps(style_config, sort_keys=True, default=repr),
               json.dumps(kwargs, sort_keys=True, default=repr))
        if key not in results:
            results[key] = format_code(text, style_config=style_config,
                                       **kwargs)
        return results[key]

    cached._mmdfkd_cached = True
    config.FormatCode = cached


def run_tool(args, env=None, cwd=REPO, timeout=600):
    """``python *args`` for a script (``tools/train.py``, the demo), as a
    fork of a tool server: a process that has imported torch, mmengine,
    MMRazor, mmpretrain and mmdfkd once and does nothing else (a fresh
    process spends 6 to 10 s on those imports on 2 cores). Each fork starts
    as a fresh interpreter would (see :mod:`mmdfkd.testing.tool_server`).
    What a fork cannot redo, it does not try: variables read when a process
    starts (``MALLOC_*``); tests of those use ``subprocess``, as ``args``
    starting with ``-c`` or ``-m`` do here, and every call where
    ``os.fork`` does not exist. One server per process that calls this;
    it ends with that process.

    Returns a :class:`subprocess.CompletedProcess` with text output;
    raises :class:`subprocess.TimeoutExpired` after ``timeout`` seconds.
    """
    global _SERVER
    env = dict(os.environ if env is None else env)
    if not hasattr(os, 'fork') or args[0].startswith('-'):
        return subprocess.run([sys.executable, *args], cwd=cwd, env=env,
                              capture_output=True, text=True,
                              timeout=timeout)
    if _SERVER is None or _SERVER.poll() is not None:
        _SERVER = subprocess.Popen(
            [sys.executable, '-m', 'mmdfkd.testing.tool_server'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            cwd=REPO)
    with tempfile.TemporaryDirectory() as tmp:
        out, err = osp.join(tmp, 'stdout'), osp.join(tmp, 'stderr')
        _SERVER.stdin.write(json.dumps(dict(
            args=list(args), env=env, cwd=str(cwd), stdout=out,
            stderr=err)) + '\n')
        _SERVER.stdin.flush()
        pid = _SERVER.stdout.readline()
        if not pid:
            raise RuntimeError(
                'the tool server of mmdfkd.testing.run_tool ended; `python '
                '-m mmdfkd.testing.tool_server` shows why')
        # the exit code's line may already be in the pipe's buffer: a
        # timer kills the fork at the timeout, the read itself blocks
        killed = threading.Event()

        def kill():
            killed.set()
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:  # it ended meanwhile
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        code = int(_SERVER.stdout.readline())
        timer.cancel()
        if killed.is_set():
            raise subprocess.TimeoutExpired(args, timeout)
        with open(out, errors='replace') as f_out, \
                open(err, errors='replace') as f_err:
            return subprocess.CompletedProcess(
                [sys.executable, *args], code, f_out.read(), f_err.read())


def save_state_dict(model, path):
    """Save ``model`` as a ``dict(state_dict=...)`` checkpoint."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


def _write_idx(path, array):
    code = {1: 2049, 3: 2051}[array.ndim]
    with open(path, 'wb') as f:
        f.write(struct.pack('>I', code))
        f.write(struct.pack(f'>{array.ndim}I', *array.shape))
        f.write(array.astype(np.uint8).tobytes())


def write_fmnist(root, num=NUM_IMAGES):
    """Fashion-MNIST idx files (uncompressed, as mmpretrain reads them),
    with more training than test images so that a test can tell them
    apart."""
    rng = np.random.default_rng(0)
    for prefix, count in (('train', num + 8), ('t10k', num)):
        _write_idx(
            osp.join(root, f'{prefix}-images-idx3-ubyte'),
            rng.integers(0, 256, (count, 28, 28)))
        _write_idx(
            osp.join(root, f'{prefix}-labels-idx1-ubyte'),
            rng.integers(0, 10, count))
    return root


def write_cifar(root, num_classes, num=NUM_IMAGES):
    """CIFAR-10 or CIFAR-100 python pickles, with more images in each
    training file than in the test file so that a test can tell them
    apart."""
    if num_classes == 10:
        folder, label_key, meta = ('cifar-10-batches-py', 'labels',
                                   ('batches.meta', 'label_names'))
        batches = [f'data_batch_{i}' for i in range(1, 6)] + ['test_batch']
    else:
        folder, label_key, meta = ('cifar-100-python', 'fine_labels',
                                   ('meta', 'fine_label_names'))
        batches = ['train', 'test']
    rng = np.random.default_rng(1)
    os.makedirs(osp.join(root, folder), exist_ok=True)
    for name in batches:
        count = num if name in ('test_batch', 'test') else num + 8
        entry = {
            'data': rng.integers(0, 256, (count, 3072), dtype=np.uint8),
            label_key: rng.integers(0, num_classes, count).tolist(),
        }
        with open(osp.join(root, folder, name), 'wb') as f:
            pickle.dump(entry, f)
    with open(osp.join(root, folder, meta[0]), 'wb') as f:
        pickle.dump({meta[1]: [str(i) for i in range(num_classes)]}, f)
    return root


def write_svhn(root, num=NUM_IMAGES):
    """SVHN test_32x32.mat with digit 0 labelled 10, as the real file."""
    from scipy.io import savemat
    rng = np.random.default_rng(2)
    savemat(
        osp.join(root, 'test_32x32.mat'),
        dict(
            X=rng.integers(0, 256, (32, 32, 3, num), dtype=np.uint8),
            y=rng.integers(1, 11, (num, 1)).astype(np.uint8)))
    return root
