"""Freeze the tables a check run validates into Parquet files under the GX folder.

GX 1.x runs every validation definition of a checkpoint with the same batch parameters, so
in-memory dataframe assets would all receive one dataframe. Each table is therefore copied once
(by DuckDB, straight to Parquet) and read back by GX's pandas ``read_parquet`` assets: one
checkpoint run covers every table, and the files record exactly what was validated.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ingestion.lake import RETRACTED_DIR
from ingestion.schemas import schema_for
from realreach_core.files import atomic_target
from realreach_core.home import Home

# dbt holds the only write lock on the warehouse; a reader that arrives mid-build waits a
# little instead of failing the check step.
_LOCK_RETRIES = 10
_LOCK_WAIT_S = 1.0


class MissingWarehouseError(FileNotFoundError):
    """The marts database does not exist: the build step has not run for this home."""


@dataclass(frozen=True)
class Snapshot:
    """One table frozen for validation; ``path`` is None when the table does not exist."""

    name: str
    path: Path | None
    rows: int


def snapshot_dir(home: Home) -> Path:
    return home.gx / "batches"


def _sql_str(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _projection(con: duckdb.DuckDBPyConnection, relation: str, keep: set[str] | None) -> str:
    """Every column of ``relation``, but those no expectation reads become typed NULLs.

    The column set (and types) stay as they are for schema checks, while wide text columns
    (bios, tweet text, the ``extra`` JSON) never reach pandas: at 20 accounts x 1 year this
    cuts the check step's memory several-fold.
    """
    if keep is None:
        return "*"
    described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    return ", ".join(
        f'"{name}"' if name in keep else f'CAST(NULL AS {kind}) AS "{name}"'
        for name, kind, *_ in described
    )


def _atomic_copy(con: duckdb.DuckDBPyConnection, select: str, target: Path) -> int:
    with atomic_target(target) as tmp:
        con.execute(f"COPY ({select}) TO {_sql_str(tmp)} (FORMAT parquet)")
    return pq.ParquetFile(target).metadata.num_rows


def snapshot_lake_kind(
    home: Home, platform: str, kind: str, keep: set[str] | None = None
) -> Snapshot:
    """All rows of one lake kind (values of ``keep`` columns only, when given); an empty kind
    yields an empty file with the kind's schema."""
    name = f"lake_{platform}_{kind}"
    target = snapshot_dir(home) / f"{name}.parquet"
    folder = home.lake / f"platform={platform}" / f"kind={kind}"
    if not any(folder.rglob("*.parquet")):
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist([], schema=schema_for(platform, kind)), target)
        return Snapshot(name, target, 0)
    pattern = folder / "**" / "*.parquet"
    retracted = home.lake / RETRACTED_DIR / "**" / "*.parquet"
    con = duckdb.connect()
    try:
        relation = f"read_parquet({_sql_str(pattern)}, union_by_name=true)"
        if any((home.lake / RETRACTED_DIR).rglob("part-*.parquet")):
            # What dbt's staging sees: rows of retracted or superseded file versions are out.
            relation = (
                f"(SELECT lake.* FROM {relation} AS lake ANTI JOIN "
                f"read_parquet({_sql_str(retracted)}) AS retracted "
                "USING (source_file, source_sha256))"
            )
        rows = _atomic_copy(
            con, f"SELECT {_projection(con, relation, keep)} FROM {relation}", target
        )
    except duckdb.Error as exc:
        raise RuntimeError(
            f"cannot read lake table {platform}/{kind} under {folder}: {exc}"
        ) from exc
    finally:
        con.close()
    return Snapshot(name, target, rows)


def _connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    if not path.exists():
        raise MissingWarehouseError(f"{path}: warehouse not found; run the build step first")
    for attempt in range(_LOCK_RETRIES):
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or attempt == _LOCK_RETRIES - 1:
                raise RuntimeError(f"{path}: cannot open the warehouse read-only: {exc}") from exc
            time.sleep(_LOCK_WAIT_S)
    raise AssertionError("unreachable")


def snapshot_marts(
    home: Home, tables: list[str], keep: dict[str, set[str] | None] | None = None
) -> dict[str, Snapshot]:
    """Copy each ``marts.<table>`` (values of ``keep[table]`` only, when given); the connection
    is held only for the copies."""
    out: dict[str, Snapshot] = {}
    con = _connect_read_only(home.warehouse)
    try:
        present = {
            row[0]
            for row in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
            ).fetchall()
        }
        for table in tables:
            name = f"marts_{table}"
            if table not in present:
                out[table] = Snapshot(name, None, 0)
                continue
            target = snapshot_dir(home) / f"{name}.parquet"
            relation = f'marts."{table}"'
            columns = _projection(con, relation, (keep or {}).get(table))
            out[table] = Snapshot(
                name, target, _atomic_copy(con, f"SELECT {columns} FROM {relation}", target)
            )
    finally:
        con.close()
    return out
