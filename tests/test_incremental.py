"""Incremental dbt builds give the marts a full rebuild gives (issue 11).

One generated landing folder is replayed into a home in stages, each followed by an
incremental build: a base period, then (a) a new day, (b) a backfilled week in the middle of
the history, (c) a purge (an edited followers count superseding its older version), (d) a
late followers list (X followers pages and an Instagram DYI followers file days late), (e) a
retraction by `realreach quarantine`. Every mart must then equal, row for row, both
`realreach run --rebuild` on a copy of the home and a fresh home ingesting the same landing.
A home written by the previous version (no change log, no watermark, staging as views)
upgrades in place with a full build on its first run.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sqlite3
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from expectations.build_changes import read_last_build
from expectations.snapshots import UNDATED_MARTS
from ingestion.run import ingest_landing
from realreach.build_state import STATE_TABLE, read_build_state
from realreach.cli import main as cli_main
from realreach.transform import (
    ALERT_PATH_THREADS,
    BuildReport,
    build_marts,
    dbt_dirs,
    warehouse_behind,
)
from realreach_core.home import Home

DAY = re.compile(r"_?(\d{8})T\d{6}Z")


class Stopped(Exception):
    """A run stopped between the alert path and the rest of the build."""


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from realreach_sim import generate

    root = tmp_path_factory.mktemp("incr-source")
    generate(root / "landing", accounts=3, days=45, seed=23, labels_path=root / "labels.json")
    return root / "landing"


def _by_day(landing: Path) -> dict[str, list[Path]]:
    days: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(p for p in landing.rglob("*") if p.is_file()):
        match = DAY.search(path.name)
        days[match.group(1) if match else ""].append(path)
    return days


def _stages(landing: Path) -> dict[str, list[Path]]:
    """The landing folder's files, split into the base and the late arrivals."""
    days = _by_day(landing)
    dated = sorted(d for d in days if d)
    # the last pull day, with the follower pages fetched after midnight (named the day after)
    last, week, late_day = dated[-2:], dated[15:22], dated[30]
    late = [
        p
        for p in days[late_day]
        if p.parent.name == "followers" or (p.parent.name == "dyi" and p.parent.parent.name)
    ]
    assert any(p.parent.name == "followers" for p in late), "no X followers list to hold back"
    new_day = [p for d in last for p in days[d]]
    held = set(new_day) | {p for d in week for p in days[d]} | set(late)
    base = [p for d, paths in days.items() for p in paths if p not in held]
    return {
        "base": base,
        "new_day": new_day,
        "backfill": [p for d in week for p in days[d]],
        "late_followers": late,
    }


def _land(landing: Path, home: Home, files: list[Path]) -> None:
    for path in files:
        target = home.landing / path.relative_to(landing)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def _purge(home: Home) -> str:
    """The newest X users pull, edited: the first account lost 40% of its followers. The
    edited file supersedes the version ingested before."""
    newest = sorted((home.landing / "x" / "users").iterdir())[-1]
    doc = json.loads(newest.read_text())
    metrics = doc["data"][0]["public_metrics"]
    metrics["followers_count"] = int(metrics["followers_count"] * 0.6)
    newest.write_text(json.dumps(doc))
    return newest.relative_to(home.landing).as_posix()


def _build(home: Home, **kwargs: object) -> BuildReport:
    ingest_landing(home)
    return build_marts(home, **kwargs)  # type: ignore[arg-type]


def _compiled(home: Home, model: str) -> str:
    target, _ = dbt_dirs(home)
    results = json.loads((target / "run_results.json").read_text())["results"]
    return next(r["compiled_code"] for r in results if r["unique_id"].endswith("." + model))


