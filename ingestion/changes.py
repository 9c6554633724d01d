"""What a batch changed, for the change log (ingestion/manifest.py ``changes``): per lake file
and per landing file version, each account's first and last data date.

The incremental dbt build (realreach/transform.py) recomputes only these (account, date)
ranges, so they are taken here, from the Arrow tables in memory, and never by a lake scan.
A row's data date is the UTC date of its observed_at (the lake's date partition).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ingestion.manifest import Range


def _ranges(table: pa.Table, kind: str, keys: list[str]) -> dict[tuple, list[Range]]:
    if not table.num_rows:
        return {}
    days = pc.cast(table.column("observed_at"), pa.date32())
    names = list(dict.fromkeys([*keys, "platform", "account_id"]))
    slim = pa.table({**{k: table.column(k) for k in names}, "day": days})
    grouped = slim.group_by(names, use_threads=False).aggregate([("day", "min"), ("day", "max")])
    out: dict[tuple, list[Range]] = {}
    for row in grouped.to_pylist():
        head = tuple(row[k] for k in keys if k not in ("platform", "account_id"))
        out.setdefault(head, []).append(
            Range(
                row["platform"],
                kind,
                row["account_id"],
                row["day_min"].isoformat(),
                row["day_max"].isoformat(),
            )
        )
    return out


def lake_file_ranges(plan: dict[Path, pa.Table], lake: Path) -> dict[str, list[Range]]:
    """{lake file relative to the lake folder: its accounts' date ranges}."""
    ranges: dict[str, list[Range]] = {}
    for path, table in plan.items():
        kind = path.parent.parent.name.removeprefix("kind=")
        found = _ranges(table, kind, ["platform", "account_id"])
        ranges[path.relative_to(lake).as_posix()] = found.get((), [])
    return ranges


def source_file_ranges(
    tables: dict[tuple[str, str], list[pa.Table]],
) -> dict[tuple[str, str], list[Range]]:
    """{(landing path, sha256): its accounts' date ranges}, over every lake table it fed."""
    merged: dict[tuple[str, str], dict[tuple[str, str, str], Range]] = {}
    for (_, kind), parts in tables.items():
        for table in parts:
            found = _ranges(table, kind, ["source_file", "source_sha256"])
            for key, ranges in found.items():
                into = merged.setdefault(key, {})
                for r in ranges:
                    old = into.get((r.platform, r.kind, r.account_id))
                    if old is not None:
                        r = Range(
                            r.platform,
                            r.kind,
                            r.account_id,
                            min(old.min_date, r.min_date),
                            max(old.max_date, r.max_date),
                        )
                    into[(r.platform, r.kind, r.account_id)] = r
    return {key: list(into.values()) for key, into in merged.items()}
