# Copyright (c) mmdfkd contributors. All rights reserved.
"""The test helpers that change how tools run: run_tool (a fork of the
tool server) and cache_config_formatting."""
import subprocess

import pytest

from mmdfkd.testing import run_tool

SCRIPT = '''
import os, sys, torch
print(sys.argv[1:], os.getcwd(), os.environ.get('MARK'),
      torch.get_num_threads(), sys.path[0] == os.path.dirname(
          os.path.abspath(__file__)))
print('to stderr', file=sys.stderr)
import warnings; warnings.warn('a warning, shown')
sys.exit(int(sys.argv[1]))
'''


def test_run_tool_starts_a_script_as_a_new_interpreter_would(tmp_path):
    script = tmp_path / 'script.py'
    script.write_text(SCRIPT)
    result = run_tool([str(script), '3', 'b'], cwd=str(tmp_path),
                      env=dict(MARK='m', OMP_NUM_THREADS='1'))
    assert result.returncode == 3
    assert result.stdout.strip() == f"['3', 'b'] {tmp_path} m 1 True"
    assert 'to stderr' in result.stderr
    assert 'a warning, shown' in result.stderr
    assert run_tool([str(script), '0'], cwd=str(tmp_path)).returncode == 0
    # an exception: its traceback and exit code 1, as python prints it
    script.write_text('raise ValueError("broken")')
    result = run_tool([str(script)])
    assert result.returncode == 1
    assert 'Traceback' in result.stderr
    assert 'ValueError: broken' in result.stderr


def test_run_tool_stops_a_script_at_its_timeout(tmp_path):
    script = tmp_path / 'sleep.py'
    script.write_text('import time; time.sleep(60)')
    with pytest.raises(subprocess.TimeoutExpired):
        run_tool([str(script)], timeout=1)
    # the server goes on serving
    script.write_text('print("after")')
    assert run_tool([str(script)]).stdout == 'after\n'


def test_config_formatting_is_cached_not_changed():
    from mmengine.config import Config
    from mmengine.config import config as mmengine_config
    from yapf.yapflib.yapf_api import FormatCode

    assert mmengine_config.FormatCode is not FormatCode  # conftest's cache
    text = 'a=dict(b=1,c=[1,2,3],d="x")\n'
    style = dict(based_on_style='pep8', column_limit=20)
    assert mmengine_config.FormatCode(text, style_config=style) == \
        FormatCode(text, style_config=style)
    cfg = Config(dict(model=dict(type='A', depth=18), max_iters=4))
    first = cfg.pretty_text
    assert cfg.pretty_text == first
    cfg.merge_from_dict({'max_iters': 7})
    assert 'max_iters = 7' in cfg.pretty_text
