"""The one atomic file writer: readers see a whole file or the previous one, never half.

Every temporary file is named ``.<name>.<pid>.<random>.tmp`` beside its target, so a crash
leaves only names that ``is_temp`` recognises and a clean-up can remove.
"""

from __future__ import annotations

import ctypes
import functools
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def temp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}{TEMP_SUFFIX}")


def is_temp(path: Path) -> bool:
    """A leftover of an interrupted atomic write (this module's naming)."""
    return path.name.startswith(".") and path.name.endswith(TEMP_SUFFIX)


@contextmanager
def _replacing(tmp: Path, target: Path, *, durable: bool) -> Iterator[None]:
    """The block writes ``tmp``; then it replaces ``target`` (``durable``: the folder naming it
    is synced too), or, if the block fails, it is removed. After the rename there is nothing
    to remove: no system call for it."""
    try:
        yield
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        _fsync_dir(target.parent)


@contextmanager
def atomic_target(target: Path, *, durable: bool = False) -> Iterator[Path]:
    """Yields a temporary path to write ``target``'s content to (by any writer: pyarrow, a
    DuckDB COPY, shutil); on success it replaces ``target``, on failure it is removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(target)
    with _replacing(tmp, target, durable=durable):
        yield tmp
        if durable:
            _fsync(tmp)


#: A temporary file is always new: never an earlier run's file, never through a link.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def atomic_write_bytes(target: Path, data: bytes | memoryview, *, durable: bool = False) -> None:
    """Write ``data`` to ``target`` atomically; ``durable`` also survives a power cut (fsync),
    for bookkeeping a restart relies on (the alert journal, check results).

    One open, one write and one rename when the folder exists: a first ingest writes
    thousands of small lake files (``ingestion.lake.atomic_write_table``), and
    ``atomic_target``, for writers that need a path, makes sure of the folder first (two
    system calls more per file); here the folder is made only when the open says it is
    missing."""
    tmp = temp_path(target)
    try:
        fd = os.open(tmp, _NEW_FILE, 0o666)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, _NEW_FILE, 0o666)
    with _replacing(tmp, target, durable=durable):
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_text(target: Path, text: str, *, durable: bool = False) -> None:
    atomic_write_bytes(target, text.encode("utf-8"), durable=durable)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms cannot open a directory; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


#: Up to this many new files, each is fsynced with the folders that name it; more, and one
#: ``syncfs`` is cheaper. syncfs also writes out everything else dirty on that file system: a
#: new day (~15 lake files) right after 1 GB was copied onto the disk waited 5 s for it.
FSYNC_AT_MOST = 64


def make_durable(paths: list[Path], root: Path) -> None:
    """``paths`` (new files under ``root``) and the folders naming them, up to ``root``, reach
    the disk: before a record that names them is committed."""
    if len(paths) > FSYNC_AT_MOST:
        sync_filesystem(root)
        return
    folders: set[Path] = set()
    for path in paths:
        _fsync(path)
        folder = path.parent
        while folder not in folders and (folder == root or root in folder.parents):
            folders.add(folder)  # a new folder's own entry is in its parent
            folder = folder.parent
    for folder in sorted(folders, key=lambda f: -len(f.parts)):
        _fsync_dir(folder)


def sync_filesystem(folder: Path) -> None:
    """Everything written so far on ``folder``'s file system reaches the disk: what a batch
    of many new files needs before a record that names them is committed.

    One ``syncfs`` instead of an ``fsync`` per file and per directory: a first ingest writes
    thousands of one-day files in as many new folders, and each fsync is a journal commit.
    Where ``syncfs`` is missing (not Linux), ``os.sync`` flushes every file system."""
    syncfs = _syncfs()
    if syncfs is None:
        sync = getattr(os, "sync", None)
        if sync is not None:
            sync()
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error), os.fspath(folder))
    finally:
        os.close(fd)


@functools.cache
def _syncfs() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError, TypeError):
        return None
