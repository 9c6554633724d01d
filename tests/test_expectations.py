"""Real GX validations of a hand-made lake and warehouse (expectations.checks).

GX runs take seconds each, so every home is built and checked once per module.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from expectations.checks import SPIKES as SPIKE_STAGE
from expectations.checks import (
    CheckReport,
    draw_deferred_docs,
    latest_suspicious_spikes,
    run_checks,
)
from ingestion.schemas import LAKE_SCHEMAS, schema_for
from realreach_core.home import Home

pytestmark = pytest.mark.slow

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
ACCOUNTS = ["1001", "1002"]
DAYS = 5
TIMINGS: dict[str, float] = {}


# ---------------------------------------------------------------- lake


def _common(account: str, observed: dt.datetime, n: int) -> dict:
    return {
        "platform": "x",
        "account_id": account,
        "observed_at": observed,
        "source_file": f"landing/x/{n}.json",
        "source_sha256": f"{n:064x}",
        "ingested_at": observed + dt.timedelta(minutes=5),
    }


def lake_rows(kind: str, *, days: int = DAYS, end: dt.datetime = NOW) -> list[dict]:
    rows: list[dict] = []
    for d in range(days):
        observed = end - dt.timedelta(days=days - 1 - d, hours=2)
        for a, account in enumerate(ACCOUNTS):
            n = d * 10 + a
            if kind == "users":
                rows.append(
                    _common(account, observed, n)
                    | {"username": f"acct{account}", "followers_count": 1000 + d * 7, "following_count": 50,
                       "tweet_count": 300 + d, "listed_count": 3, "like_count": 10, "media_count": 2}
                )  # fmt: skip
            elif kind == "tweets":
                for p in range(2):
                    rows.append(
                        _common(account, observed, n)
                        | {"post_id": f"{account}{p}", "text": "hello", "retweet_count": p, "reply_count": 1,
                           "like_count": 5 + d, "quote_count": 0, "impression_count": 200}
                    )  # fmt: skip
            elif kind == "followers":
                for f in range(3):
                    rows.append(
                        _common(account, observed, n)
                        | {"follower_id": f"9{f}{account}", "followers_count": 4, "following_count": 4000,
                           "tweet_count": 0}
                    )  # fmt: skip
    return rows


def write_lake(home: Home, kind: str, rows: list[dict], platform: str = "x") -> None:
    schema = LAKE_SCHEMAS[(platform, kind)]
    base = home.lake / f"platform={platform}" / f"kind={kind}"
    (base / "_schema").mkdir(parents=True, exist_ok=True)
    pq.write_table(schema.empty_table(), base / "_schema" / "schema.parquet")
    by_date: dict[str, list[dict]] = {}
    for row in rows:
        by_date.setdefault(row["observed_at"].date().isoformat(), []).append(row)
    for date, part in by_date.items():
        folder = base / f"date={date}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            pa.Table.from_pylist(part, schema=schema), folder / f"part-{len(list(folder.iterdir()))}.parquet"
        )  # fmt: skip


# ---------------------------------------------------------------- marts

MARTS_DDL = {
    "dim_accounts": "platform VARCHAR, account_id VARCHAR, handle VARCHAR, owner VARCHAR, role VARCHAR",
    "fct_followers_daily": "platform VARCHAR, account_id VARCHAR, date DATE, followers BIGINT, "
    "followers_gained BIGINT, followers_lost BIGINT, net_followers BIGINT, is_observed BOOLEAN",
    "fct_post_interactions": "platform VARCHAR, account_id VARCHAR, post_id VARCHAR, "
    "posted_at TIMESTAMPTZ, post_type VARCHAR, likes BIGINT, comments BIGINT, shares BIGINT, "
    "saves BIGINT, clicks BIGINT, impressions BIGINT, reach BIGINT, interactions BIGINT",
    "fct_engagement_daily": "platform VARCHAR, account_id VARCHAR, date DATE, posts BIGINT, "
    "replies BIGINT, interactions BIGINT, impressions BIGINT, followers BIGINT, "
    "engagement_rate_followers DOUBLE, engagement_rate_impressions DOUBLE",
    "fct_follower_profiles": "platform VARCHAR, account_id VARCHAR, follower_id VARCHAR, "
    "observed_at TIMESTAMPTZ, quality_score DOUBLE, is_suspicious BOOLEAN, reasons VARCHAR",
    "follower_spikes": "platform VARCHAR, account_id VARCHAR, spike_start DATE, spike_end DATE, "
    "followers_gained BIGINT, expected_gained DOUBLE, suspicion_score DOUBLE, verdict VARCHAR, "
    "reasons VARCHAR",
    "fct_advocacy_weekly": "week_start DATE, iso_year INTEGER, iso_week INTEGER, "
    "people_posting BIGINT, accounts_posting BIGINT, accounts_active BIGINT, posts BIGINT, "
    "interactions BIGINT, impressions BIGINT, reach BIGINT, audience BIGINT, "
    "brand_share_of_interactions DOUBLE, employee_share_of_interactions DOUBLE, "
    "leader_share_of_interactions DOUBLE, advocacy_share_of_interactions DOUBLE, "
    "brand_share_of_reach DOUBLE, employee_share_of_reach DOUBLE, leader_share_of_reach DOUBLE, "
    "advocacy_share_of_reach DOUBLE",
    "fct_follower_batches": "platform VARCHAR, account_id VARCHAR, batch_id VARCHAR, "
    "first_position BIGINT, last_position BIGINT, followers BIGINT, created_from TIMESTAMPTZ, "
    "created_to TIMESTAMPTZ, followed_from TIMESTAMPTZ, followed_to TIMESTAMPTZ, "
    "fake_share DOUBLE, verdict VARCHAR",
    "fct_audience_quality": "platform VARCHAR, account_id VARCHAR, week_start DATE, "
    "followers BIGINT, bought_followers_est BIGINT, fake_share_est DOUBLE, "
    "fake_share_low DOUBLE, fake_share_high DOUBLE, real_followers_est BIGINT, "
    "interactions_per_1k_real DOUBLE, sample_coverage DOUBLE",
}

SPIKES = [
    ("x", "1001", "2026-03-06", "2026-03-07", 5200, 40.0, 0.91, "suspicious",
     "+5200 in 2 days vs ~40 expected; no viral post; 83% of new followers have no followers"),
    ("x", "1001", "2026-03-02", "2026-03-02", 900, 35.0, 0.2, "explained",
     "viral post 10011 with 40x usual impressions"),
    ("x", "1002", "2026-03-08", "2026-03-09", 3100, 20.0, 0.77, "suspicious",
     "+3100 vs ~20 expected; followed by -1200 two days later"),
]  # fmt: skip


def mart_rows() -> dict[str, list[tuple]]:
    start = NOW.date() - dt.timedelta(days=DAYS)
    rows: dict[str, list[tuple]] = {t: [] for t in MARTS_DDL}
    for account in ACCOUNTS:
        rows["dim_accounts"].append(("x", account, f"acct{account}", "Acme", "brand"))
        for d in range(DAYS):
            day = start + dt.timedelta(days=d)
            rows["fct_followers_daily"].append(("x", account, day, 1000 + d, 9, 2, 7, d % 2 == 0))
            rows["fct_engagement_daily"].append(
                ("x", account, day, 2, 1, 30, 400, 1000 + d, 0.03, 0.075)
            )
        for p in range(3):
            rows["fct_post_interactions"].append(
                ("x", account, f"{account}{p}", NOW - dt.timedelta(days=p), "original",
                 5, 1, 0, None, 2, 200, None, 8)
            )  # fmt: skip
            rows["fct_follower_profiles"].append(
                ("x", account, f"9{p}{account}", NOW, 0.1 * (p + 1), p == 0, "no followers")
            )
        rows["fct_audience_quality"].append(
            ("x", account, start - dt.timedelta(days=start.weekday()), 1000, 300, 0.3, 0.25,
             0.35, 700, 42.9, 1.0)
        )  # fmt: skip
        rows["fct_follower_batches"].append(
            ("x", account, f"x:{account}:1", 1, 500, 500, NOW - dt.timedelta(days=40),
             NOW - dt.timedelta(days=33), NOW - dt.timedelta(days=31),
             NOW - dt.timedelta(days=30), 0.97, "suspicious")
        )  # fmt: skip
    rows["follower_spikes"] = [
        (p, a, dt.date.fromisoformat(s), dt.date.fromisoformat(e), *rest) for p, a, s, e, *rest in SPIKES
    ]  # fmt: skip
    monday = start - dt.timedelta(days=start.weekday())
    rows["fct_advocacy_weekly"] = [
        (monday, *monday.isocalendar()[:2], 2, 2, 2, 4, 120, 1600, None, 1600,
         0.5, 0.5, 0.0, 0.5, 0.5, 0.5, 0.0, 0.5)
    ]  # fmt: skip
    return rows


def write_marts(home: Home, rows: dict[str, list[tuple]], skip: tuple[str, ...] = ()) -> None:
    con = duckdb.connect(str(home.warehouse))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        for table, ddl in MARTS_DDL.items():
            if table in skip:
                continue
            con.execute(f"CREATE OR REPLACE TABLE marts.{table} ({ddl})")
            if rows[table]:
                marks = ",".join("?" * len(rows[table][0]))
                con.executemany(f"INSERT INTO marts.{table} VALUES ({marks})", rows[table])
    finally:
        con.close()


def build_clean_home(root: Path) -> Home:
    home = Home(root).ensure()
    for kind in ("users", "tweets", "followers"):
        write_lake(home, kind, lake_rows(kind))
    write_marts(home, mart_rows())
    return home


def timed_run(label: str, home: Home, **kwargs) -> CheckReport:
    started = time.perf_counter()
    report = run_checks(home, now=NOW, **kwargs)
    TIMINGS[label] = time.perf_counter() - started
    return report


def by_name(report: CheckReport) -> dict:
    return {s.name: s for s in report.suites}


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module", autouse=True)
def report_timings() -> Iterator[None]:
    """Not a timing assertion: prints what each GX run took (visible with -s)."""
    yield
    print("\nrun_checks seconds:", {k: round(v, 2) for k, v in TIMINGS.items()})


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Home, CheckReport]:
    home = build_clean_home(tmp_path_factory.mktemp("clean"))
    return home, timed_run("clean", home)


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> tuple[Home, CheckReport]:
    home = Home(tmp_path_factory.mktemp("broken")).ensure()
    users = lake_rows("users")
    users[3]["followers_count"] = -5  # negative count
    write_lake(home, "users", users)
    tweets = lake_rows("tweets")
    write_lake(home, "tweets", [*tweets, dict(tweets[0])])  # duplicate natural key
    # Newest follower pull 10 days before the check: stale with the default 72 h.
    write_lake(home, "followers", lake_rows("followers", end=NOW - dt.timedelta(days=10)))
    rows = mart_rows()
    profile = list(rows["fct_follower_profiles"][0])
    profile[4] = 1.5  # quality_score out of range
    rows["fct_follower_profiles"][0] = tuple(profile)
    rows["fct_followers_daily"].append(rows["fct_followers_daily"][0])  # duplicate key
    rows["follower_spikes"][0] = (
        *rows["follower_spikes"][0][:6],
        1.3,
        *rows["follower_spikes"][0][7:],
    )
    write_marts(home, rows)
    return home, timed_run("broken", home)


@pytest.fixture(scope="module")
def sparse(tmp_path_factory) -> tuple[Home, CheckReport]:
    """Followers never pulled (schema file only), one mart missing, no spikes at all."""
    home = Home(tmp_path_factory.mktemp("sparse")).ensure()
    write_lake(home, "users", lake_rows("users"))
    write_lake(home, "tweets", lake_rows("tweets"))
    write_lake(home, "followers", [])
    rows = mart_rows()
    rows["follower_spikes"] = []
    write_marts(home, rows, skip=("fct_engagement_daily",))
    return home, timed_run("sparse", home)


# ---------------------------------------------------------------- tests


def test_clean_inputs_pass(clean):
    _, report = clean
    suites = by_name(report)
    quality = {n: s for n, s in suites.items() if not n.startswith("spikes_")}
    assert {"lake_x_users", "lake_x_tweets", "lake_x_followers", "marts_follower_spikes"} <= set(
        quality
    )
    for name, suite in quality.items():
        if name.startswith("lake_") and name not in (
            "lake_x_users",
            "lake_x_tweets",
            "lake_x_followers",
        ):
            # kinds this fixture does not write (registry, instagram, ...): skipped, not failed
            assert suite.evaluated == 0 and "no rows" in suite.note, name
            continue
        assert suite.success, (name, suite.failed_expectations)
        assert suite.evaluated > 3 and suite.failed == 0
    assert report.data_quality_ok


def test_suspicious_spikes_come_from_checkpoint(clean):
    home, report = clean
    spike_suite = by_name(report)["spikes_follower_spikes"]
    # spikes found are a result, shown as findings: the suite validates the data and passes
    assert spike_suite.success and spike_suite.failed == 0
    assert report.data_quality_ok
    got = {(s["platform"], s["account_id"], s["spike_start"]): s for s in report.suspicious_spikes}
    assert set(got) == {("x", "1001", "2026-03-06"), ("x", "1002", "2026-03-08")}
    first = got[("x", "1001", "2026-03-06")]
    assert first == {
        "platform": "x", "account_id": "1001", "spike_start": "2026-03-06", "spike_end": "2026-03-07",
        "followers_gained": 5200, "expected_gained": 40.0, "suspicion_score": 0.91,
        "verdict": "suspicious", "reasons": SPIKES[0][8],
    }  # fmt: skip
    json.dumps(report.suspicious_spikes)  # JSON-friendly as is
    assert latest_suspicious_spikes(home) == report.suspicious_spikes


def test_data_docs_and_results_under_home(clean):
    home, report = clean
    assert report.data_docs_index == home.data_docs / "index.html"
    assert report.data_docs_index.is_file()
    html = report.data_docs_index.read_text()
    assert "lake_x_users" in html and "spikes_follower_spikes" in html
    latest = json.loads((home.state / "checks" / "latest.json").read_text())
    assert latest["data_quality_ok"] is True and len(latest["suspicious_spikes"]) == 2
    config = (home.gx / "great_expectations.yml").read_text()
    assert "analytics_enabled: false" in config


def test_second_run_on_same_home_is_consistent(clean):
    home, first = clean
    again = timed_run("clean_rerun", home)
    assert again.suites == first.suites
    assert again.suspicious_spikes == first.suspicious_spikes


def test_a_run_keeps_gx_runtime_objects_in_memory_and_the_folder_a_project(clean):
    """Checkpoints, validation definitions and assets live in memory for one run: a run does
    not rewrite the project file (a file context rewrote it for every asset it added), and
    <home>/gx still opens as a GX project that lists the suites and their results."""
    home, _ = clean
    project = home.gx / "great_expectations.yml"
    before = project.stat().st_mtime_ns, project.read_text()
    timed_run("clean_third", home)
    assert (project.stat().st_mtime_ns, project.read_text()) == before
    assert "fluent_datasources" not in before[1]
    for runtime in ("checkpoints", "validation_definitions"):
        assert not any((home.gx / runtime).rglob("*.json"))
    import great_expectations as gx

    context = gx.get_context(mode="file", project_root_dir=str(home.gx.parent))
    assert {"lake_x_users", "spikes_follower_spikes"} <= {s.name for s in context.suites.all()}
    assert any(
        key.expectation_suite_identifier.name == "lake_x_users"
        for key in context.validation_results_store.list_keys()
    )


def test_spike_docs_can_wait_for_the_alerts(clean):
    """``defer_docs``: the spike suites' results are stored and their findings returned, but
    their Data Docs pages are drawn by ``draw_deferred_docs``, after the alerts."""
    home, _ = clean
    pages = home.data_docs / "validations" / "spikes_follower_spikes"

    def drawn() -> set[Path]:
        return set(pages.rglob("*.html"))

    before = drawn()
    report = run_checks(home, now=NOW, stage=SPIKE_STAGE, defer_docs=True)
    assert len(report.suspicious_spikes) == 2
    assert drawn() == before  # nothing drawn yet
    (home.data_docs / "index.html").write_text("stale")
    index = draw_deferred_docs(home)
    assert index == home.data_docs / "index.html"
    assert len(drawn() - before) == 1  # this run's page
    html = index.read_text()
    assert "spikes_follower_spikes" in html and "realreach offline index" in html
    assert draw_deferred_docs(home) is None  # drawn once


def test_broken_inputs_fail_the_right_expectations(broken):
    _, report = broken
    suites = by_name(report)
    assert not report.data_quality_ok
    assert suites["lake_x_users"].failed_expectations == [
        "expect_column_values_to_be_between(followers_count)"
    ]
    assert suites["lake_x_tweets"].failed_expectations == [
        "expect_compound_columns_to_be_unique(platform,account_id,post_id,observed_at)"
    ]
    assert suites["lake_x_followers"].failed_expectations == [
        "expect_column_max_to_be_between(observed_at)"
    ]
    assert suites["marts_fct_follower_profiles"].failed_expectations == [
        "expect_column_values_to_be_between(quality_score)"
    ]
    assert suites["marts_fct_followers_daily"].failed_expectations == [
        "expect_compound_columns_to_be_unique(platform,account_id,date)"
    ]
    assert suites["marts_follower_spikes"].failed_expectations == [
        "expect_column_values_to_be_between(suspicion_score)"
    ]
    for name in ("marts_dim_accounts", "marts_fct_post_interactions", "marts_fct_engagement_daily"):
        assert suites[name].success, suites[name].failed_expectations


def test_freshness_window_is_configurable(broken):
    # Same stale follower pull, but a 15-day window accepts it.
    home, _ = broken
    report = timed_run("broken_fresh15d", home, freshness_hours=15 * 24)
    assert by_name(report)["lake_x_followers"].success


def test_empty_kind_and_missing_mart_do_not_crash(sparse):
    home, report = sparse
    suites = by_name(report)
    assert suites["lake_x_followers"].evaluated == 0
    assert "no rows" in suites["lake_x_followers"].note
    assert suites["lake_x_followers"].success
    missing = suites["marts_fct_engagement_daily"]
    assert not missing.success and "does not exist" in missing.note
    assert not report.data_quality_ok
    assert report.suspicious_spikes == [] and latest_suspicious_spikes(home) == []
    assert suites["spikes_follower_spikes"].success


def test_snapshots_keep_every_column_but_only_the_values_expectations_read(tmp_path: Path) -> None:
    import shutil

    from expectations.snapshots import snapshot_lake_kind
    from ingestion.run import ingest_landing

    home = Home(tmp_path / "snap").ensure()
    from tests.landingkit import corpus_file

    target = home.landing / "x" / "users" / "20261121T060000Z.json"
    target.parent.mkdir(parents=True)
    shutil.copyfile(corpus_file("python-twitter/users_resp.json"), target)
    ingest_landing(home)
    snap = snapshot_lake_kind(home, "x", "users", keep={"account_id", "followers_count"})
    table = pq.read_table(snap.path)
    assert set(table.column_names) == set(schema_for("x", "users").names)
    assert table.column("description").null_count == table.num_rows == snap.rows == 2
    assert table.column("followers_count").null_count == 0
