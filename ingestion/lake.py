"""Writing the raw zone: hive-partitioned Parquet, atomic, append-only."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ingestion.schemas import LAKE_SCHEMAS, RETRACTIONS_SCHEMA
from realreach_core.files import TEMP_SUFFIX, atomic_write_bytes, is_temp

log = logging.getLogger(__name__)

SCHEMA_FILE = Path("_schema") / "schema.parquet"
#: Where the list of retracted (path, version) pairs lives, beside the kinds; staging and the
#: GX lake snapshots anti-join it on (source_file, source_sha256).
RETRACTED_DIR = "retracted_files"


def kind_dir(lake: Path, platform: str, kind: str) -> Path:
    return lake / f"platform={platform}" / f"kind={kind}"


def atomic_write_table(table: pa.Table, target: Path) -> None:
    """Readers see the whole file or none of it: write beside it, then rename over.

    Plain encoding under snappy, no dictionary pages. Most lake files are small (one kind × one
    day × one batch), so what a file costs is mostly per-column set-up, and zstd's is the
    largest: on a first build's 2,865 one-day files (200 accounts) snappy took 0.46 ms a file
    against zstd's 1.06 ms, and DuckDB read the year back 25% faster (1.7 s against 2.3 s);
    the files are 48 MB instead of 33 MB. No dictionary pages: 20% less CPU to write and 17%
    faster to read than pyarrow's default.

    Encoded in memory, then written at once (``atomic_write_bytes``): pyarrow writing to the
    file itself made about 60 system calls per file (a write and a seek per page header and
    page, per column), 0.06–0.1 ms of a file's 0.7 ms."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="snappy", use_dictionary=False)
    atomic_write_bytes(target, memoryview(sink.getvalue()))


def retracted_dir(lake: Path) -> Path:
    return lake / RETRACTED_DIR


def ensure_schema_files(lake: Path) -> None:
    """A zero-row file per kind, so readers of a kind with no data yet see its columns."""
    targets = [
        (kind_dir(lake, p, k) / SCHEMA_FILE, schema) for (p, k), schema in LAKE_SCHEMAS.items()
    ]
    targets.append((retracted_dir(lake) / SCHEMA_FILE, RETRACTIONS_SCHEMA))
    for target, schema in targets:
        # A text fingerprint beside it: reading the Parquet schema back costs a pandas import.
        fingerprint = target.with_suffix(".txt")
        wanted = schema.to_string(show_schema_metadata=False)
        if not target.exists() or not fingerprint.exists() or fingerprint.read_text() != wanted:
            atomic_write_table(schema.empty_table(), target)
            fingerprint.write_text(wanted)


def by_day(tables: list[pa.Table], days: list[np.ndarray]) -> Iterator[tuple[int, pa.Table]]:
    """The rows of ``tables`` (``days``: each row's day number) per day, ascending.

    One stable sort by day, then zero-copy slices: a filter per day over the whole batch
    cost O(days × rows) (10 s for a year of 200 accounts). Stable, so each day's rows keep
    the order they came in, as the filter gave them."""
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    numbers = days[0] if len(days) == 1 else np.concatenate(days)
    if len(numbers) > 1 and bool(np.any(numbers[1:] < numbers[:-1])):
        order = np.argsort(numbers, kind="stable")
        table, numbers = table.take(pa.array(order)), numbers[order]
    unique, counts = np.unique(numbers, return_counts=True)
    offset = 0
    for day, count in zip(unique.tolist(), counts.tolist(), strict=True):
        yield day, table.slice(offset, count)
        offset += count


def partition_path(lake: Path, platform: str, kind: str, day: str, batch_id: str) -> Path:
    """The lake file of a batch's rows of one kind observed on ``day`` (ISO 8601, UTC)."""
    return kind_dir(lake, platform, kind) / f"date={day}" / f"part-{batch_id}.parquet"


def batch_files(lake: Path, batch_id: str) -> list[Path]:
    """Every file a batch wrote under ``lake`` (each is named ``part-<batch id>[-…].parquet``)."""
    found: list[Path] = []
    prefix = f"part-{batch_id}"
    for dirpath, _, names in os.walk(lake):
        found.extend(Path(dirpath) / name for name in names if name.startswith(prefix))
    return found


def retraction_file(lake: Path, batch_id: str) -> Path:
    return retracted_dir(lake) / f"part-{batch_id}.parquet"


def retraction_table(entries: list[tuple[str, str, str]], when: object) -> pa.Table:
    """(path, sha256, reason) triples as rows of ``lake/retracted_files``."""
    return pa.Table.from_pylist(
        [
            {"source_file": path, "source_sha256": sha, "reason": reason, "retracted_at": when}
            for path, sha, reason in entries
        ],
        schema=RETRACTIONS_SCHEMA,
    )


def remove_leftovers(folder: Path, *, older_than_s: float = 0.0) -> int:
    """Deletes the ``.*.tmp`` files killed writers left under ``folder``; returns how many.

    Only call it holding the lock of whoever writes there: a live writer's temp file would
    go too. Never follows links.
    """
    removed = 0
    cutoff = time.time() - older_than_s
    if not folder.is_dir():
        return 0
    for dirpath, _, names in os.walk(folder):
        for name in names:
            # the name alone first: a Path per lake file made a rerun's walk cost seconds
            if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
                continue
            path = Path(dirpath) / name
            if not is_temp(path):
                continue
            try:
                if path.lstat().st_mtime <= cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
    if removed:
        log.warning(
            "removed %d temporary file(s) left by an interrupted write under %s", removed, folder
        )
    return removed
