"""Cross-process locks on files under <home>/state (CLI runs and Airflow tasks may overlap).

The holder writes its pid into the lock file, so a process that has to wait can say whom it
waits for; waiting is bounded (``wait`` seconds, else the process-wide bound set by
``wait_bound``, else REALREACH_RUN_WAIT_SECONDS) and ends in ``LockTimeout``.
A kill -9 releases the lock with the process (flock), so a crash never leaves a stale lock.
"""

from __future__ import annotations

import contextvars
import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

POLL_SECONDS = 0.1
_bound: contextvars.ContextVar[float | None] = contextvars.ContextVar("lock_wait", default=None)
_notice: contextvars.ContextVar[Callable[[str], None] | None] = contextvars.ContextVar(
    "lock_notice", default=None
)


class LockTimeout(TimeoutError):
    """Another process held the lock for longer than we were willing to wait."""

    def __init__(self, message: str, holder: str | None) -> None:
        super().__init__(message)
        self.holder = holder


@contextmanager
def wait_bound(
    seconds: float | None, notice: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Within this block, locks taken without an explicit ``wait`` wait at most ``seconds``
    and tell ``notice`` (e.g. the command line's stderr) when they have to wait."""
    tokens = (_bound.set(seconds), _notice.set(notice))
    try:
        yield
    finally:
        _bound.reset(tokens[0])
        _notice.reset(tokens[1])


def holder_of(lock_path: Path) -> str | None:
    """What the current holder wrote ("pid 123 (realreach run) since …"), if anything."""
    try:
        text = lock_path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    return text or None


def _default_wait() -> float:
    bound = _bound.get()
    if bound is not None:
        return bound
    from realreach_core.settings import load_settings

    return load_settings().run_wait_seconds


@contextmanager
def exclusive(lock_path: Path, *, wait: float | None = None, purpose: str = "") -> Iterator[None]:
    """Holds an exclusive advisory lock for the duration; waits (bounded) for other holders."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, lock_path, _default_wait() if wait is None else wait)
        try:
            me = f"pid {os.getpid()}" + (f" ({purpose})" if purpose else "")
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{me} since {time.strftime('%H:%M:%S')}\n".encode(), 0)
            yield
        finally:
            os.ftruncate(fd, 0)  # nobody holds it now: do not name a finished process
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, lock_path: Path, wait: float) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    started = time.monotonic()
    holder = holder_of(lock_path) or "another process (pid not recorded yet)"
    message = f"waiting for {lock_path} held by {holder}; giving up after {wait:g}s"
    notice = _notice.get()
    if notice is not None:
        notice(message)
    log.warning("%s", message)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            log.info("got %s after %.1fs", lock_path, time.monotonic() - started)
            return
        except BlockingIOError:
            pass
        if time.monotonic() - started >= wait:
            holder = holder_of(lock_path) or holder
            raise LockTimeout(
                f"gave up after {wait:g}s waiting for {lock_path}, held by {holder}",
                holder,
            )
        time.sleep(POLL_SECONDS)
