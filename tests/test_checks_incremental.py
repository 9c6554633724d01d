"""Checks on what changed (issue 11): new lake batches and rewritten mart rows only, nothing at
all when nothing changed, and alerts before the slower quality suites.

Real GX, real dbt builds, real Parquet: every home here is a copy of the shared built home (a
real `run_pipeline`) or a fresh one run for real.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from expectations.build_changes import read_last_build
from expectations.checks import QUALITY, UNCHANGED_NOTE, run_checks
from expectations.snapshots import snapshot_dir
from expectations.validated import Validated
from realreach.pipeline import run_pipeline
from realreach_core.home import Home
from tests.test_alerts import Receiver

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
LOOSE = 1e6  # freshness hours no test data can fail


def _copy(built_home: Path, tmp_path: Path) -> Home:
    home = Home(tmp_path / "home")
    shutil.copytree(built_home, home.root, symlinks=True)  # keeps mtimes: nothing new
    return home


def _files(folder: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def _by_name(report) -> dict:
    return {s.name: s for s in report.suites}


def test_a_run_with_nothing_new_validates_nothing_and_never_loads_gx(
    built_home: Path, tmp_path: Path
) -> None:
    home = _copy(built_home, tmp_path)
    gx_before = _files(home.gx)
    latest_before = (home.state / "checks" / "latest.json").read_bytes()
    # A process of its own, so "GX was not imported" is about this run alone.
    script = (
        "import json, sys\n"
        "from realreach.pipeline import run_pipeline\n"
        "from realreach_core.home import Home\n"
        "r = run_pipeline(Home.resolve(sys.argv[1]), progress=lambda m: None)\n"
        "print(json.dumps({'gx': 'great_expectations' in sys.modules,\n"
        "                  'validated': r.checks.validated, 'ok': r.checks.data_quality_ok,\n"
        "                  'skipped': r.build.skipped,\n"
        "                  'spikes': len(r.checks.suspicious_spikes)}))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("REALREACH_")}
    done = subprocess.run(
        [sys.executable, "-c", script, str(home.root)],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["skipped"] and not outcome["validated"], outcome
    assert outcome["gx"] is False, "GX was imported although nothing had changed"
    assert outcome["ok"]  # the last results stand (latest.json, unchanged below)
    assert _files(home.gx) == gx_before  # no validation result, no snapshot, no docs
    assert (home.state / "checks" / "latest.json").read_bytes() == latest_before
    # The findings of the last validation still stand.
    assert outcome["spikes"] == len(json.loads(latest_before)["suspicious_spikes"])


def _x_users_part(home: Home) -> Path:
    return sorted((home.lake / "platform=x" / "kind=users").glob("date=*/part-*.parquet"))[-1]


def test_a_bad_value_in_a_new_lake_batch_fails_its_suite_and_old_batches_are_not_rechecked(
    built_home: Path, tmp_path: Path
) -> None:
    home = _copy(built_home, tmp_path)
    source = _x_users_part(home)
    rows = pq.read_table(source)
    # A new batch: the same accounts a second later (new keys), one with a negative count.
    later = pc.add(rows.column("observed_at"), pa.scalar(dt.timedelta(seconds=1)))
    bad = rows.set_column(rows.schema.get_field_index("observed_at"), "observed_at", later)
    counts = bad.column("followers_count").to_pylist()
    counts[0] = -5
    bad = bad.set_column(
        bad.schema.get_field_index("followers_count"), "followers_count", pa.array(counts)
    )
    new_file = source.with_name("part-badbatch0000000001.parquet")
    pq.write_table(bad, new_file)

    report = run_checks(home, stage=QUALITY, only_changed=True, freshness_hours=LOOSE)
    suites = _by_name(report)
    users = suites["lake_x_users"]
    assert not users.success and not report.data_quality_ok
    assert "expect_column_values_to_be_between(followers_count)" in users.failed_expectations
    # What GX saw: the new batch's rows plus the kind's newest older row (for freshness),
    # not the older batches.
    assert pq.ParquetFile(snapshot_dir(home) / "lake_x_users.parquet").metadata.num_rows == (
        bad.num_rows + 1
    )
    # The other suites of this stage (the spike mart's ran in its own stage) were left alone.
    others = [
        s
        for name, s in suites.items()
        if name != "lake_x_users" and s.purpose == "quality" and "follower_spikes" not in name
    ]
    assert others and all(s.evaluated == 0 and s.note == UNCHANGED_NOTE for s in others)
    # A failed batch is not recorded as validated: the next run checks it again ...
    key = new_file.relative_to(new_file.parent.parent).as_posix()
    assert key not in Validated.load(home).lake["x/users"]
    again = run_checks(home, stage=QUALITY, only_changed=True, freshness_hours=LOOSE)
    assert not _by_name(again)["lake_x_users"].success
    # ... until it is gone (replaced upstream): then nothing is left to validate.
    new_file.unlink()
    fixed = run_checks(home, stage=QUALITY, only_changed=True, freshness_hours=LOOSE)
    assert fixed.data_quality_ok and not fixed.validated


def test_a_new_batch_repeating_an_old_row_fails_uniqueness_against_the_whole_kind(
    built_home: Path, tmp_path: Path
) -> None:
    """The delta alone is unique; one-row-per-key is judged against the older batches too."""
    home = _copy(built_home, tmp_path)
    source = _x_users_part(home)
    shutil.copyfile(source, source.with_name("part-repeatbatch000000001.parquet"))
    report = run_checks(home, stage=QUALITY, only_changed=True, freshness_hours=LOOSE)
    users = _by_name(report)["lake_x_users"]
    assert not users.success
    assert any(
        e.startswith("expect_compound_columns_to_be_unique") for e in users.failed_expectations
    )


def test_changed_mart_rows_get_row_level_checks_and_the_table_the_table_level_ones(
    built_home: Path, tmp_path: Path
) -> None:
    """The interface of the incremental build: last_build.json + last_build_changes.parquet."""
    home = _copy(built_home, tmp_path)
    record = Validated.load(home)
    seq = read_last_build(home).seq
    assert seq is not None and record.marts["fct_followers_daily"] == seq
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        platform, account, first, last = con.execute(
            "select platform, account_id, min(date), max(date) from marts.fct_followers_daily "
            "group by all order by count(*) desc limit 1"
        ).fetchone()
        since = first + (last - first) / 2
        (changed,) = con.execute(
            "select count(*) from marts.fct_followers_daily "
            "where platform = ? and account_id = ? and date >= ?",
            [platform, account, since],
        ).fetchone()
        (total,) = con.execute("select count(*) from marts.fct_followers_daily").fetchone()
    assert 0 < changed < total
    dbt_state = home.state / "dbt"
    pq.write_table(
        pa.table(
            {"platform": [platform], "account_id": [str(account)], "from_date": [since]},
            schema=pa.schema(
                [("platform", pa.string()), ("account_id", pa.string()), ("from_date", pa.date32())]
            ),
        ),
        dbt_state / "last_build_changes.parquet",
    )
    (dbt_state / "last_build.json").write_text(json.dumps({"mode": "incremental", "seq": seq + 1}))

    report = run_checks(home, stage=QUALITY, only_changed=True, freshness_hours=LOOSE)
    assert report.data_quality_ok, [s for s in report.suites if not s.success]
    daily = _by_name(report)["marts_fct_followers_daily"]
    assert daily.evaluated > 0 and "row-level" in daily.note
    rows = pq.ParquetFile(snapshot_dir(home) / "marts_fct_followers_daily.parquet")
    table = pq.ParquetFile(snapshot_dir(home) / "marts_fct_followers_daily__table.parquet")
    assert (rows.metadata.num_rows, table.metadata.num_rows) == (changed, total)
    # Lake suites had nothing new; the marts are recorded at the new build.
    assert all(s.evaluated == 0 for s in report.suites if s.name.startswith("lake_"))
    assert Validated.load(home).marts["fct_followers_daily"] == seq + 1
    # A build whose predecessor was never validated: its changes are not enough, all rows.
    (dbt_state / "last_build.json").write_text(json.dumps({"mode": "incremental", "seq": seq + 3}))
    run_checks(home, stage=QUALITY, only_changed=True, freshness_hours=LOOSE)
    assert (
        pq.ParquetFile(snapshot_dir(home) / "marts_fct_followers_daily.parquet").metadata.num_rows
        == total
    )


def test_alerts_go_out_before_the_quality_suites_and_once_even_when_those_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from realreach_sim import generate

    home = Home(tmp_path / "home").ensure()
    generate(home.landing, accounts=4, days=60, seed=3, labels_path=tmp_path / "labels.json")
    receiver = Receiver()
    try:
        for name in [k for k in os.environ if k.startswith("REALREACH_")]:
            monkeypatch.delenv(name)
        monkeypatch.setenv("REALREACH_ALERT_WEBHOOK", receiver.url("/hook"))
        monkeypatch.setenv("REALREACH_FRESHNESS_HOURS", "0.0001")  # a quality suite fails
        since = dt.date(2000, 1, 1)
        steps: list[str] = []
        first = run_pipeline(home, progress=steps.append, alert_since=since)
        assert first.alerts.new >= 1, "the generated bought-follower bursts raised no alert"
        assert len(receiver.requests) == first.alerts.new
        assert steps.index("[alerts] …") < steps.index("[quality checks] …")
        # ... and before the rest of the build: only the spike mart's path is built first
        done = [m.split("]")[0] + "]" for m in steps if " done in " in m]
        assert done.index("[dbt build: alert path]") < done.index("[alerts]")
        assert done.index("[alerts]") < done.index("[dbt build: the rest]")
        assert not first.checks.data_quality_ok
        assert not (home.marts_export / "follower_spikes.parquet").exists()  # unpublished
        assert home.audited_spikes.exists()  # what the alerts read

        again = run_pipeline(home, progress=lambda _m: None, alert_since=since)
        assert not again.checks.data_quality_ok
        assert (again.alerts.new, again.alerts.already_known) == (0, first.alerts.new)
        assert len(receiver.requests) == first.alerts.new  # not repeated

        monkeypatch.setenv("REALREACH_FRESHNESS_HOURS", str(LOOSE))
        fixed = run_pipeline(home, progress=lambda _m: None, alert_since=since)
        assert fixed.checks.data_quality_ok
        assert (home.marts_export / "follower_spikes.parquet").exists()  # published now
        assert len(receiver.requests) == first.alerts.new
    finally:
        receiver.close()


def test_the_lake_suites_run_beside_the_rest_of_the_build_and_still_stop_publish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`realreach run` validates the quality stage's lake suites in a thread while the dbt
    worker builds the rest of the marts; a lake suite that fails there still keeps the marts
    unpublished, and a lake phase that crashes fails the quality checks step and frees the
    checks lock."""
    from expectations.checks import CheckRun, latest_path
    from realreach.pipeline import PipelineError
    from realreach_core.locking import exclusive
    from realreach_sim import generate

    home = Home(tmp_path / "home").ensure()
    generate(home.landing, accounts=3, days=40, seed=5, labels_path=tmp_path / "labels.json")
    for name in [k for k in os.environ if k.startswith("REALREACH_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("REALREACH_FRESHNESS_HOURS", "0.0001")  # the lake x suites fail
    steps: list[str] = []
    first = run_pipeline(home, progress=steps.append)
    t = first.timings
    # The two intervals overlap: the lake suites started before the rest of the build was done
    # and were still working after it had started (run one after the other, they would not).
    assert t["rest_started"] < t["rest_finished"]
    assert t["lake_started"] < t["rest_finished"]
    assert t["rest_started"] < t["lake_finished"]
    assert any(m.startswith("  lake suites checked beside the build in ") for m in steps)
    # ... and their verdict is the quality step's, as in one pass after the build.
    failed = {s.name for s in first.checks.suites if not s.success}
    assert "lake_x_users" in failed
    assert not any(name.startswith("marts_") for name in failed)
    assert not first.checks.data_quality_ok
    assert not (home.marts_export / "dim_accounts.parquet").exists()  # nothing published
    stored = json.loads(latest_path(home).read_text())
    assert {s["name"] for s in stored["suites"] if not s["success"]} == failed
    validations = home.gx / "uncommitted" / "validations"
    assert (validations / "lake_x_users").is_dir() and (validations / "marts_dim_accounts").is_dir()
    assert (home.data_docs / "index.html").exists()

    validate_lake = CheckRun.validate_lake

    def crash(self: CheckRun) -> None:
        validate_lake(self)  # with the checks lock taken
        if self.stage == QUALITY:  # the spike stage (no lake suite) goes through it too
            raise RuntimeError("lake phase crashed")

    monkeypatch.setenv("REALREACH_FRESHNESS_HOURS", str(LOOSE))
    monkeypatch.setattr(CheckRun, "validate_lake", crash)
    with pytest.raises(PipelineError, match="lake phase crashed") as caught:
        run_pipeline(home, progress=lambda _m: None, rebuild=True)
    assert caught.value.step == "quality checks"
    with exclusive(latest_path(home).with_name(".run.lock"), wait=0):
        pass  # released
    assert not (home.marts_export / "dim_accounts.parquet").exists()
