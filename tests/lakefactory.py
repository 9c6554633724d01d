"""Hand-made raw-zone Parquet files for deterministic model tests.

Rows are plain dicts; the common columns (source_file, hashes, ingested_at) are filled in and
every file gets exactly its kind's schema from ingestion/schemas.py, as real ingestion does.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ingestion.changes import day_ranges, split_by_day
from ingestion.manifest import Manifest
from ingestion.schemas import LAKE_SCHEMAS

_part_numbers = itertools.count(1)


def write_schema_files(lake: Path) -> None:
    """The zero-row _schema/schema.parquet every kind has once ingestion ran."""
    for (platform, kind), schema in LAKE_SCHEMAS.items():
        target = lake / f"platform={platform}" / f"kind={kind}" / "_schema" / "schema.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(schema.empty_table(), target)


def write_rows(lake: Path, platform: str, kind: str, rows: Iterable[dict[str, Any]]) -> list[Path]:
    """Write rows into date partitions of one lake table; returns the files written."""
    schema = LAKE_SCHEMAS[(platform, kind)]
    by_date: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        observed_at: datetime = row["observed_at"]
        by_date[observed_at.astimezone(UTC).date()].append(row)
    written = []
    for day, day_rows in sorted(by_date.items()):
        part = next(_part_numbers)
        folder = lake / f"platform={platform}" / f"kind={kind}" / f"date={day.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        source_file = f"lakefactory/{platform}/{kind}/{day.isoformat()}_{part}.json"
        digest = hashlib.sha256(source_file.encode()).hexdigest()
        filled = [
            {
                "platform": platform,
                "source_file": source_file,
                "source_sha256": digest,
                "ingested_at": datetime(2030, 1, 1, tzinfo=UTC),
                **row,
            }
            for row in day_rows
        ]
        columns = {field.name: [r.get(field.name) for r in filled] for field in schema}
        target = folder / f"part-{part:06d}.parquet"
        table = pa.table(columns, schema=schema)
        pq.write_table(table, target)
        written.append(target)
        # As ingestion does: the change log names the file, so an incremental build reads it.
        split = split_by_day(table, np.zeros(len(filled), np.int32), kind)
        (ranges,) = day_ranges(split, kind).values()  # one day: one file
        with Manifest(lake.parent / "state" / "manifest.sqlite") as manifest:
            rel = target.relative_to(lake).as_posix()
            manifest.commit_batch(None, [], lake_ranges={rel: ranges})
    return written
