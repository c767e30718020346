# Copyright (c) mmdfkd contributors. All rights reserved.
import subprocess
import sys

CHECK = '''
import ctypes, ctypes.util, sys
from mmdfkd.utils import keep_freed_memory
libc = ctypes.CDLL(ctypes.util.find_library('c'))
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in (
        'arena', 'ordblks', 'smblks', 'hblks', 'hblkhd', 'usmblks',
        'fsmblks', 'uordblks', 'fordblks', 'keepcost')]
libc.mallinfo2.restype = Info
applied = keep_freed_memory()
before = libc.mallinfo2().hblks
block = ctypes.create_string_buffer(8 * 2**20)  # 8 MB: mmap'd by default
print(applied, libc.mallinfo2().hblks - before)
'''


def test_large_blocks_stay_in_the_heap_after_keep_freed_memory():
    out = subprocess.run([sys.executable, '-c', CHECK], capture_output=True,
                         text=True, check=True).stdout.split()
    # applied, and the 8 MB block came from the heap, not from mmap
    assert out == ['True', '0']
    env_out = subprocess.run(
        [sys.executable, '-c', CHECK], capture_output=True, text=True,
        check=True, env={'MALLOC_MMAP_THRESHOLD_': '131072',
                         'PATH': '/usr/bin:/bin'}).stdout.split()
    # the user's own setting wins: not applied, the block is mmap'd
    assert env_out == ['False', '1']
