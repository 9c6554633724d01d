"""The offline HTML report, opened in a real headless Chromium (Debian's ``chromium``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from realreach.report.data import page_key, spike_key
from tests.browser import Browser

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
RENDERED = "document.getElementById('chart').getAttribute('data-rendered') === 'true'"


def _rows(home: Path, sql: str) -> list[dict]:
    with duckdb.connect() as con:
        cursor = con.execute(sql.replace("{marts}", str(home / "marts")))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


@pytest.fixture(scope="module")
def suspicious_spike(built_home: Path) -> dict:
    spikes = _rows(
        built_home,
        "select platform, account_id, spike_start::varchar as spike_start, "
        "spike_end::varchar as spike_end, verdict, reasons "
        "from '{marts}/follower_spikes.parquet' where verdict = 'suspicious' "
        "order by suspicion_score desc limit 1",
    )
    assert spikes, "the generated sample has bought-follower bursts; the detector found none"
    return spikes[0]


@pytest.fixture(scope="module")
def browser():
    opened = Browser()
    yield opened
    opened.close()


def test_report_is_written_after_a_run_with_assets_once_and_no_cdn(built_home: Path) -> None:
    report = built_home / "report"
    pages = sorted(report.rglob("*.html"))
    accounts = _rows(built_home, "select count(*) as n from '{marts}/dim_accounts.parquet'")
    assert (report / "index.html").exists()
    assert len(list((report / "accounts").glob("*.html"))) == accounts[0]["n"]
    assert (report / "assets" / "vega.js").stat().st_size > 300_000
    for page in pages:
        html = page.read_text()
        # every script and stylesheet is a relative file of this folder: nothing from a CDN
        for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
            if ref.startswith(("http://", "https://", "//")):
                assert 'rel="noopener"' in html and "assets" not in ref, (page, ref)
        assert "vega-embed" not in html and len(html) < 400_000, page  # the bundle is not inlined
        for asset in re.findall(r'<script src="([^"]+)"', html):
            assert (page.parent / asset).resolve().exists(), (page, asset)


def test_account_page_renders_charts_and_shades_a_known_spike(
    built_home: Path, suspicious_spike: dict, browser: Browser
) -> None:
    page = (
        built_home
        / "report"
        / "accounts"
        / f"{page_key(suspicious_spike['platform'], suspicious_spike['account_id'])}.html"
    )
    run = browser.open(page, RENDERED)
    assert run.errors == [], run.errors
    assert browser.evaluate("document.querySelectorAll('#chart svg').length") >= 1
    assert browser.evaluate("document.querySelectorAll('#chart svg path').length") > 20
    labels = browser.evaluate(
        "Array.from(document.querySelectorAll('g.spike_shading_marks path'))"
        ".map(e => e.getAttribute('aria-label'))"
    )
    expected = (
        f"spike {suspicious_spike['spike_start']} to {suspicious_spike['spike_end']}: suspicious"
    )
    assert expected in labels, labels
    # the expected band is drawn, from the mart
    assert browser.evaluate("document.querySelectorAll('g.expected_band_marks path').length") == 1
    browser.screenshot(REPO / "docs" / "report.png", run)
    assert (REPO / "docs" / "report.png").stat().st_size > 20_000


def test_overview_lists_every_account_and_sorts(built_home: Path, browser: Browser) -> None:
    run = browser.open(built_home / "report" / "index.html", "document.readyState === 'complete'")
    assert run.errors == [], run.errors
    count = _rows(built_home, "select count(*) as n from '{marts}/dim_accounts.parquet'")[0]["n"]
    assert browser.evaluate("document.querySelectorAll('#overview tbody tr').length") == count
    followers = (
        "Array.from(document.querySelectorAll('#overview tbody tr'))"
        ".map(r => parseFloat(r.children[4].getAttribute('data-sort') || 'NaN'))"
        ".filter(v => !isNaN(v))"
    )
    browser.evaluate("document.querySelectorAll('#overview th')[4].click()")
    ascending = browser.evaluate(followers)
    assert ascending == sorted(ascending) and len(ascending) >= 2
    browser.evaluate("document.querySelectorAll('#overview th')[4].click()")
    assert browser.evaluate(followers) == sorted(ascending, reverse=True)


def test_spike_page_says_the_evidence_in_words(
    built_home: Path, suspicious_spike: dict, browser: Browser
) -> None:
    page = built_home / "report" / "spikes" / f"{spike_key(suspicious_spike)}.html"
    run = browser.open(page, "document.readyState === 'complete'")
    assert run.errors == [], run.errors
    items = browser.evaluate(
        "Array.from(document.querySelectorAll('ul.reasons li')).map(li => li.textContent)"
    )
    assert items == suspicious_spike["reasons"].split("; ")
    evidence = browser.evaluate("document.getElementById('evidence').innerText")
    assert "followers gained" in evidence and "expected" in evidence


def test_the_band_on_the_chart_is_the_marts(built_home: Path, suspicious_spike: dict) -> None:
    key = page_key(suspicious_spike["platform"], suspicious_spike["account_id"])
    html = (built_home / "report" / "accounts" / f"{key}.html").read_text()
    spec = json.loads(re.search(r'data-chart="chart">(.*?)</script>', html, re.S).group(1))
    drawn = {r["date"]: r["expected_gain_upper"] for r in spec["datasets"]["daily"]}
    mart = _rows(
        built_home,
        "select date::varchar as date, expected_gain_upper "
        "from '{marts}/fct_follower_gains_daily.parquet' "
        f"where platform = '{suspicious_spike['platform']}' "
        f"and account_id = '{suspicious_spike['account_id']}'",
    )
    assert mart and any(r["expected_gain_upper"] is not None for r in mart)
    for row in mart:
        if row["expected_gain_upper"] is None:
            assert drawn.get(row["date"]) is None
        else:
            assert drawn[row["date"]] == pytest.approx(row["expected_gain_upper"], rel=1e-5)


def test_data_docs_index_is_readable_offline_with_findings_as_findings(
    built_home: Path, browser: Browser
) -> None:
    """No CDN reachable here: GX's own table stays empty, the plain list shows instead."""
    index = built_home / "gx" / "data_docs" / "index.html"
    browser.open(index, "document.readyState === 'complete'")
    visible = browser.evaluate(
        "getComputedStyle(document.getElementById('realreach-offline')).display"
    )
    assert visible == "block"
    suites = browser.evaluate(
        "Array.from(document.querySelectorAll('#realreach-offline tr td:first-child a'))"
        ".map(a => a.textContent)"
    )
    assert "marts_fct_engagement_daily" in suites and "spikes_follower_spikes" in suites
    statuses = browser.evaluate(
        "Array.from(document.querySelectorAll('#realreach-offline tr td:nth-child(2)'))"
        ".map(td => td.textContent)"
    )
    assert statuses and all(s.startswith("passed") for s in statuses), statuses
    findings = browser.evaluate("document.querySelectorAll('#realreach-findings tr td').length")
    assert findings >= 5  # one row of five cells per suspicious spike


