# Copyright (c) mmdfkd contributors. All rights reserved.
"""Keep glibc from handing large training buffers back to the OS.

A distillation step on the CPU allocates and frees the same few hundred MB
of activations every iteration. glibc serves blocks above its mmap
threshold with fresh ``mmap`` calls and trims freed memory back to the OS,
so every iteration page-faults all of it in again: measured on the demo
setup (2 cores, 120 iterations), about 65,000 minor page faults and 0.60 to
0.66 s per iteration, against about 1,000 and 0.45 s with the thresholds
raised (docs/en/notes/compatibility.md). Entry points
(``tools/train.py``, ``tools/test.py``, the demo and the benchmark) call
:func:`keep_freed_memory`; importing mmdfkd changes nothing.
"""
import ctypes
import ctypes.util
import os

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# the largest value glibc accepts for the mmap threshold on 64-bit
_LIMIT = 32 * 2**20 * 8


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds for this process (as
    ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` would), unless
    the user set either variable. Returns whether it did; a no-op where the
    C library is not glibc."""
    if any(k in os.environ for k in ('MALLOC_MMAP_THRESHOLD_',
                                     'MALLOC_TRIM_THRESHOLD_')):
        return False
    name = ctypes.util.find_library('c')
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, _LIMIT)) and bool(
        mallopt(_M_TRIM_THRESHOLD, 2**30))