def _assert_changes_cover(
    before: dict[str, list[tuple]], after: dict[str, list[tuple]], changes: Path | None
) -> None:
    """Every mart row added or removed by a build lies in what it recorded as changed: per
    account, rows dated on or after from_date (the week holding it for weekly marts), or any
    row of the account where a mart has no date (expectations/snapshots.py _changed_rows)."""
    assert changes is not None
    since = {
        (r["platform"], r["account_id"]): r["from_date"] for r in pq.read_table(changes).to_pylist()
    }
    checked = 0
    for table, rows in after.items():
        if not table.startswith("marts."):
            continue
        columns, old = rows[0], before.get(table, [rows[0]])
        if "platform" not in columns or "account_id" not in columns:
            continue
        dated = ("date", "week_start") if table.split(".")[1] not in UNDATED_MARTS else ()
        at = {c: columns.index(c) for c in ("platform", "account_id", *dated)
              if c in columns}  # fmt: skip
        mine = {repr(r) for r in rows[1:]}
        theirs = {repr(r) for r in old[1:]}
        for row in [r for r in rows[1:] if repr(r) not in theirs] + [
            r for r in old[1:] if repr(r) not in mine
        ]:
            checked += 1
            key = (row[at["platform"]], str(row[at["account_id"]]))
            assert key in since, f"{table}: {row} changed, its account is not recorded"
            if "date" in at:
                assert row[at["date"]] >= since[key], f"{table}: {row} is before {since[key]}"
            elif "week_start" in at:
                monday = since[key] - timedelta(days=since[key].weekday())
                assert row[at["week_start"]] >= monday, f"{table}: {row} before {monday}"
    assert checked, "the build changed no mart row"


def _ran(home: Home) -> list[str]:
    target, _ = dbt_dirs(home)
    return [
        r["unique_id"] for r in json.loads((target / "run_results.json").read_text())["results"]
    ]


def _alert_path_from_manifest(home: Home) -> set[str]:
    """follower_spikes, every node it is built from, and its tests whose every parent is
    among them: computed here from target/manifest.json, apart from realreach.dbt_worker."""
    target, _ = dbt_dirs(home)
    manifest = json.loads((target / "manifest.json").read_text())
    nodes, mart = manifest["nodes"], "model.realreach.follower_spikes"
    path: set[str] = set()
    todo = [mart]
    while todo:
        uid = todo.pop()
        if uid not in path:
            path.add(uid)
            todo += [d for d in nodes[uid]["depends_on"].get("nodes", []) if d in nodes]
    return path | {
        uid
        for uid, node in nodes.items()
        if node["resource_type"] == "test"
        and mart in node["depends_on"]["nodes"]
        and all(d in path or d in manifest["sources"] for d in node["depends_on"]["nodes"])
    }


def _marts(home: Home) -> dict[str, list[tuple]]:
    """Every mart and every intermediate table (the incremental ones keep rows across builds:
    they must hold what a full build writes), but the per-build int_*_invalidated lists."""
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        tables = [
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema in ('marts', 'intermediate') "
                "and table_name not like '%\\_invalidated' escape '\\'"
            ).fetchall()
        ]
        out = {}
        for table in sorted(tables):
            schema, name = table.split(".")
            columns = {
                c for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ?", [schema, name]
                ).fetchall()
            }  # fmt: skip
            # when a row was ingested differs between homes, not what it says
            drop = " exclude (ingested_at)" if "ingested_at" in columns else ""
            rel = con.execute(f'select *{drop} from {schema}."{name}"')
            columns = [d[0] for d in rel.description]
            out[table] = [columns, *sorted(rel.fetchall(), key=_sort_key)]
        return out


def _sort_key(row: tuple) -> tuple:
    return tuple(
        (0, "") if v is None else (1, round(v, 6)) if isinstance(v, float) else (2, repr(v))
        for v in row
    )


def _same(value: object, other: object) -> bool:
    if isinstance(value, float) and isinstance(other, float):
        return (math.isnan(value) and math.isnan(other)) or math.isclose(
            value, other, rel_tol=1e-9, abs_tol=1e-9
        )
    if isinstance(value, list | tuple) and isinstance(other, list | tuple):
        return len(value) == len(other) and all(map(_same, value, other))
    if isinstance(value, dict) and isinstance(other, dict):
        return value.keys() == other.keys() and all(_same(value[k], other[k]) for k in value)
    return value == other


def assert_same_marts(got: Home, want: Home) -> None:
    mine, theirs = _marts(got), _marts(want)
    assert sorted(mine) == sorted(theirs)
    for table, rows in mine.items():
        expected = theirs[table]
        assert rows[0] == expected[0], f"{table}: columns differ"
        assert len(rows) == len(expected), (
            f"{table}: {len(rows) - 1} rows, want {len(expected) - 1}"
        )
        for row, other in zip(rows[1:], expected[1:], strict=True):
            assert _same(row, other), f"{table}: {row} != {other}"


