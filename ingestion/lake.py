"""Writing the raw zone: hive-partitioned Parquet, atomic, append-only."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ingestion.schemas import LAKE_SCHEMAS, schema_for
from realreach_core.files import atomic_target

SCHEMA_FILE = Path("_schema") / "schema.parquet"


def kind_dir(lake: Path, platform: str, kind: str) -> Path:
    return lake / f"platform={platform}" / f"kind={kind}"


def atomic_write_table(table: pa.Table, target: Path) -> None:
    """Readers see the whole file or none of it: write beside it, then rename over."""
    with atomic_target(target) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def ensure_schema_files(lake: Path) -> None:
    """A zero-row file per kind, so readers of a kind with no data yet see its columns."""
    for (platform, kind), schema in LAKE_SCHEMAS.items():
        target = kind_dir(lake, platform, kind) / SCHEMA_FILE
        # A text fingerprint beside it: reading the Parquet schema back costs a pandas import.
        fingerprint = target.with_suffix(".txt")
        wanted = schema.to_string(show_schema_metadata=False)
        if not target.exists() or not fingerprint.exists() or fingerprint.read_text() != wanted:
            atomic_write_table(schema.empty_table(), target)
            fingerprint.write_text(wanted)


def plan_partitions(
    rows_by_kind: dict[tuple[str, str], list[dict[str, Any]]], lake: Path, batch_id: str
) -> dict[Path, tuple[pa.Schema, list[dict[str, Any]]]]:
    """Groups a batch's rows into one file per (platform, kind, UTC date of observation)."""
    plan: dict[Path, tuple[pa.Schema, list[dict[str, Any]]]] = {}
    for (platform, kind), rows in rows_by_kind.items():
        by_date: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_date[row["observed_at"].date().isoformat()].append(row)
        for day, day_rows in by_date.items():
            path = kind_dir(lake, platform, kind) / f"date={day}" / f"part-{batch_id}.parquet"
            plan[path] = (schema_for(platform, kind), day_rows)
    return plan


def write_partition(path: Path, schema: pa.Schema, rows: list[dict[str, Any]]) -> None:
    table = pa.Table.from_pylist(rows, schema=schema)
    atomic_write_table(table, path)
