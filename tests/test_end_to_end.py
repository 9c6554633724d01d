"""The command line as a user runs it: generate → demo → run again, on real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from realreach_core.contract import MART_COLUMNS

REALREACH = Path(sys.executable).with_name("realreach")

pytestmark = pytest.mark.slow


def realreach(*args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REALREACH_HOME": str(home)} if home else dict(os.environ)
    return subprocess.run(
        [str(REALREACH), *args], capture_output=True, text=True, env=env, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def demo_home(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    home = tmp_path_factory.mktemp("demo")
    done = realreach("demo", "--home", str(home), "--accounts", "6", "--days", "75", "--seed", "21")
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
    con = duckdb.connect(str(home / "bi.duckdb"), read_only=True)
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
    reader = duckdb.connect(str(home / "bi.duckdb"), read_only=True)
    try:
        again = realreach("run", home=home)
        assert again.returncode == 0, again.stderr[-3000:]
        assert "0 new file(s)" in again.stdout
        assert "marts kept" in again.stdout, "nothing new must not rebuild the marts"
        assert reader.execute("select count(*) from marts.dim_accounts").fetchall()[0][0] > 0
    finally:
        reader.close()
    assert alerts_file.read_text() == before
    forced = realreach("run", "--rebuild", home=home)
    assert forced.returncode == 0 and "tests passed" in forced.stdout, forced.stderr[-2000:]
    assert alerts_file.read_text() == before, "a rebuild finds the same spikes: no new alert"


def test_run_on_an_empty_home_succeeds(tmp_path: Path) -> None:
    done = realreach("run", "--home", str(tmp_path / "empty"))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "accounts      0" in done.stdout


def test_generate_is_deterministic_and_writes_labels(tmp_path: Path) -> None:
    args = ["--accounts", "4", "--days", "60", "--seed", "3", "--end", "2026-10-31"]
    first = realreach("generate", "--out", str(tmp_path / "a"), *args)
    second = realreach("generate", "--out", str(tmp_path / "b"), *args)
    assert first.returncode == second.returncode == 0, first.stderr
    files_a = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    files_b = sorted(
        p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file()
    )
    assert files_a == files_b and Path("labels.json") in files_a
    assert all(
        (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a
    )


def test_bad_arguments_fail_clearly(tmp_path: Path) -> None:
    done = realreach("generate", "--out", str(tmp_path), "--platforms", "myspace")
    assert done.returncode == 2 and "invalid choice" in done.stderr
