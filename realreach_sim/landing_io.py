"""Writing landing files (atomically, byte-deterministically) and the time spellings they use."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from realreach_core.files import atomic_write_bytes

PACIFIC = ZoneInfo("America/Los_Angeles")
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed entry times: the same arguments give the same bytes


def write_bytes(path: Path, data: bytes) -> None:
    """Write atomically: a watcher on the landing folder never sees half a file."""
    atomic_write_bytes(path, data)


def json_bytes(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def write_json(path: Path, body: Any) -> None:
    write_bytes(path, json_bytes(body))


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def pacific_end_time(day: date) -> str:
    """Graph API ``end_time`` of a ``period=day`` value: the end of that Pacific day, in UTC."""
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PACIFIC).astimezone(UTC)
    return end.strftime("%Y-%m-%dT%H:%M:%S+0000")


def graph_time(ms: int) -> str:
    """Graph API timestamps: 2026-06-01T12:34:56+0000."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def day_range_ms(day: date) -> dict[str, int]:
    """LinkedIn ``timeRange`` of one UTC day, epoch milliseconds."""
    start = int(datetime.combine(day, time(0), tzinfo=UTC).timestamp() * 1000)
    return {"start": start, "end": start + 86_400_000}


@dataclass
class Pull:
    day: int  # simulated day index
    at_ms: int  # pull time, end of that day
    stamp: str  # YYYYMMDDTHHMMSSZ
    since_day: int  # first day this pull covers (after a gap: several days)


@dataclass
class LandingWriter:
    """Base of the per-platform writers: where files go and how many of each kind."""

    out: Path
    platform: str
    files: Counter[str] = field(default_factory=Counter)

    def path(self, kind: str, name: str) -> Path:
        return self.out / self.platform / kind / name

    def put_json(self, kind: str, name: str, body: Any) -> None:
        write_json(self.path(kind, name), body)
        self.files[f"{self.platform}/{kind}"] += 1

    def put_bytes(self, kind: str, name: str, data: bytes) -> None:
        write_bytes(self.path(kind, name), data)
        self.files[f"{self.platform}/{kind}"] += 1


@dataclass
class SimulatedWriter(LandingWriter):
    """A platform writer fed by one platform's simulation (accounts, growth, posts, activity)."""

    start: date = date(2000, 1, 1)
    accounts: list[Any] = field(default_factory=list)
    growth: list[Any] = field(default_factory=list)
    posts: list[list[Any]] = field(default_factory=list)
    activity: list[Any] = field(default_factory=list)

    def date_of(self, day: int) -> date:
        return self.start + timedelta(days=day)

    def covered_days(self, pull: Pull, lag: int = 0) -> range:
        """The days a pull reports: all since the previous pull, ``lag`` days behind."""
        return range(max(0, pull.since_day - lag), max(0, pull.day - lag + 1))

    def recent_posts(self, index: int, pull: Pull, days: int = 7) -> list[Any]:
        """Posts of the last ``days`` days at the pull, newest first."""
        lo = pull.at_ms - days * 86_400_000
        return [p for p in reversed(self.posts[index]) if lo < p.created_ms <= pull.at_ms]

    def write_pull(self, pull: Pull) -> None:
        for account in self.accounts:
            self.write_account(account, pull)

    def write_account(self, account: Any, pull: Pull) -> None:
        raise NotImplementedError
