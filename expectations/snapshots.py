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

from ingestion.lake import RETRACTED_DIR, SCHEMA_FILE
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
    home: Home,
    platform: str,
    kind: str,
    keep: set[str] | None = None,
    *,
    delta: LakeDelta | None = None,
) -> Snapshot:
    """The rows of one lake kind (values of ``keep`` columns only, when given); an empty kind
    yields an empty file with the kind's schema.

    With ``delta``, only what the suites must see of it: the rows of its new files, the older
    rows that share a natural key with them (so one-row-per-key is checked against the whole
    kind, not just within the delta) and the kind's newest older row (so a freshness check of
    a backfill sees the kind's newest observation)."""
    name = f"lake_{platform}_{kind}"
    target = snapshot_dir(home) / f"{name}.parquet"
    folder = home.lake / f"platform={platform}" / f"kind={kind}"
    if delta is not None and not delta.new:
        return _empty(platform, kind, name, target)
    if delta is None and not any(folder.rglob("*.parquet")):
        return _empty(platform, kind, name, target)
    con = duckdb.connect()
    try:
        if delta is None:
            relation = _lake_relation(home, [folder / "**" / "*.parquet"])
            select = f"SELECT {_projection(con, relation, keep)} FROM {relation}"
        else:
            select = _delta_select(con, home, platform, kind, delta, keep)
        rows = _atomic_copy(con, select, target)
    except duckdb.Error as exc:
        raise RuntimeError(
            f"cannot read lake table {platform}/{kind} under {folder}: {exc}"
        ) from exc
    finally:
        con.close()
    return Snapshot(name, target, rows)


@dataclass(frozen=True)
class LakeDelta:
    """Lake files of one kind not validated yet (``new``) and those validated before (``old``)."""

    new: list[Path]
    old: list[Path]
    natural_key: tuple[str, ...] = ()
    newest_column: str | None = None  # a freshness check reads the kind's newest value of it


def _empty(platform: str, kind: str, name: str, target: Path) -> Snapshot:
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist([], schema=schema_for(platform, kind)), target)
    return Snapshot(name, target, 0)


def _lake_relation(home: Home, files: list[Path]) -> str:
    listed = "[" + ", ".join(_sql_str(f) for f in files) + "]"
    relation = f"read_parquet({listed}, union_by_name=true)"
    retracted = home.lake / RETRACTED_DIR / "**" / "*.parquet"
    if any((home.lake / RETRACTED_DIR).rglob("part-*.parquet")):
        # What dbt's staging sees: rows of retracted or superseded file versions are out.
        relation = (
            f"(SELECT lake.* FROM {relation} AS lake ANTI JOIN "
            f"read_parquet({_sql_str(retracted)}) AS retracted "
            "USING (source_file, source_sha256))"
        )
    return relation


def _delta_select(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    platform: str,
    kind: str,
    delta: LakeDelta,
    keep: set[str] | None,
) -> str:
    schema_file = home.lake / f"platform={platform}" / f"kind={kind}" / SCHEMA_FILE
    # The schema file first: every column the kind has, whatever the new files carry.
    anchor = [schema_file] if schema_file.exists() else []
    new = _lake_relation(home, anchor + delta.new)
    columns = _projection(con, new, keep)
    parts = [f"SELECT {columns} FROM {new}"]
    if delta.old:
        old = _lake_relation(home, anchor + delta.old)
        if delta.natural_key:
            key = ", ".join(f'"{c}"' for c in delta.natural_key)
            parts.append(
                f"SELECT {columns} FROM {old} AS old SEMI JOIN "
                f"(SELECT DISTINCT {key} FROM {new}) AS fresh USING ({key})"
            )
        if delta.newest_column:
            newest = f'"{delta.newest_column}"'
            # Not a row the key join already took: it would look like a duplicate.
            source = (
                f"(SELECT * FROM {old} AS old ANTI JOIN (SELECT DISTINCT {key} FROM {new}) "
                f"AS fresh USING ({key}))"
                if delta.natural_key
                else old
            )
            parts.append(
                f"(SELECT {columns} FROM {source} WHERE {newest} IS NOT NULL "
                f"ORDER BY {newest} DESC LIMIT 1)"
            )
    return " UNION ALL ".join(parts)


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
    home: Home,
    tables: list[str],
    keep: dict[str, set[str] | None] | None = None,
    *,
    changes: Path | None = None,
    suffix: str = "",
) -> dict[str, Snapshot]:
    """Copy each ``marts.<table>`` (values of ``keep[table]`` only, when given); the connection
    is held only for the copies. With ``changes`` (the build's changed accounts, see
    ``expectations.build_changes``) only the rows the build rewrote: per changed account, the
    rows dated on or after its ``from_date`` (the week holding it, for weekly marts; all of the
    account's rows where a mart has no date)."""
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
            name = f"marts_{table}{suffix}"
            if table not in present:
                out[table] = Snapshot(name, None, 0)
                continue
            target = snapshot_dir(home) / f"{name}.parquet"
            relation = f'marts."{table}"'
            columns = _projection(con, relation, (keep or {}).get(table))
            where = _changed_rows(con, relation, changes) if changes is not None else ""
            out[table] = Snapshot(
                name,
                target,
                _atomic_copy(con, f"SELECT {columns} FROM {relation} AS mart {where}", target),
            )
    finally:
        con.close()
    return out


#: Marts with dated rows whose older rows a new day can still change: they are validated like
#: a mart without a date (every row of a changed account). fct_audience_quality's weeks add up
#: the spikes' verdicts, and a verdict weighs evidence from the account's whole post history.
UNDATED_MARTS = frozenset({"fct_audience_quality"})


def _changed_rows(con: duckdb.DuckDBPyConnection, relation: str, changes: Path) -> str:
    present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
    if not {"platform", "account_id"} <= present:
        return ""  # not per account: every row may depend on a changed one
    condition = "c.platform = mart.platform AND c.account_id = CAST(mart.account_id AS VARCHAR)"
    if relation.split(".")[-1].strip('"') in UNDATED_MARTS:
        present -= {"date", "week_start"}
    if "date" in present:
        condition += " AND mart.date >= c.from_date"
    elif "week_start" in present:
        condition += " AND mart.week_start >= date_trunc('week', c.from_date)"
    return f"WHERE EXISTS (SELECT 1 FROM read_parquet({_sql_str(changes)}) AS c WHERE {condition})"