def _staged(home: Home, table: str) -> set[tuple]:
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return set(
            con.execute(
                f"select source_file, source_sha256, ingested_at from staging.{table}"
            ).fetchall()
        )


def test_incremental_runs_equal_a_rebuild_and_a_fresh_home(landing: Path, tmp_path: Path) -> None:
    stages = _stages(landing)
    home = Home(tmp_path / "home").ensure()
    _land(landing, home, stages["base"])
    first = _build(home)
    assert first.mode == "full" and first.why_full == "no build watermark in the warehouse"
    assert any(u.startswith("unit_test.") for u in _ran(home))
    assert any(u.startswith("test.realreach.source_") for u in _ran(home))
    base_rows = _staged(home, "stg_x__users")
    assert not warehouse_behind(home)  # what Airflow's ingest_and_build skips on

    # (a) a new day: only its lake files are read, and the older rows stay as built
    _land(landing, home, stages["new_day"])
    before = _marts(home)
    ingest_landing(home)
    assert warehouse_behind(home)  # ingested, not built yet
    new_day = _build(home)
    assert not warehouse_behind(home)
    assert new_day.mode == "incremental", new_day.why_full
    # the checks validate only the rows the build recorded as changed: every row that did
    # change is among them
    assert read_last_build(home).mode == "incremental"
    _assert_changes_cover(before, _marts(home), read_last_build(home).changes)
    assert new_day.changes is not None and new_day.changes.lake_files
    assert not new_day.changes.retracted
    compiled = _compiled(home, "stg_x__users")
    assert "kind=users/**" not in compiled and "platform=x/kind=users/date=" in compiled
    assert compiled.count("/date=") == 1  # the one new day's file, not the history
    assert base_rows <= _staged(home, "stg_x__users")
    # ... the alert path first (the spike mart and what it is built from, then its own tests),
    # then the rest; run_results.json describes both
    ran = _ran(home)
    assert ran.index("model.realreach.follower_spikes") < ran.index("model.realreach.dim_accounts")
    relationship = next(u for u in ran if u.startswith("test.realreach.relationships_follower_"))
    assert ran.index(relationship) > ran.index("model.realreach.dim_accounts")
    # the first part is exactly the alert path (selected by graph operators, not by name)
    path = _alert_path_from_manifest(home)
    assert set(ran[: len(path)]) == path and relationship not in path
    args = json.loads((dbt_dirs(home)[0] / "run_results.json").read_text())["args"]
    assert args["alert_path_args"]["threads"] == ALERT_PATH_THREADS  # the profile's 2 after
    assert args.get("threads") in (None, 2)
    nodes = [u for u in ran if not u.startswith("operation.")]  # on-run-end: per invocation
    assert len(nodes) == len(set(nodes))  # nothing built twice
    # ... without the unit tests and source tests (the full build ran them: see transform.py)
    assert not any(u.startswith(("unit_test.", "test.realreach.source_")) for u in ran)
    assert any(u.startswith("test.realreach.not_null_fct_followers_daily") for u in ran)
    # ... and the per-day and per-post models recompute the days and posts it touched only
    for model in ("int_followers_filled", "int_interactions_daily_aggregated",
                  "int_post_metrics_daily_filled", "fct_followers_daily"):  # fmt: skip
        assert "_invalidated" in _compiled(home, model), f"{model} was not built incrementally"
    # ... the baseline from its own kept rows: spike_history_days back, not the chain's 3x
    baseline = _compiled(home, "int_followers_baselined")
    assert '."int_followers_baselined" as kept' in baseline
    assert "- 90" in baseline and "- 285" not in baseline
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        first_day, last_day = con.execute(
            "select min(date), max(date) from intermediate.int_followers_filled"
        ).fetchone()
        ranges = con.execute(
            "select platform, account_id, write_from from "
            "intermediate.int_follower_days_invalidated"
        ).fetchall()
        posts, recomputed = con.execute(
            "select (select count(*) from intermediate.int_post_metrics_latest), "
            "(select count(distinct post_id) from intermediate.int_posts_invalidated)"
        ).fetchone()
    assert ranges and all(w > first_day + timedelta(days=30) for _, _, w in ranges), ranges
    assert {w for _, _, w in ranges} and max(w for _, _, w in ranges) <= last_day
    assert 0 < recomputed < posts / 2, (recomputed, posts)

    # (b) a backfilled week in the middle of the history
    _land(landing, home, stages["backfill"])
    before = _marts(home)
    backfill = _build(home)
    _assert_changes_cover(before, _marts(home), read_last_build(home).changes)
    assert backfill.mode == "incremental" and backfill.changes is not None
    earliest = min(backfill.changes.accounts.values())
    assert earliest < max(new_day.changes.accounts.values())

    # (c) a purge: the newest followers count edited down; the edit supersedes the old version
    purged = _purge(home)
    purge = _build(home)
    assert purge.mode == "incremental" and purge.changes is not None
    assert [f for f, _ in purge.changes.retracted] == [purged]
    assert len({sha for f, sha, _ in _staged(home, "stg_x__users") if f == purged}) == 1

    # (d) a late followers list; its first build stops between the alert path and the rest
    # (the spike checks or the alerts failed): the watermark stays, the next build redoes it
    _land(landing, home, stages["late_followers"])
    before = _marts(home)
    watermark = read_build_state(home)

    def stop(_report: BuildReport) -> None:
        raise Stopped

    with pytest.raises(Stopped):
        _build(home, on_alert_path=stop)
    assert read_build_state(home) == watermark
    late = _build(home)
    _assert_changes_cover(before, _marts(home), read_last_build(home).changes)
    assert late.mode == "incremental" and late.changes is not None
    assert any("kind=followers" in f for f in late.changes.lake_files)

    # (e) a retraction via `realreach quarantine`
    victim = sorted((home.landing / "instagram" / "users").iterdir())[5]
    rel = victim.relative_to(home.landing).as_posix()
    assert cli_main(["quarantine", "--home", str(home.root), rel]) == 0
    retraction = build_marts(home)
    assert retraction.mode == "incremental" and retraction.changes is not None
    assert [f for f, _ in retraction.changes.retracted] == [rel]
    assert not retraction.changes.lake_files
    assert not any(f == rel for f, _, _ in _staged(home, "stg_instagram__users"))

    # nothing new: no build at all
    assert build_marts(home).skipped

    # the same marts as `realreach run --rebuild` on a copy ...
    copy = Home(tmp_path / "copy")
    shutil.copytree(home.root, copy.root)
    rebuilt = build_marts(copy, force=True)
    assert rebuilt.mode == "full" and rebuilt.why_full == "rebuild asked for"
    assert_same_marts(home, copy)

    # ... and as a fresh home ingesting the same landing folder (with the same retraction)
    fresh = Home(tmp_path / "fresh").ensure()
    shutil.copytree(home.landing, fresh.landing, dirs_exist_ok=True)
    ingest_landing(fresh)
    assert cli_main(["quarantine", "--home", str(fresh.root), rel]) == 0
    assert build_marts(fresh).mode == "full"
    assert_same_marts(home, fresh)