def test_a_run_with_nothing_new_keeps_the_report_and_a_publish_redraws_it(
    built_home: Path, tmp_path: Path
) -> None:
    import os
    import shutil

    from realreach.pipeline import run_pipeline
    from realreach_core.home import Home

    home = Home(tmp_path / "home")
    shutil.copytree(built_home, home.root)
    index = home.root / "report" / "index.html"
    drawn = index.stat().st_mtime_ns
    said: list[str] = []
    result = run_pipeline(home, progress=said.append)
    assert result.build.skipped and result.report is None
    assert index.stat().st_mtime_ns == drawn
    assert any("have not changed since it was drawn" in line for line in said), said

    # marts published after the report was drawn (as Airflow's checks task publishes them)
    later = drawn + 5_000_000_000
    os.utime(home.root / "marts" / "follower_spikes.parquet", ns=(later, later))
    result = run_pipeline(home, progress=said.append)
    assert result.report is not None and index.stat().st_mtime_ns > drawn


def test_a_redraw_rewrites_only_the_pages_that_changed(built_home: Path, tmp_path: Path) -> None:
    import shutil

    from realreach.report import write_report
    from realreach_core.home import Home

    home = Home(tmp_path / "home")
    shutil.copytree(built_home, home.root)
    folder = home.root / "report"
    pages = sorted(p for p in folder.glob("*/*.html"))
    assert len(pages) > 2
    edited, kept = pages[0], pages[1]
    edited.write_text("stale")  # as if the marts had moved on for this page
    before = {p: p.stat().st_mtime_ns for p in pages}
    index = (folder / "index.html").stat().st_mtime_ns
    write_report(home)
    assert "stale" not in edited.read_text() and edited.stat().st_mtime_ns > before[edited]
    assert kept.stat().st_mtime_ns == before[kept]  # the same bytes: not written again
    assert all(p.stat().st_mtime_ns == before[p] for p in pages[1:])
    assert (folder / "index.html").stat().st_mtime_ns > index  # says when it was drawn
