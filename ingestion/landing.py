"""Finding files in the landing folder and reading what their names say.

Names follow the contract: ``landing/<platform>/<kind>/[<account_id>_]<YYYYMMDDTHHMMSSZ>[_NNN].<ext>``;
``accounts.csv`` may sit at the landing root.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT_KINDS = {"accounts.csv": ("registry", "accounts")}

NAME = re.compile(
    r"^(?:(?P<account>[^_\s]+)_)?(?P<ts>\d{8}T\d{6}Z)(?:_(?P<page>\d{1,6}))?(?:\.[A-Za-z0-9.]+)?$"
)


# Not frozen: one is made per landing file (in a parse worker), and a frozen dataclass sets
# each field through ``object.__setattr__``: 1.3 µs against 0.27 µs for these eleven.
@dataclass(slots=True)
class LandingFile:
    path: Path
    rel: str  # path relative to the landing root, with forward slashes
    platform: str
    kind: str
    account_id: str | None  # from the name, where the response does not say whose data it is
    pulled_at: datetime | None  # from the name, where the response carries no time itself
    page: int | None
    name_error: str | None = None  # the name has the contract's shape but says nonsense
    # lstat of the entry as scanned (never following a link): what it is, how big, how new
    mode: int = stat.S_IFREG
    size: int = 0
    mtime_ns: int = 0

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def file_type(self) -> str:
        """ "regular file", or what else sits in landing (never opened, never followed)."""
        return file_type(self.mode)


def file_type(mode: int) -> str:
    for test, label in (
        (stat.S_ISREG, "regular file"),
        (stat.S_ISLNK, "symbolic link"),
        (stat.S_ISDIR, "directory"),
        (stat.S_ISFIFO, "FIFO (named pipe)"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISSOCK, "socket"),
    ):
        if test(mode):
            return label
    return "special file"


_PARTIAL_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload")


def is_partial(name: str) -> bool:
    # Writers that follow the usual temp-then-rename convention leave these while copying.
    return name.startswith(".") or name.endswith(_PARTIAL_SUFFIXES)


@functools.lru_cache(maxsize=4096)
def _pull_time(stamp: str) -> datetime:
    """Cached: every account's daily pull shares the day's stamp, and strptime is slow enough
    to show on a scan of a year of files."""
    try:
        return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"the time {stamp} in the file name is not a date ({exc})") from None


def parse_name(name: str) -> tuple[str | None, datetime | None, int | None]:
    """Account id, pull time and page from a landing file name (each None when absent).

    Raises ``ValueError`` naming the time when it has the shape but is no date (month 13).
    """
    match = NAME.match(name)
    if not match:
        return None, None, None
    pulled = _pull_time(match["ts"])
    page = int(match["page"]) if match["page"] else None
    return match["account"], pulled, page


def folder_kind(rel_parts: tuple[str, ...]) -> tuple[str, str]:
    """(platform, kind) a landing-relative path files its entry under; ("", "") if none."""
    if len(rel_parts) == 1:
        return ROOT_KINDS.get(rel_parts[0], ("", ""))
    if len(rel_parts) == 3:
        return rel_parts[0], rel_parts[1]
    return "", ""  # not where the contract puts exports: unknown


def describe(
    landing: Path,
    path: Path,
    rel_parts: tuple[str, ...] | None = None,
    lstat: os.stat_result | None = None,
) -> LandingFile:
    rel_parts = rel_parts or path.relative_to(landing).parts
    rel = "/".join(rel_parts)
    platform, kind = folder_kind(rel_parts)
    name_error = None
    try:
        account, pulled, page = parse_name(path.name)
    except ValueError as exc:
        account, pulled, page, name_error = None, None, None, str(exc)
    if lstat is None:
        lstat = os.lstat(path)
    return LandingFile(
        path, rel, platform, kind, account, pulled, page, name_error,
        lstat.st_mode, lstat.st_size, lstat.st_mtime_ns,
    )  # fmt: skip


def scan(landing: Path) -> Iterator[LandingFile]:
    """Every complete-looking entry under ``landing``, in a stable order, never following links.

    Landing is a jail: directories are entered only when they are real directories (a link to
    a directory is listed as an entry, not walked), and every entry is described by ``lstat``,
    so links, FIFOs and devices come back as what they are, for the runner to quarantine by
    name without opening them.
    """
    for parts, info in walk(landing):
        yield describe(landing, landing.joinpath(*parts), parts, info)


@dataclass
class Known:
    """What a walk leaves out: regular files whose landing-relative path (forward slashes)
    ``stats`` maps to a row ``(path, size, mtime_ns, None)`` with this entry's lstat size and
    mtime, no newer than ``settled_before_ns`` (a row not ending in None names a path that is
    walked anyway). ``skipped`` counts them."""

    stats: Mapping[str, tuple]
    settled_before_ns: int
    skipped: int = 0


def walk(
    landing: Path, known: Known | None = None
) -> Iterator[tuple[tuple[str, ...], os.stat_result]]:
    """``scan``'s entries before they are described: (landing-relative parts, lstat), in
    sorted order (each folder's names sorted, depth first: the order of the parts tuples),
    a folder at a time, so the caller can start on the first files while the rest are listed.

    Entries ``known`` names are left out as they are met, before they are sorted or a tuple
    or a Path is made for them: a rerun over 477k known files (1,000 accounts) spent most of
    its time on exactly that, so the test is inlined in the listing loop, not a call per entry.
    """
    try:
        if not stat.S_ISDIR(os.lstat(landing).st_mode):
            return
    except FileNotFoundError:
        return
    # (this folder's remaining entries, sorted; its parts; its path prefix)
    stack = [(iter(_listing(os.fspath(landing), "", known)), (), "")]
    while stack:
        entries, prefix, lead = stack[-1]
        for name, info, path in entries:
            if stat.S_ISDIR(info.st_mode):
                inner = f"{lead}{name}/"
                stack.append((iter(_listing(path, inner, known)), (*prefix, name), inner))
                break  # into the folder now: its entries sort before this folder's next ones
            yield (*prefix, name), info
        else:
            stack.pop()


def _listing(folder: str, lead: str, known: Known | None) -> list[tuple[str, os.stat_result, str]]:
    """A folder's entries (name, lstat, path) sorted by name, without partial and known
    files; none if the folder vanished or cannot be listed."""
    stats = known.stats if known is not None else {}
    settled = known.settled_before_ns if known is not None else 0
    is_reg = stat.S_ISREG
    found: list[tuple[str, os.stat_result, str]] = []
    skipped = 0
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") or name.endswith(_PARTIAL_SUFFIXES):  # is_partial
                    continue
                try:
                    info = entry.stat(follow_symlinks=False)
                except FileNotFoundError:  # removed between listing and stat
                    continue
                hit = stats.get(lead + name)
                if (
                    hit is not None
                    and hit[3] is None
                    and hit[1] == info.st_size
                    and hit[2] == info.st_mtime_ns
                    and info.st_mtime_ns <= settled
                    and is_reg(info.st_mode)
                ):
                    skipped += 1
                    continue
                found.append((name, info, entry.path))
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return []
    if known is not None:
        known.skipped += skipped
    found.sort(key=_name)
    return found


def _name(item: tuple[str, os.stat_result, str]) -> str:
    return item[0]
