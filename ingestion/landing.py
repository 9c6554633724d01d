"""Finding files in the landing folder and reading what their names say.

Names follow the contract: ``landing/<platform>/<kind>/[<account_id>_]<YYYYMMDDTHHMMSSZ>[_NNN].<ext>``;
``accounts.csv`` may sit at the landing root.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT_KINDS = {"accounts.csv": ("registry", "accounts")}

_NAME = re.compile(
    r"^(?:(?P<account>[^_\s]+)_)?(?P<ts>\d{8}T\d{6}Z)(?:_(?P<page>\d{1,6}))?(?:\.[A-Za-z0-9.]+)?$"
)


@dataclass(frozen=True)
class LandingFile:
    path: Path
    rel: str  # path relative to the landing root, with forward slashes
    platform: str
    kind: str
    account_id: str | None  # from the name, where the response does not say whose data it is
    pulled_at: datetime | None  # from the name, where the response carries no time itself
    page: int | None

    @property
    def name(self) -> str:
        return self.path.name


_PARTIAL_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload")


def is_partial(name: str) -> bool:
    # Writers that follow the usual temp-then-rename convention leave these while copying.
    return name.startswith(".") or name.endswith(_PARTIAL_SUFFIXES)


def parse_name(name: str) -> tuple[str | None, datetime | None, int | None]:
    """Account id, pull time and page from a landing file name (each None when absent)."""
    match = _NAME.match(name)
    if not match:
        return None, None, None
    pulled = datetime.strptime(match["ts"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    page = int(match["page"]) if match["page"] else None
    return match["account"], pulled, page


def describe(landing: Path, path: Path, rel_parts: tuple[str, ...] | None = None) -> LandingFile:
    rel_parts = rel_parts or path.relative_to(landing).parts
    rel = "/".join(rel_parts)
    if len(rel_parts) == 1:
        platform, kind = ROOT_KINDS.get(path.name, ("", ""))
    elif len(rel_parts) == 3:
        platform, kind = rel_parts[0], rel_parts[1]
    else:
        platform, kind = "", ""  # not where the contract puts exports: unknown
    account, pulled, page = parse_name(path.name)
    return LandingFile(path, rel, platform, kind, account, pulled, page)


def scan(landing: Path) -> Iterator[LandingFile]:
    """Every complete file under ``landing``, in a stable order."""
    if not landing.is_dir():
        return
    found: list[tuple[str, ...]] = []
    for folder, subfolders, names in os.walk(landing):
        subfolders[:] = [d for d in subfolders if not is_partial(d)]
        prefix = Path(folder).relative_to(landing).parts
        found.extend((*prefix, name) for name in names if not is_partial(name))
    for parts in sorted(found):
        yield describe(landing, landing.joinpath(*parts), parts)
