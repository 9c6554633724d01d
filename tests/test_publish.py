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
