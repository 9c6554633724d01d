"""The incremental build's bookkeeping: what changed since the last build, and its watermark.

Ingestion logs every lake file it commits and every landing file version it retracts, in
order (ingestion/manifest.py ``changes``). A build reads the changes after the warehouse's
watermark (the last seq it built), writes them where dbt reads them
(<home>/state/dbt/changes/*.parquet: macros/lake_rows.sql), and dbt's on-run-end hook moves
the watermark in the warehouse itself (macros/record_build_state.sql) only when every model
built, so the warehouse and its watermark never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ingestion.manifest import Manifest
from realreach_core.files import atomic_target
from realreach_core.home import Home

STATE_TABLE = "realreach_build_state"  # in the warehouse's main schema

_SCHEMAS = {
    "lake_files": pa.schema([("lake_file", pa.string())]),
    "retracted": pa.schema([("source_file", pa.string()), ("source_sha256", pa.string())]),
    # account_id NULL: every account of the platform (a retraction logged before the change
    # log recorded its accounts)
    "accounts": pa.schema(
        [("platform", pa.string()), ("account_id", pa.string()), ("from_date", pa.date32())]
    ),
    "state": pa.schema([("built_seq", pa.int64()), ("project_hash", pa.string())]),
    # the landing file versions whose rows the new lake files hold: the per-day models
    # recompute what those rows describe (macros/invalidated.sql)
    "sources": pa.schema([("source_file", pa.string()), ("source_sha256", pa.string())]),
    # accounts a retraction or supersession touched (account_id NULL: every account of the
    # platform): their rows are gone from staging, so what they described is not known any
    # more, and the per-day models recompute these accounts' whole history
    "whole_accounts": pa.schema([("platform", pa.string()), ("account_id", pa.string())]),
}


@dataclass(frozen=True)
class BuildState:
    built_seq: int
    project_hash: str


@dataclass
class PendingChanges:
    """The change log after a watermark, folded: what the next build must apply."""

    upto: int
    lake_files: list[str] = field(default_factory=list)  # lake-relative
    retracted: list[tuple[str, str]] = field(default_factory=list)  # (source_file, sha256)
    accounts: dict[tuple[str, str | None], str] = field(default_factory=dict)  # -> from_date
    whole_accounts: list[tuple[str, str | None]] = field(default_factory=list)  # retractions

    @classmethod
    def read(cls, manifest: Manifest, after: int, upto: int) -> PendingChanges:
        pending = cls(upto=upto)
        lake_files: dict[str, None] = {}
        retracted: dict[tuple[str, str], None] = {}
        whole: dict[tuple[str, str | None], None] = {}
        for (
            change,
            lake_file,
            source_file,
            sha,
            platform,
            _,
            account,
            min_date,
            _,
        ) in manifest.changes_since(after, upto):
            if change == "lake_file":
                lake_files[lake_file] = None
            else:
                retracted[(source_file, sha)] = None
                whole[(platform, account)] = None
            key = (platform, account)
            if min_date is not None:
                old = pending.accounts.get(key)
                pending.accounts[key] = min_date if old is None else min(old, min_date)
            else:
                pending.accounts.setdefault(key, "0001-01-01")
        pending.lake_files = list(lake_files)
        pending.retracted = list(retracted)
        pending.whole_accounts = list(whole)
        return pending


def changes_dir(home: Home) -> Path:
    return home.state / "dbt" / "changes"


def _sources(home: Home, lake_files: list[str]) -> list[tuple[str, str]]:
    """The landing file versions whose rows ``lake_files`` hold (read from the files' own
    columns: one vectorised DuckDB scan, never a per-row walk)."""
    paths = [str(home.lake / f) for f in lake_files]
    if not paths:
        return []
    with duckdb.connect() as con:
        return con.execute(
            "select distinct source_file, source_sha256 from read_parquet(?, union_by_name = true)"
            " order by all",
            [paths],
        ).fetchall()


def write_changes(home: Home, pending: PendingChanges, *, built: BuildState | None) -> None:
    """The files dbt reads (always all of them, empty when nothing is pending)."""
    from datetime import date

    folder = changes_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    accounts = sorted(pending.accounts.items(), key=lambda item: (item[0][0], item[0][1] or ""))
    whole = sorted(pending.whole_accounts, key=lambda key: (key[0], key[1] or ""))
    sources = _sources(home, pending.lake_files)
    columns = {
        "lake_files": {"lake_file": pending.lake_files},
        "retracted": {
            "source_file": [f for f, _ in pending.retracted],
            "source_sha256": [s for _, s in pending.retracted],
        },
        "accounts": {
            "platform": [p for (p, _), _ in accounts],
            "account_id": [a for (_, a), _ in accounts],
            "from_date": [date.fromisoformat(d) for _, d in accounts],
        },
        "sources": dict(
            zip(
                ("source_file", "source_sha256"), map(list, zip(*sources, strict=True)), strict=True
            )
        )
        if sources
        else {"source_file": [], "source_sha256": []},
        "whole_accounts": {
            "platform": [p for p, _ in whole],
            "account_id": [a for _, a in whole],
        },
    }
    for name, data in columns.items():
        table = pa.table(data, schema=_SCHEMAS[name])
        with atomic_target(folder / f"{name}.parquet") as tmp:
            pq.write_table(table, tmp)
    write_build_state_file(home, built)


def write_build_state_file(home: Home, built: BuildState | None) -> None:
    """Only the watermark the build's on-run-end hook records (empty: none, the next build is
    full); the other change files stay as ``write_changes`` wrote them."""
    data = {
        "built_seq": [built.built_seq] if built else [],
        "project_hash": [built.project_hash] if built else [],
    }
    with atomic_target(changes_dir(home) / "state.parquet") as tmp:
        pq.write_table(pa.table(data, schema=_SCHEMAS["state"]), tmp)


def read_build_state(home: Home) -> BuildState | None:
    """The warehouse's watermark; None for a fresh home or one built by an earlier version."""
    if not home.warehouse.exists():
        return None
    try:
        with duckdb.connect(str(home.warehouse), read_only=True) as con:
            row = con.execute(f"select built_seq, project_hash from main.{STATE_TABLE}").fetchone()
    except duckdb.CatalogException:
        return None
    if row is None or row[0] is None:
        return None
    return BuildState(int(row[0]), str(row[1]))


#: What an incremental build recomputed, per account, from the int_*_invalidated models
#: (macros/invalidated.sql) and the change log's own accounts: every mart row that can have
#: changed is dated on or after the account's from_date, or belongs to a mart without a date.
_CHANGED_ACCOUNTS = """
select platform, account_id, min(from_date) as from_date
from (
    select platform, account_id, write_from as from_date
    from intermediate.int_follower_days_invalidated
    union all
    select platform, account_id, write_from from intermediate.int_interaction_days_invalidated
    union all
    select platform, account_id, min(first_date)
    from intermediate.int_posts_invalidated
    group by platform, account_id
    union all
    select platform, account_id, from_date from read_parquet(?)
)
group by platform, account_id
order by platform, account_id
"""


def write_changed_accounts(home: Home, target: Path) -> bool:
    """After an incremental build: the accounts whose mart rows it may have rewritten, with the
    first date rewritten (expectations/build_changes.py reads it). False when that cannot be
    said per account (a change of every account of a platform): validate everything."""
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        table = con.execute(
            _CHANGED_ACCOUNTS, [str(changes_dir(home) / "accounts.parquet")]
        ).fetch_arrow_table()
    if table.column("account_id").null_count:
        return False
    with atomic_target(target) as tmp:
        pq.write_table(table, tmp)
    return True
