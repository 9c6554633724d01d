"""The X tweet activity CSV as X names it: ``tweet_activity_metrics_<handle>_<start>_<end>_<lang>.csv``.

The export names the account by its handle, not its id; the lake files data under ids. The
handle is resolved through ``accounts.csv`` (the registry) or the X users pulls (``username``),
whichever knows it, newest first; a handle nobody knows quarantines the file, saying how to fix
it. The pull time is the day after the period's end (the earliest the export can have been
made): from the name alone, so the same export dropped twice is the same file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingestion.errors import IngestError
from ingestion.lake import kind_dir
from ingestion.landing import LandingFile

_ACTIVITY = re.compile(
    r"^tweet_activity_metrics_(?P<handle>[A-Za-z0-9_]{1,15})_(?P<start>\d{8})_(?P<end>\d{8})"
    r"_(?P<lang>[A-Za-z-]{2,8})\.csv$"
)


@dataclass(frozen=True)
class ActivityName:
    handle: str
    start: datetime
    end: datetime
    lang: str


def parse_activity_name(name: str) -> ActivityName | None:
    match = _ACTIVITY.match(name)
    if not match:
        return None
    try:
        start = datetime.strptime(match["start"], "%Y%m%d").replace(tzinfo=UTC)
        end = datetime.strptime(match["end"], "%Y%m%d").replace(tzinfo=UTC)
    except ValueError as exc:
        raise IngestError(f"{name}: the dates in the name are not dates ({exc})") from None
    return ActivityName(match["handle"], start, end, match["lang"])


class HandleDirectory:
    """X handle -> account id, from the registry and users pulls in the lake and this batch."""

    def __init__(self, lake: Path, pending: Iterable[tuple[str, str, pa.Table]] = ()) -> None:
        self._ids: dict[str, tuple[datetime, str]] = {}
        self._add(_read(kind_dir(lake, "registry", "accounts"), "handle"), registry=True)
        self._add(_read(kind_dir(lake, "x", "users"), "username"), registry=False)
        for platform, kind, table in pending:
            if (platform, kind) == ("registry", "accounts"):
                self._add(_rows(table, "handle"), registry=True)
            elif (platform, kind) == ("x", "users"):
                self._add(_rows(table, "username"), registry=False)

    def _add(self, rows: list[dict], *, registry: bool) -> None:
        for row in rows:
            handle = (row.get("handle") or row.get("username") or "").lstrip("@").lower()
            if not handle or (registry and row.get("platform") != "x"):
                continue
            seen = row["observed_at"]
            if handle not in self._ids or self._ids[handle][0] <= seen:
                self._ids[handle] = (seen, str(row["account_id"]))

    def account_for(self, handle: str) -> str | None:
        found = self._ids.get(handle.lstrip("@").lower())
        return found[1] if found else None


def _read(folder: Path, column: str) -> list[dict]:
    files = sorted(folder.rglob("part-*.parquet")) if folder.is_dir() else []
    if not files:
        return []
    wanted = ["platform", "account_id", "observed_at", column]
    return [row for path in files for row in pq.read_table(path, columns=wanted).to_pylist()]


def _rows(table: pa.Table, column: str) -> list[dict]:
    return table.select(["platform", "account_id", "observed_at", column]).to_pylist()


def resolve_activity_file(file: LandingFile, directory: HandleDirectory) -> LandingFile:
    """``file`` with the account id and pull time its X-given name implies."""
    name = parse_activity_name(file.name)
    assert name is not None
    account = directory.account_for(name.handle)
    if account is None:
        raise IngestError(
            f"{file.rel}: nobody knows the X handle @{name.handle}: add it to accounts.csv "
            "(platform x, account_id, handle) or land an X users pull that has it, then drop "
            "the file again (or rename it <account_id>_<YYYYMMDDTHHMMSSZ>.csv)"
        )
    return replace(file, account_id=account, pulled_at=name.end + timedelta(days=1))
