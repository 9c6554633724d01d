"""Write-audit-publish: the Parquet exports and bi.duckdb change only after the quality suites
passed. A copy of the shared built home is rebuilt with a freshness limit its data cannot
meet, so a quality suite fails: the warehouse is rebuilt, the published files stay."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from realreach.pipeline import run_pipeline
from realreach_core.home import Home

pytestmark = pytest.mark.slow


def _published(home: Home) -> dict[str, int]:
    files = [*sorted(home.marts_export.glob("*.parquet")), home.bi_database]
    return {p.name: p.stat().st_mtime_ns for p in files}


def test_failed_quality_suites_leave_the_published_marts_alone(
    built_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = Home(tmp_path / "home")
    shutil.copytree(built_home, home.root, symlinks=True)
    before = _published(home)
    warehouse_before = home.warehouse.stat().st_mtime_ns
    monkeypatch.setenv("REALREACH_FRESHNESS_HOURS", "0.0001")  # nothing is that fresh
    report = run_pipeline(home, progress=lambda _m: None, rebuild=True)
    assert not report.checks.data_quality_ok
    assert home.warehouse.stat().st_mtime_ns != warehouse_before  # written and audited ...
    assert _published(home) == before  # ... not published
    monkeypatch.setenv("REALREACH_FRESHNESS_HOURS", "100000")
    report = run_pipeline(home, progress=lambda _m: None, rebuild=True)
    assert report.checks.data_quality_ok
    after = _published(home)
    assert all(after[name] != before[name] for name in before)  # now published


class _Outlets(dict):
    """What Airflow hands a task as ``outlet_events``: an accessor per asset with ``extra``."""

    def __missing__(self, key):
        self[key] = type("Accessor", (), {"extra": None})()
        return self[key]


def test_airflow_builds_then_publishes_only_after_the_checks_passed(
    built_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The transform DAG's task writes the warehouse only; the checks DAG's task publishes it
    when the quality suites passed, and stamps the build it was told about."""
    from realreach import orchestration as rr

    home = Home(tmp_path / "home")
    shutil.copytree(built_home, home.root, symlinks=True)
    (home.state / "dbt" / "last_green_build.json").unlink()  # a lake not yet built: build
    # ... nor validated: the checks take every lake batch (the freshness suites among them).
    (home.state / "checks" / "validated.json").unlink()
    monkeypatch.setenv("REALREACH_HOME", str(home.root))
    before = _published(home)
    outlets = _Outlets()
    built = rr.build(outlets)
    assert built["fingerprint"] and not built["skipped"]
    assert _published(home) == before  # written, not published

    monkeypatch.setenv("REALREACH_FRESHNESS_HOURS", "0.0001")  # a quality suite fails
    event = type("Event", (), {"extra": built})()
    failed = rr.check(_Outlets(), {rr.MARTS: [event]})
    assert not failed["data_quality_ok"]
    assert _published(home) == before

    monkeypatch.setenv("REALREACH_FRESHNESS_HOURS", "100000")
    passed = rr.check(_Outlets(), {rr.MARTS: [event]})
    assert passed["data_quality_ok"]
    after = _published(home)
    assert all(after[name] != before[name] for name in before)  # published now
    assert rr.build(_Outlets())["skipped"]  # the published build is stamped: nothing to redo
