"""glibc's allocator, told to keep the memory it frees (the CPU training step's page faults).

A training or scoring step on the CPU allocates and frees activations of tens to hundreds of MB
every step. By default glibc serves blocks that large with ``mmap`` and hands them back to the
kernel on ``free``, so every step faults in (and zeroes) its activations afresh: measured on
this project's 2-core VM, page faults were two thirds of the float32 step's CPU time and a third
of the bfloat16 one's (``benchmarks/train_throughput.py``). With ``mmap`` off and no trimming,
freed blocks stay in the heap and the next step reuses them. Only the allocator changes: the
same memory holds the same numbers, and the weights are bit-identical
(``tests/unit/test_allocator.py``). The cost is that the process keeps its peak memory until it
ends.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

M_TRIM_THRESHOLD = -1  # glibc's <malloc.h> parameter numbers
M_MMAP_MAX = -4
DEFAULT_TRIM_THRESHOLD = 128 * 1024  # glibc's defaults, restored by retain_freed_memory(False)
DEFAULT_MMAP_MAX = 65536
KEEP_TRIM_THRESHOLD = 1 << 30  # keep up to 1 GiB of free heap top instead of trimming it


@functools.cache
def _mallopt():
    """glibc's ``mallopt``, or None on another C library (macOS, musl: nothing to tune)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        libc.gnu_get_libc_version  # noqa: B018 - raises AttributeError outside glibc
        fn = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return None
    fn.argtypes, fn.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return fn


def retain_freed_memory(enabled: bool = True) -> bool:
    """Keep freed memory in the process (``enabled``), or restore glibc's defaults.

    Returns
    -------
    bool
        Whether the setting took effect (False where the C library is not glibc).
    """
    mallopt = _mallopt()
    if mallopt is None:
        return False
    mmap_max, trim = ((0, KEEP_TRIM_THRESHOLD) if enabled
                      else (DEFAULT_MMAP_MAX, DEFAULT_TRIM_THRESHOLD))
    return bool(mallopt(M_MMAP_MAX, mmap_max)) and bool(mallopt(M_TRIM_THRESHOLD, trim))
