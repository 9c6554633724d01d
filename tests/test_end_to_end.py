"""The command line as a user runs it: generate → demo → run again, on real files."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from realreach.transform import open_bi_database
from realreach_core.contract import MART_COLUMNS

REALREACH = Path(sys.executable).with_name("realreach")

pytestmark = pytest.mark.slow


# The demo's last day is fixed: the simulated weeks fall on the same weekdays whatever day the
# suite runs (on 2026-12-07 the default, yesterday, moved one bought burst onto a Facebook
# page's busy days, where the detector called it explained). Its data is then days old, so the
# freshness check is given that age on top of its default 72 hours.
DEMO_END = dt.date(2026, 12, 5)
DEMO_AGE_HOURS = (dt.datetime.now(dt.UTC).date() - DEMO_END).days * 24 + 72
DEMO_ENV = {"REALREACH_FRESHNESS_HOURS": str(DEMO_AGE_HOURS)}


def realreach(
    *args: str, home: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **(env or {})}
    if home:
        env["REALREACH_HOME"] = str(home)
    return subprocess.run(
        [str(REALREACH), *args], capture_output=True, text=True, env=env, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def demo_home(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    home = tmp_path_factory.mktemp("demo")
    done = realreach(
        "demo", "--home", str(home), "--accounts", "6", "--days", "75", "--seed", "21",
        "--end", DEMO_END.isoformat(),
        env=DEMO_ENV,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return home, done


def test_demo_prints_a_summary_and_finds_the_injected_bursts(demo_home) -> None:
    home, done = demo_home
    out = done.stdout
    for heading in ("accounts", "marts built", "checks", "spikes", "alerts", "detection"):
        assert f"  {heading}" in out, out
    labels = json.loads((home / "labels.json").read_text())
    bursts = [e for e in labels["events"] if e["type"] == "bought_followers"]
    virals = [e for e in labels["events"] if e["type"] == "viral_post"]
    assert bursts and virals
    assert f"injected bursts found {len(bursts)}/{len(bursts)}" in out, out
    assert f"viral posts wrongly flagged 0/{len(virals)}" in out, out


def test_marts_have_the_contract_columns_and_bi_reads_them_without_the_warehouse(demo_home) -> None:
    home, _ = demo_home
    con = open_bi_database(home / "bi.duckdb")
    try:
        for table, columns in MART_COLUMNS.items():
            have = {row[0] for row in con.execute(f"describe marts.{table}").fetchall()}
            missing = set(columns) - have
            assert not missing, (table, missing)
            assert (home / "marts" / f"{table}.parquet").exists()
        assert con.execute("select count(*) from marts.fct_followers_daily").fetchall()[0][0] > 0
    finally:
        con.close()


def test_alerts_once_per_spike_and_a_rerun_changes_nothing(demo_home) -> None:
    home, _ = demo_home
    alerts_file = home / "alerts" / "alerts.jsonl"
    before = alerts_file.read_text()
    alerts = [json.loads(line) for line in before.splitlines()]
    con = duckdb.connect()
    suspicious = con.execute(
        f"select count(*) from read_parquet('{home}/marts/follower_spikes.parquet') where verdict = 'suspicious'"
    ).fetchall()[0][0]
    assert len(alerts) == suspicious > 0
    assert len({(a["platform"], a["account_id"], str(a["spike_start"])) for a in alerts}) == len(
        alerts
    )
    # A BI reader holds bi.duckdb open while the pipeline runs again: neither blocks the other.
    reader = open_bi_database(home / "bi.duckdb")
    try:
        again = realreach("run", home=home, env=DEMO_ENV)
        assert again.returncode == 0, again.stderr[-3000:]
        assert "0 new file(s)" in again.stdout
        assert "marts kept" in again.stdout, "nothing new must not rebuild the marts"
        assert reader.execute("select count(*) from marts.dim_accounts").fetchall()[0][0] > 0
    finally:
        reader.close()
    assert alerts_file.read_text() == before
    forced = realreach("run", "--rebuild", home=home, env=DEMO_ENV)
    assert forced.returncode == 0 and "tests passed" in forced.stdout, forced.stderr[-2000:]
    assert alerts_file.read_text() == before, "a rebuild finds the same spikes: no new alert"


def test_run_on_an_empty_home_says_so_and_builds_nothing(tmp_path: Path) -> None:
    # a home that does not exist is a mistyped --home: exit 2 naming it (tests/test_cli.py);
    # one whose landing is empty has nothing to do: exit 0, no empty marts built
    (tmp_path / "empty" / "landing").mkdir(parents=True)
    done = realreach("run", "--home", str(tmp_path / "empty"))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "nothing to ingest in" in done.stdout
    assert not (tmp_path / "empty" / "warehouse.duckdb").exists()


def test_generate_is_deterministic_and_writes_labels(tmp_path: Path) -> None:
    args = ["--accounts", "4", "--days", "60", "--seed", "3", "--end", "2026-10-31"]
    first = realreach("generate", "--out", str(tmp_path / "a" / "landing"), *args)
    second = realreach("generate", "--out", str(tmp_path / "b" / "landing"), *args)
    assert first.returncode == second.returncode == 0, first.stderr
    files_a = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    files_b = sorted(
        p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file()
    )
    # labels.json beside the landing folder, not in it: product code needs no special case
    assert files_a == files_b and Path("labels.json") in files_a
    assert Path("landing/labels.json") not in files_a
    assert all(
        (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a
    )


def test_bad_arguments_fail_clearly(tmp_path: Path) -> None:
    done = realreach("generate", "--out", str(tmp_path), "--platforms", "myspace")
    assert done.returncode == 2 and "invalid choice" in done.stderr
