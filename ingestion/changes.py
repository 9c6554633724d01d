"""What a batch changed, for the change log (ingestion/manifest.py ``changes``): per lake file
and per landing file version, each account's first and last data date.

The incremental dbt build (realreach/transform.py) recomputes only these (account, date)
ranges, so they are taken here, from the Arrow tables in memory, and never by a lake scan.
A row's data date is the UTC date of its observed_at (the lake's date partition).

The rows a parse task (or the runner) writes to one lake table are grouped once
(``split_by_day``), not once per lake file: a first build writes thousands of one-day files,
and a group-by per file cost seconds (200 accounts). The rows the runner parses itself are
ranged the same way (``parallel.write_days``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.manifest import Range


def add_ranges(
    into: dict[tuple[str, str], list[Range]], more: dict[tuple[str, str], list[Range]]
) -> dict[tuple[str, str], list[Range]]:
    """Adds ``more`` landing file versions' ranges to ``into`` (and returns it): a version
    that fed several lake tables has ranges from each."""
    for version, ranges in more.items():
        into.setdefault(version, []).extend(ranges)
    return into


@dataclass
class DaySplit:
    """A chunk's rows of one lake table with what they change, made where they are written
    (a parse worker, or the runner for the rows it parses itself): ``days`` is each row's data date (days since 1970-01-01, UTC: its lake
    file), ``file_of_row`` the chunk position of its landing file, ``pairs`` the distinct
    (day, platform, account) of the rows and ``file_ranges`` each landing file version's
    ranges. Grouped and ranged in the runner at the end of a first build, they cost 1.2 s
    (200 accounts) while the workers had nothing left to do."""

    table: pa.Table
    file_of_row: np.ndarray
    days: np.ndarray
    pairs: list[tuple[int, str, str]]
    file_ranges: dict[tuple[str, str], list[Range]]


def day_numbers(table: pa.Table) -> np.ndarray:
    """Each row's data date (the UTC date of its observed_at), as days since 1970-01-01."""
    days = pc.cast(table.column("observed_at"), pa.date32())
    values = days.combine_chunks() if isinstance(days, pa.ChunkedArray) else days
    return values.to_numpy(zero_copy_only=False).astype("datetime64[D]").astype(np.int32)


def split_by_day(table: pa.Table, file_of_row: np.ndarray, kind: str) -> DaySplit:
    """What ``table``'s rows (of lake table ``kind``; ``file_of_row``: each row's landing
    file) change: their lake files' accounts and their landing files' ranges."""
    numbers = day_numbers(table)
    slim = pa.table(
        {
            "day": pa.array(numbers, pa.int32()),
            "platform": table.column("platform"),
            "account_id": table.column("account_id"),
            "source_file": table.column("source_file"),
            "source_sha256": table.column("source_sha256"),
        }
    )
    pairs = slim.group_by(["day", "platform", "account_id"], use_threads=False).aggregate([])
    spans = slim.group_by(
        ["source_file", "source_sha256", "platform", "account_id"], use_threads=False
    ).aggregate([("day", "min"), ("day", "max")])
    file_ranges: dict[tuple[str, str], list[Range]] = {}
    for path, sha, platform, account, low, high in zip(
        spans.column("source_file").to_pylist(),
        spans.column("source_sha256").to_pylist(),
        spans.column("platform").to_pylist(),
        spans.column("account_id").to_pylist(),
        _iso(spans.column("day_min")),
        _iso(spans.column("day_max")),
        strict=True,
    ):
        file_ranges.setdefault((path, sha), []).append((platform, kind, account, low, high))
    return DaySplit(
        table,
        file_of_row,
        numbers,
        list(
            zip(
                pairs.column("day").to_pylist(),
                pairs.column("platform").to_pylist(),
                pairs.column("account_id").to_pylist(),
                strict=True,
            )
        ),
        file_ranges,
    )


def day_ranges(split: DaySplit, kind: str) -> dict[int, list[Range]]:
    """Per data day of ``split`` (rows of lake table ``kind``): the accounts with rows that
    day and the day itself, the ranges of the day's lake file."""
    accounts: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for day, platform, account in split.pairs:
        accounts[day].append((platform, account))
    return {
        day: [(platform, kind, account, iso, iso) for platform, account in sorted(pairs)]
        for day, pairs in accounts.items()
        for iso in (iso_day(day),)
    }


def _iso(days: pa.ChunkedArray) -> list[str]:
    return pc.cast(pc.cast(days, pa.date32()), pa.string()).to_pylist()


def iso_day(number: int) -> str:
    """Days since 1970-01-01 as an ISO 8601 date (YYYY-MM-DD)."""
    return str(np.datetime64(number, "D"))
