# Copyright (c) mmdfkd contributors. All rights reserved.
"""One clear line for a user's mistake, the traceback only on request.

The tools run their set-up inside :func:`user_errors`: an error caused by
the config, the command line or an input file (a missing or unreadable
teacher, a bad memory setting, a type name that is not registered, a shape
or class mismatch, an unsafe checkpoint) is printed as ``error: <what is
wrong and how to fix it>`` and the process exits with status 1. Setting the
environment variable ``MMDFKD_TRACEBACK=1`` shows the full traceback
instead.
"""
import difflib
import os
import re
import sys
from contextlib import contextmanager
from typing import Iterator, List, Optional, Tuple, Type

TRACEBACK_ENV = 'MMDFKD_TRACEBACK'


class ConfigError(ValueError):
    """The user's config, command line or input files are wrong; the
    message names the key or file and the fix."""


class TrainingDiverged(RuntimeError):
    """The run left finite values: its message says what to change and
    which checkpoint to resume from."""


# exceptions that set-up code (config, model, teacher, memory, data checks)
# raises for bad input; in the training loop only the two classes above
SETUP_ERRORS: Tuple[Type[BaseException], ...] = (ValueError, TypeError,
                                                 KeyError, FileNotFoundError)
RUN_ERRORS: Tuple[Type[BaseException], ...] = (ConfigError, TrainingDiverged)


def refusals(kinds: Tuple[Type[BaseException], ...]
             ) -> Tuple[Type[BaseException], ...]:
    """``kinds`` and the refusal of an untrusted checkpoint, which any
    load (teacher, resume, load_from, pretrained weights) may raise."""
    from mmdfkd.compat.safe_loading import UnsafeCheckpointError
    return tuple(kinds) + (UnsafeCheckpointError, )

# mmengine's build_from_cfg re-raises as "class `X` in file.py: <message>"
_BUILD_PREFIX = re.compile(r'^(?:class `\w+` in [\w./\\-]+\.py: )+')
_NOT_REGISTERED = re.compile(
    r'^`?([\w.]+)`? is not in the ([\w:. ]+?) registry')


def _registry_names(registry_name: str) -> List[str]:
    """Every name registered in the registries called ``registry_name``
    (e.g. ``'mmdfkd::task util'``), with its scope."""
    from mmengine import registry as root
    kind = registry_name.split('::')[-1]
    names = []
    for value in vars(root).values():
        if getattr(value, 'name', None) != kind or not hasattr(
                value, 'children'):
            continue
        todo = [value]
        while todo:
            reg = todo.pop()
            names += [f'{reg.scope}.{key}' for key in reg.module_dict]
            todo += list(reg.children.values())
    return sorted(set(names))


def _config_keys_with_type(cfg, name: str, prefix: str = '') -> List[str]:
    found = []
    if isinstance(cfg, dict):
        for key, value in cfg.items():
            path = f'{prefix}{key}'
            if key == 'type' and value == name:
                found.append(path)
            found += _config_keys_with_type(value, name, path + '.')
    elif isinstance(cfg, (list, tuple)):
        for i, value in enumerate(cfg):
            found += _config_keys_with_type(value, name, f'{prefix}{i}.')
    return found


def explain(err: BaseException, cfg=None) -> str:
    """The one-line message for ``err``."""
    message = str(err.args[0]) if isinstance(err, KeyError) and err.args \
        else str(err)
    message = _BUILD_PREFIX.sub('', message).strip()
    match = _NOT_REGISTERED.match(message)
    if match:
        name, registry = match.groups()
        short = name.split('.')[-1]
        candidates = _registry_names(registry)
        close = difflib.get_close_matches(
            name, candidates, n=3, cutoff=0.6) or difflib.get_close_matches(
                short, [c.split('.')[-1] for c in candidates], n=3)
        keys = _config_keys_with_type(cfg.to_dict(), name) if cfg else []
        where = f'{" and ".join(keys)}={name!r}' if keys else \
            f'type={name!r}'
        ours = [c for c in candidates if c.startswith('mmdfkd.')]
        message = (
            f'{where} names no registered type ({registry} registry).'
            + (f' Did you mean {" or ".join(close)}?' if close else '')
            + (f' mmdfkd registers: {", ".join(ours)}.' if ours else '')
            + " A type of another package needs its scope (e.g. "
            "'mmrazor.KLDivergence') and that package in custom_imports.")
    return message


@contextmanager
def user_errors(kinds: Tuple[Type[BaseException], ...] = SETUP_ERRORS,
                cfg=None) -> Iterator[None]:
    """Turn ``kinds`` of exceptions into ``error: <message>`` and exit
    status 1, unless ``MMDFKD_TRACEBACK`` is set."""
    try:
        yield
    except refusals(kinds) as err:
        if os.environ.get(TRACEBACK_ENV, '') not in ('', '0'):
            raise
        print(f'error: {explain(err, cfg)} ({TRACEBACK_ENV}=1 shows the '
              'traceback)', file=sys.stderr)
        raise SystemExit(1) from None


def format_problems(problems: List[str], what: Optional[str] = None) -> str:
    """Several problems as one message."""
    if len(problems) == 1:
        return problems[0]
    head = f'{len(problems)} problems' + (f' with {what}' if what else '')
    return head + ': ' + ' '.join(
        f'({i}) {p}' for i, p in enumerate(problems, 1))