def _as_previous_version(home: Home) -> None:
    """What a home built by the version before the change log looks like: no watermark in
    the warehouse, no change log in the manifest, staging as views over the lake."""
    with duckdb.connect(str(home.warehouse)) as con:
        con.execute(f"drop table main.{STATE_TABLE}")
        for (table,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'staging'"
        ).fetchall():
            con.execute(f"drop table staging.{table}")
            con.execute(f"create view staging.{table} as select 1 as stale")
    with sqlite3.connect(home.manifest) as db:
        db.execute("drop table changes")
        db.execute("drop table file_ranges")


def test_a_home_of_the_previous_version_upgrades_in_place(
    landing: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stages = _stages(landing)
    home = Home(tmp_path / "home").ensure()
    _land(landing, home, stages["base"])
    _build(home)
    _as_previous_version(home)

    _land(landing, home, stages["new_day"])
    with caplog.at_level("WARNING"):
        upgraded = _build(home)
    assert upgraded.mode == "full"
    assert "built by an earlier realreach" in caplog.text
    # ... and the next run is incremental again
    _land(landing, home, stages["backfill"])
    assert _build(home).mode == "incremental"

    fresh = Home(tmp_path / "fresh").ensure()
    shutil.copytree(home.landing, fresh.landing, dirs_exist_ok=True)
    _build(fresh)
    assert_same_marts(home, fresh)
