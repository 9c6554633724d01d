"""Reading a landing file without trusting it: regular files only, bounded in size and time.

``open`` with ``O_NOFOLLOW`` refuses a link put in place after the scan's ``lstat``;
``O_NONBLOCK`` keeps a FIFO swapped in at the last moment from blocking the open; ``fstat`` on
the opened descriptor confirms it is a regular file before a byte is read. The content hash is
taken while reading, so a file is read exactly once per run.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import time
from dataclasses import dataclass

from ingestion.errors import IngestError
from ingestion.landing import LandingFile, file_type

#: Largest landing file read, per kind of file. An X archive without media is tens of MiB;
#: API pages and CSV exports are far smaller. Bigger files are quarantined unread.
MAX_ARCHIVE_BYTES = 1 << 30
MAX_FILE_BYTES = 256 << 20
#: A read slower than this (a stalled network mount) gives up; the file is tried next run.
READ_TIMEOUT_S = 120.0
_CHUNK = 1 << 20


class NotSettled(Exception):
    """The file changed while it was read: still being written, so left for the next run."""


@dataclass(slots=True)
class Content:
    raw: bytes
    sha256: str


def max_bytes(file: LandingFile) -> int:
    return MAX_ARCHIVE_BYTES if file.name.lower().endswith(".zip") else MAX_FILE_BYTES


def read_landing(
    file: LandingFile, *, limit: int | None = None, timeout_s: float = READ_TIMEOUT_S
) -> Content:
    """The bytes and SHA-256 of a regular landing file; IngestError for anything else."""
    limit = max_bytes(file) if limit is None else limit
    if not stat.S_ISREG(file.mode):
        raise IngestError(special_reason(file))
    if file.size > limit:
        raise IngestError(
            f"{file.rel}: {file.size} bytes, over the {limit}-byte limit for a landing file"
        )
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(file.path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # became a symlink since the scan
            raise IngestError(f"{file.rel}: is a symbolic link; links are not followed") from None
        if exc.errno == errno.ENOENT:  # moved or deleted since the scan: nothing to take now
            raise NotSettled(file.rel) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise IngestError(
                f"{file.rel}: is a {file_type(info.st_mode)}, not a regular file; not read"
            )
        if (info.st_size, info.st_mtime_ns) != (file.size, file.mtime_ns):
            raise NotSettled(file.rel)
        # One read of the size lstat gave, plus a byte to see growth: a landing file is a
        # few KB, and a loop of 1 MiB reads cost a second read (the empty one) per file.
        data = os.read(fd, file.size + 1) if file.size < _CHUNK else b""
        if len(data) != file.size:  # big, or short, or grown: read on, bounded in time
            parts = [data]
            total = len(data)
            deadline = time.monotonic() + timeout_s
            while chunk := os.read(fd, _CHUNK):
                total += len(chunk)
                if total > limit:
                    raise IngestError(f"{file.rel}: grew past the {limit}-byte limit while read")
                if time.monotonic() > deadline:
                    raise NotSettled(file.rel)
                parts.append(chunk)
            data = b"".join(parts)
        after = os.fstat(fd)
        if len(data) != file.size or (after.st_size, after.st_mtime_ns) != (
            file.size,
            file.mtime_ns,
        ):
            raise NotSettled(file.rel)
    finally:
        os.close(fd)
    return Content(data, hashlib.sha256(data).hexdigest())


def special_reason(file: LandingFile) -> str:
    what = file.file_type
    if stat.S_ISLNK(file.mode):
        try:
            target = os.readlink(file.path)  # the link's own text, never its target's bytes
        except OSError:
            target = "?"
        return (
            f"{file.rel}: is a symbolic link (to {target}); landing takes regular files only "
            "and never follows links: copy the file itself into landing"
        )
    return (
        f"{file.rel}: is a {what}, not a regular file; landing takes regular files only (not read)"
    )
