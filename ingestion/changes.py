"""What a batch changed, for the change log (ingestion/manifest.py ``changes``): per lake file
and per landing file version, each account's first and last data date.

The incremental dbt build (realreach/transform.py) recomputes only these (account, date)
ranges, so they are taken here, from the Arrow tables in memory, and never by a lake scan.
A row's data date is the UTC date of its observed_at (the lake's date partition).

Each lake table's rows are grouped once, not once per lake file or per chunk: a first build
writes thousands of one-day files, and a group-by per file cost seconds (200 accounts) at
the end of the ingest, when nothing else runs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.manifest import Range

#: The column numbering the table (lake file) a row came from, when several are grouped at once.
_PART = "__part"


def _ranges(tables: list[pa.Table], kind: str, keys: list[str]) -> list[dict[tuple, list[Range]]]:
    """Per table of ``tables`` (all of lake table ``kind``): {``keys`` values other than
    platform/account: that table's accounts' date ranges}."""
    names = list(dict.fromkeys([*keys, "platform", "account_id"]))
    slims = [
        pa.table(
            {
                _PART: pa.array(np.full(table.num_rows, i, dtype=np.int32)),
                **{k: table.column(k) for k in names},
                "day": pc.cast(table.column("observed_at"), pa.date32()),
            }
        )
        for i, table in enumerate(tables)
        if table.num_rows
    ]
    out: list[dict[tuple, list[Range]]] = [{} for _ in tables]
    if not slims:
        return out
    grouped = pa.concat_tables(slims).group_by([_PART, *names], use_threads=False)
    grouped = grouped.aggregate([("day", "min"), ("day", "max")])
    heads = [k for k in keys if k not in ("platform", "account_id")]
    parts = grouped.column(_PART).to_pylist()
    # the rest of the key (the landing file's path and hash), one tuple per group
    keys_of = zip(*(grouped.column(k).to_pylist() for k in heads), strict=True) if heads else None
    # date32 as text is ISO 8601 (YYYY-MM-DD), as date.isoformat() gives it
    for part, platform, account, low, high in zip(
        parts,
        grouped.column("platform").to_pylist(),
        grouped.column("account_id").to_pylist(),
        pc.cast(grouped.column("day_min"), pa.string()).to_pylist(),
        pc.cast(grouped.column("day_max"), pa.string()).to_pylist(),
        strict=True,
    ):
        head = next(keys_of) if keys_of is not None else ()
        out[part].setdefault(head, []).append((platform, kind, account, low, high))
    return out


def add_ranges(
    into: dict[tuple[str, str], list[Range]], more: dict[tuple[str, str], list[Range]]
) -> dict[tuple[str, str], list[Range]]:
    """Adds ``more`` landing file versions' ranges to ``into`` (and returns it): a version
    that fed several lake tables has ranges from each."""
    for version, ranges in more.items():
        into.setdefault(version, []).extend(ranges)
    return into


def lake_file_ranges(plan: dict[Path, pa.Table], lake: Path) -> dict[str, list[Range]]:
    """{lake file relative to the lake folder: its accounts' date ranges}."""
    by_kind: dict[str, list[Path]] = defaultdict(list)
    for path in plan:
        by_kind[path.parent.parent.name.removeprefix("kind=")].append(path)
    found: dict[Path, list[Range]] = {}
    for kind, paths in by_kind.items():
        per_table = _ranges([plan[p] for p in paths], kind, ["platform", "account_id"])
        for path, ranges in zip(paths, per_table, strict=True):
            found[path] = ranges.get((), [])
    return {path.relative_to(lake).as_posix(): found[path] for path in plan}


def source_file_ranges(
    tables: dict[tuple[str, str], list[pa.Table]],
) -> dict[tuple[str, str], list[Range]]:
    """{(landing path, sha256): its accounts' date ranges}, over every lake table it fed."""
    merged: dict[tuple[str, str], dict[tuple[str, str, str], Range]] = {}
    for (_, kind), parts in tables.items():
        whole = pa.concat_tables(parts) if parts else None
        if whole is None:
            continue
        (found,) = _ranges([whole], kind, ["source_file", "source_sha256"])
        for key, ranges in found.items():
            into = merged.setdefault(key, {})
            for platform, kind_, account, low, high in ranges:
                old = into.get((platform, kind_, account))
                if old is not None:
                    low, high = min(old[3], low), max(old[4], high)
                into[(platform, kind_, account)] = (platform, kind_, account, low, high)
    return {key: list(into.values()) for key, into in merged.items()}


@dataclass
class DaySplit:
    """A chunk's rows of one lake table with what they change, made in the parse worker that
    writes them: ``days`` is each row's data date (days since 1970-01-01, UTC: its lake
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


def _iso(days: pa.ChunkedArray) -> list[str]:
    return pc.cast(pc.cast(days, pa.date32()), pa.string()).to_pylist()


def iso_day(number: int) -> str:
    """Days since 1970-01-01 as an ISO 8601 date (YYYY-MM-DD)."""
    return str(np.datetime64(number, "D"))
