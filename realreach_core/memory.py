"""Give memory a step no longer needs back to the system, before the next step takes its own."""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterator


def rss_mb() -> float:
    """This process's resident memory, in MB (0 where /proc is missing)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (restored after it).

    For work that builds up many long-lived containers and makes no reference cycles: each
    collection of the oldest generation traverses every container still alive, so a collector
    left on goes over the same objects again and again as they pile up. The ingest's runner
    (a record, an outcome and a stat-cache entry per file) ran 12 full collections in a first
    build at 200 accounts: 1.0 s of its 4.3 s of CPU."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def release_unused() -> None:
    """Return freed memory to the system.

    A first build's ingest leaves the process at ~730 MB at 200 accounts, most of it freed but
    kept: pyarrow's allocator holds its pages (~210 MB) and glibc's heap its arenas (~210 MB).
    The dbt worker builds next, in its own process, and the run's peak is their sum; returning
    them brought the process to ~300 MB."""
    gc.collect()
    if "pyarrow" in sys.modules:  # never imported just for this
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        import ctypes  # here, not at the top: 20 ms that gc_paused's importers need not pay
        import ctypes.util

        libc = ctypes.util.find_library("c")
        if libc:
            # not glibc (musl has no malloc_trim): nothing to trim this way
            with contextlib.suppress(OSError, AttributeError):
                ctypes.CDLL(libc).malloc_trim(0)
