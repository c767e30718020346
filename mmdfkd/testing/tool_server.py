# Copyright (c) mmdfkd contributors. All rights reserved.
"""The tool server of :func:`mmdfkd.testing.run_tool`.

Started by ``run_tool`` as ``python -m mmdfkd.testing.tool_server``: it
imports what every tool imports, then reads one JSON request a line from
stdin (``args``, ``env``, ``cwd`` and the ``stdout``/``stderr`` file paths),
forks, writes the fork's pid and then its exit code, a line each. It runs
no torch operation itself: a fork of a process whose OpenMP pool has run
with more than one thread hangs in its first parallel region (GNU OpenMP;
seen here), so the tests' own processes cannot be forked instead.
"""
import json
import os
import os.path as osp
import random
import runpy
import sys
import traceback

import mmengine.runner  # noqa: F401
import numpy as np
import torch

# what tools/train.py imports (mmdfkd brings MMRazor and mmpretrain)
import mmdfkd.apis  # noqa: F401
import mmdfkd.engine  # noqa: F401
from mmdfkd.testing import cache_config_formatting

# the server's own start: its sys.path without its working directory
_PATH = sys.path[1:]


def _run(script, argv, env, cwd, stdout, stderr):
    """In the fork: start as ``python script *argv`` would, run ``script``
    as ``__main__`` and return its exit code."""
    for fd, path, flags in ((0, os.devnull, os.O_RDONLY),
                            (1, stdout, os.O_WRONLY | os.O_CREAT),
                            (2, stderr, os.O_WRONLY | os.O_CREAT)):
        os.dup2(os.open(path, flags, 0o600), fd)
    sys.stdin = open(0, closefd=False)
    sys.stdout = open(1, 'w', encoding='utf-8', closefd=False)
    sys.stderr = open(2, 'w', encoding='utf-8', closefd=False)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sys.argv = [script, *argv]
    extra = [osp.abspath(p) for p in env.get('PYTHONPATH', '').split(
        os.pathsep) if p]
    sys.path[:] = [osp.dirname(osp.abspath(script)), *extra, *_PATH]
    random.seed()
    np.random.seed()
    torch.seed()
    if env.get('OMP_NUM_THREADS'):
        torch.set_num_threads(int(env['OMP_NUM_THREADS']))
    try:
        runpy.run_path(script, run_name='__main__')
        code = 0
    except SystemExit as exit_:
        code = exit_.code
        if code is None:
            code = 0
        elif not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    return code


def main():
    cache_config_formatting()
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _run(request['args'][0], request['args'][1:],
                            request['env'], request['cwd'],
                            request['stdout'], request['stderr'])
            finally:
                os._exit(code)
        print(pid, flush=True)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status), flush=True)


if __name__ == '__main__':
    main()
