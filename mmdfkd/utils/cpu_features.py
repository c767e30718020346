# Copyright (c) mmdfkd contributors. All rights reserved.
"""What the CPU this process runs on can do, read at run time: the machines
a run moves between differ (AMD EPYC with AVX-512 but no AMX, Intel Xeon
with AMX and AVX512-BF16), so nothing here is assumed."""
import functools
import platform
from typing import FrozenSet

# CPU flags (Linux /proc/cpuinfo) that compute bfloat16 natively; without
# them oneDNN emulates bfloat16 and autocast to it is slower than float32.
BF16_FLAGS = frozenset({'avx512_bf16', 'amx_bf16'})


@functools.lru_cache()
def cpu_flags() -> FrozenSet[str]:
    """The CPU's feature flags (empty where the OS does not list them)."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('flags'):
                    return frozenset(line.split(':', 1)[1].split())
    except OSError:
        pass
    return frozenset()


def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bfloat16 in hardware (AVX512-BF16 or
    AMX-BF16)."""
    return bool(BF16_FLAGS & cpu_flags())


def cpu_name() -> str:
    """The CPU's model name, for logs and run files."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
