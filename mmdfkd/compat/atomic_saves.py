# Copyright (c) mmdfkd contributors. All rights reserved.
"""Answers: mmengine 0.10's ``LocalBackend.put`` writes a checkpoint in
place (``open(path, 'wb')``), so a process killed half-way through a save
leaves a torn ``iter_N.pth`` under its final name (resume then has to skip
it, and the file stays).

:func:`use_atomic_saves` registers :class:`AtomicLocalBackend` as
mmengine's ``'local'`` file backend through its public ``register_backend``:
every local ``put``/``put_text`` (checkpoints, dumped configs and metrics)
of a process that imports mmdfkd writes a temporary file beside its
target, flushes it to disk and renames it over the target, which POSIX and
Windows do atomically. A kill leaves the previous file whole (or no file)
under the final name, and at most a ``<name>.tmp-<pid>`` beside it."""
import os
import os.path as osp
from pathlib import Path
from typing import Union

from mmengine.fileio.backends import LocalBackend, register_backend


class AtomicLocalBackend(LocalBackend):
    """mmengine's local backend whose writes are atomic renames."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        _write_atomically(filepath, obj, 'wb')

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        _write_atomically(filepath, obj, 'w', encoding)


def _write_atomically(filepath, data, mode, encoding=None) -> None:
    filepath = str(filepath)
    os.makedirs(osp.dirname(osp.abspath(filepath)), exist_ok=True)
    temporary = f'{filepath}.tmp-{os.getpid()}'
    try:
        with open(temporary, mode, encoding=encoding) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, filepath)
    except BaseException:
        if osp.exists(temporary):
            os.remove(temporary)
        raise


def use_atomic_saves() -> None:
    """Make :class:`AtomicLocalBackend` mmengine's local backend;
    idempotent."""
    from mmengine.fileio import io as mmengine_io
    register_backend('local', AtomicLocalBackend, force=True, prefixes='')
    # instances made before (cached by get_file_backend) would write in place
    for key, backend in list(mmengine_io.backend_instances.items()):
        if type(backend) is LocalBackend:
            del mmengine_io.backend_instances[key]
