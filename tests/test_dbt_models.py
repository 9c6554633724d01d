"""The dbt project end to end: a hand-made lake, a real `dbt build`, assertions on the marts.

One lake of small accounts with obvious answers is built once per module (each dbt run costs
seconds); every test then reads the marts from the warehouse, the Parquet export or bi.duckdb.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from realreach.transform import BuildError, BuildReport, build_marts
from realreach_core.contract import MARTS
from realreach_core.home import PROJECT_ROOT, Home
from tests.lakefactory import write_rows, write_schema_files

pytestmark = pytest.mark.slow

DAY0 = date(2026, 1, 1)
DAYS = 46

FLAT = "1001"  # flat account, +5,000 bought followers on day 30, purge on day 36
VIRAL = "1002"  # viral post on day 25 and a real follow jump on days 25-26
DRIP = "1003"  # +800 a day on days 20, 21, 22
TINY = "1004"  # 0-2 gains a day, no spike; day 10 never observed


def at(day: int, hour: int = 20) -> datetime:
    return datetime.combine(DAY0 + timedelta(days=day), datetime.min.time(), tzinfo=UTC).replace(
        hour=hour
    )


def net_gain(account: str, day: int) -> int:
    """The designed daily net follower change of each account."""
    if account == FLAT:
        return {30: 5000, 36: -1500}.get(day, 10 + day % 3)
    if account == VIRAL:
        return {25: 3000, 26: 1500}.get(day, 20 + day % 5)
    if account == DRIP:
        return 800 if day in (20, 21, 22) else 15 + day % 4
    return (0, 1, 2, 1)[day % 4]  # TINY


START = {FLAT: 100_000, VIRAL: 20_000, DRIP: 50_000, TINY: 40}


def followers_on(account: str, day: int) -> int:
    return START[account] + sum(net_gain(account, d) for d in range(1, day + 1))


def user_rows() -> list[dict[str, Any]]:
    rows = []
    for account in (FLAT, VIRAL, DRIP, TINY):
        for day in range(DAYS):
            if account == TINY and day == 10:
                continue  # a missed pull: the mart must fill it
            rows.append(
                {
                    "account_id": account,
                    "observed_at": at(day),
                    "username": f"acct{account}" if day < 40 else f"renamed{account}",
                    "name": f"Account {account}",
                    "followers_count": followers_on(account, day),
                    "following_count": 300,
                    "tweet_count": 1000 + day,
                }
            )
        # a morning pull with a lower count: the end-of-day (20:00) value must win
        rows.append(
            {"account_id": account, "observed_at": at(5, 8), "followers_count": 1}
            if account != TINY
            else {"account_id": account, "observed_at": at(5, 8), "followers_count": 0}
        )
    return rows


def profile(follower_id: str, observed_at: datetime, fake: bool) -> dict[str, Any]:
    if fake:
        return {
            "follower_id": follower_id,
            "observed_at": observed_at,
            "username": f"user{follower_id}",
            "description": "",
            "profile_image_url": "https://abs.twimg.com/sticky/default_profile_images/x.png",
            "created_at": observed_at - timedelta(days=3),
            "followers_count": 0,
            "following_count": 2000,
            "tweet_count": 0,
        }
    return {
        "follower_id": follower_id,
        "observed_at": observed_at,
        "username": f"user{follower_id}",
        "description": "Coffee, code and cycling",
        "profile_image_url": "https://pbs.twimg.com/profile_images/1/me_normal.jpg",
        "created_at": datetime(2015, 3, 1, tzinfo=UTC),
        "followers_count": 300,
        "following_count": 250,
        "tweet_count": 1500,
    }


def follower_rows() -> list[dict[str, Any]]:
    rows = []
    for account in (FLAT, VIRAL, DRIP):
        for day in range(DAYS):
            for i in range(3):  # a few genuine new followers every day
                rows.append(
                    {"account_id": account, **profile(f"{account}-{day}-{i}", at(day), False)}
                )
    for i in range(1000):  # the bought batch: 930 fake, 70 genuine
        rows.append({"account_id": FLAT, **profile(f"bought-{i}", at(30, 21), fake=i < 930)})
    for i in range(200):
        rows.append({"account_id": VIRAL, **profile(f"fan-{i}", at(25, 21), False)})
    # the corpus case: a follower page without public_metrics or created_at
    rows.append(
        {
            "account_id": TINY,
            "follower_id": "no-metrics",
            "observed_at": at(3),
            "description": "",
            "profile_image_url": "https://abs.twimg.com/sticky/default_profile_images/x.png",
        }
    )
    # a re-pull of a known follower later: first observation must stay the judged one
    rows.append({"account_id": FLAT, **profile(f"{FLAT}-1-0", at(40), True)})
    return rows


def tweet_rows() -> list[dict[str, Any]]:
    """One post a day per account with tweets; each post observed on its day and two more."""
    rows = []
    for account in (FLAT, VIRAL, DRIP):
        for posted in range(DAYS):
            viral = account == VIRAL and posted == 25
            for day in range(posted, min(posted + 3, DAYS)):
                age = day - posted
                likes = (30_000 + 10_000 * age) if viral else 40 + 20 * age
                rows.append(
                    {
                        "account_id": account,
                        "post_id": f"{account}-p{posted}",
                        "observed_at": at(day, 22),
                        "created_at": at(posted, 9),
                        "text": "hello",
                        "like_count": likes,
                        "reply_count": 5,
                        "retweet_count": 5,
                        "quote_count": 0,
                        "bookmark_count": 1,
                        "impression_count": 1000 * (1 + age) * (100 if viral else 1),
                    }
                )
    # post types: a reply, a retweet and a quote of FLAT on day 2, with clicks on the reply
    kinds = [
        ("reply", {"referenced_type": "replied_to", "in_reply_to_user_id": "42"}),
        ("share", {"referenced_type": "retweeted", "referenced_id": "9"}),
        ("quote", {"referenced_type": "quoted", "referenced_id": "8"}),
    ]
    for name, extra in kinds:
        rows.append(
            {
                "account_id": FLAT,
                "post_id": f"{FLAT}-{name}",
                "observed_at": at(2, 22),
                "created_at": at(2, 10),
                "like_count": 2,
                "reply_count": 1,
                "retweet_count": 3,
                "quote_count": 4,
                "bookmark_count": None,
                "impression_count": 50,
                "url_link_clicks": 7 if name == "reply" else None,
                "user_profile_clicks": 1 if name == "reply" else None,
                **extra,
            }
        )
    return rows


def registry_rows() -> list[dict[str, Any]]:
    listed = [
        ("x", FLAT, "acct1001", "Acme", "brand"),
        ("x", VIRAL, "acct1002", "Dana", "employee"),
        ("instagram", "17841400000000001", "acme.ig", "Acme", "brand"),
    ]
    return [
        {"platform": p, "account_id": a, "observed_at": at(0), "handle": h, "owner": o, "role": r}
        for p, a, h, o, r in listed
    ]


def build_lake(lake: Path) -> None:
    write_schema_files(lake)
    write_rows(lake, "x", "users", user_rows())
    write_rows(lake, "x", "users", user_rows()[:50])  # a re-pull: repeated rows
    write_rows(lake, "x", "followers", follower_rows())
    write_rows(lake, "x", "tweets", tweet_rows())
    write_rows(lake, "registry", "accounts", registry_rows())


@dataclass
class Built:
    home: Home
    report: BuildReport
    wall_s: float

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        with duckdb.connect(str(self.home.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    home = Home(tmp_path_factory.mktemp("home")).ensure()
    build_lake(home.lake)
    started = time.perf_counter()
    report = build_marts(home)
    wall = time.perf_counter() - started
    print(f"\ndbt build: {report.elapsed_s:.1f}s in dbt, {wall:.1f}s wall incl. export")
    return Built(home, report, wall)


def test_build_report_counts_models_unit_and_data_tests(built: Built) -> None:
    report = built.report
    assert report.ok and not report.failures
    assert report.models_ok >= 6 + 4 + 7
    assert report.tests_failed == 0
    # unit tests (gap filling, spike episodes, verdicts, scoring) and generic tests all ran
    results = built.home.state / "dbt" / "target" / "run_results.json"
    text = results.read_text()
    assert "unit_test.realreach.int_followers_filled" in text
    assert "unit_test.realreach.follower_spikes" in text
    assert report.tests_passed > 50


def test_marts_live_in_schema_marts(built: Built) -> None:
    tables = {
        (schema, name)
        for schema, name in built.query(
            "select table_schema, table_name from information_schema.tables"
        )
    }
    for mart in MARTS:
        assert ("marts", mart) in tables
    assert ("staging", "stg_x__users") in tables
    assert ("intermediate", "int_followers_filled") in tables


def test_followers_daily_end_of_day_and_filled_gap(built: Built) -> None:
    rows = built.query(
        "select date, followers, is_observed, net_followers, followers_gained, followers_lost "
        "from marts.fct_followers_daily where account_id = ? order by date",
        [TINY],
    )
    assert len(rows) == DAYS  # first to last observation, one row a day despite re-pulls
    by_day = {(r[0] - DAY0).days: r for r in rows}
    assert by_day[10][2] is False
    # halfway between the neighbours, half rounded away from zero (SQL round)
    expected = int((followers_on(TINY, 9) + followers_on(TINY, 11)) / 2 + 0.5)
    assert by_day[10][1] == expected
    assert all(r[2] for d, r in by_day.items() if d != 10)
    assert by_day[5][1] == followers_on(TINY, 5)  # the 20:00 pull beats the 08:00 one
    assert by_day[0][3] is None and by_day[11][3] == by_day[11][1] - by_day[10][1]
    assert all(r[4] is None and r[5] is None for r in rows)  # X does not report gains/losses


def test_spikes_one_row_per_episode_with_verdicts(built: Built) -> None:
    spikes = built.query(
        "select account_id, spike_start, spike_end, followers_gained, expected_gained, "
        "verdict, suspicion_score, reasons from marts.follower_spikes order by account_id"
    )
    by_account: dict[str, list[tuple]] = {}
    for spike in spikes:
        by_account.setdefault(spike[0], []).append(spike)
    assert TINY not in by_account

    (flat,) = by_account[FLAT]
    assert (flat[1] - DAY0).days == 30 and flat[2] == flat[1]
    assert flat[3] == 5000 and 5 <= flat[4] <= 15
    assert flat[5] == "suspicious" and flat[6] >= 0.8
    assert "+5,000 in 1 day vs ~" in flat[7]
    assert "interactions flat" in flat[7]
    assert "% of 1,0" in flat[7] and "look fake" in flat[7]
    assert "1,500 lost within 15 days" in flat[7]

    (viral,) = by_account[VIRAL]
    assert (viral[1] - DAY0).days == 25 and (viral[2] - DAY0).days == 26
    assert viral[3] == 4500
    assert viral[5] == "explained" and viral[6] < 0.5
    assert f"viral post {VIRAL}-p25" in viral[7]

    (drip,) = by_account[DRIP]
    assert ((drip[1] - DAY0).days, (drip[2] - DAY0).days) == (20, 22)
    assert drip[3] == 2400
    assert "+2,400 in 3 days" in drip[7]


def test_post_interactions_types_and_latest_metrics(built: Built) -> None:
    rows = dict(
        (r[0], r[1:])
        for r in built.query(
            "select post_id, post_type, likes, comments, shares, saves, clicks, impressions, "
            "reach, interactions from marts.fct_post_interactions where account_id = ?",
            [FLAT],
        )
    )
    assert rows[f"{FLAT}-reply"][0] == "reply"
    assert rows[f"{FLAT}-share"][0] == "share"
    assert rows[f"{FLAT}-quote"][0] == "original"
    assert rows[f"{FLAT}-reply"][1:] == (2, 1, 7, None, 8, 50, None, 10)
    assert rows[f"{FLAT}-share"][5] is None  # no click metrics reported
    latest = rows[f"{FLAT}-p3"]
    assert latest[0] == "original" and latest[1] == 80  # third observation: 40 + 2 * 20
    assert latest[8] == 80 + 5 + 5 + 0 + 1


def test_engagement_daily_received_activity(built: Built) -> None:
    rows = {
        (r[0] - DAY0).days: r[1:]
        for r in built.query(
            "select date, posts, replies, interactions, impressions, followers, "
            "engagement_rate_followers, engagement_rate_impressions, reply_share_28d "
            "from marts.fct_engagement_daily where account_id = ? order by date",
            [DRIP],
        )
    }
    assert len(rows) == DAYS
    # day 10: new post (40+11) plus +20 likes on each of the two previous posts
    posts, replies, interactions, impressions, followers, rate_f, rate_i, _ = rows[10]
    assert (posts, replies, interactions, impressions) == (1, 0, 51 + 40, 1000 + 2000)
    assert followers == followers_on(DRIP, 10)
    assert rate_f == pytest.approx(interactions / followers)
    assert rate_i == pytest.approx(interactions / impressions)
    flat_day2 = built.query(
        "select posts, replies, reply_share_28d from marts.fct_engagement_daily "
        "where account_id = ? and date = ?",
        [FLAT, DAY0 + timedelta(days=2)],
    )
    assert flat_day2[0][:2] == (4, 1)
    tiny = built.query(
        "select count(*), count(interactions) from marts.fct_engagement_daily where account_id = ?",
        [TINY],
    )
    assert tiny == [(DAYS, 0)]  # no posts ever pulled: unknown, not zero


def test_follower_profiles_scored_as_first_seen(built: Built) -> None:
    rows = {
        r[0]: r[1:]
        for r in built.query(
            "select follower_id, quality_score, is_suspicious, reasons, observed_at "
            "from marts.fct_follower_profiles where follower_id in (?, ?, ?, ?)",
            ["bought-0", "bought-999", "no-metrics", f"{FLAT}-1-0"],
        )
    }
    fake, genuine, unknown, first_seen = (
        rows["bought-0"],
        rows["bought-999"],
        rows["no-metrics"],
        rows[f"{FLAT}-1-0"],
    )
    assert fake[0] < 0.05 and fake[1] is True
    assert "default avatar" in fake[2] and "follows 2,000 accounts with only 0 followers" in fake[2]
    assert genuine[0] > 0.9 and genuine[1] is False and genuine[2] == "no warning signs"
    # missing metrics are not evidence: only avatar and bio count against it
    assert 0.2 < unknown[0] < 0.6 and "public metrics unknown" in unknown[2]
    assert first_seen[1] is False and first_seen[3] == at(1)


def test_dim_accounts_registry_and_latest_handle(built: Built) -> None:
    rows = {
        (r[0], r[1]): r[2:]
        for r in built.query(
            "select platform, account_id, handle, owner, role, followers from marts.dim_accounts"
        )
    }
    assert rows[("x", FLAT)] == ("renamed1001", "Acme", "brand", followers_on(FLAT, DAYS - 1))
    assert rows[("x", TINY)][1:3] == (None, None)
    assert rows[("instagram", "17841400000000001")][:3] == ("acme.ig", "Acme", "brand")


def test_exports_and_bi_database_readable_concurrently(built: Built) -> None:
    exported = {p.name for p in built.report.exported}
    assert exported == {f"{m}.parquet" for m in MARTS}
    for path in built.report.exported:
        assert path.parent == built.home.marts_export and path.exists()
    spikes_parquet = duckdb.sql(
        f"select count(*) from read_parquet('{built.home.marts_export / 'follower_spikes.parquet'}')"
    ).fetchall()
    assert spikes_parquet == [(3,)]
    # two readers at once, while the warehouse is opened for writing by another process
    first = duckdb.connect(str(built.home.bi_database), read_only=True)
    second = duckdb.connect(str(built.home.bi_database), read_only=True)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('locked', flush=True); time.sleep(2)",
            str(built.home.warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "locked"
        counts: list[int] = []

        def read(con: duckdb.DuckDBPyConnection) -> None:
            counts.append(
                con.execute("select count(*) from marts.fct_followers_daily").fetchall()[0][0]
            )

        threads = [threading.Thread(target=read, args=(c,)) for c in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert counts == [4 * DAYS, 4 * DAYS]
    finally:
        writer.wait(timeout=30)
        first.close()
        second.close()


def test_bi_readers_do_not_block_a_rebuild(built: Built) -> None:
    """Readers holding bi.duckdb open while the pipeline rebuilds: neither waits for the other."""
    count = "select count(*), sum(followers_gained) from marts.follower_spikes"
    readers = [duckdb.connect(str(built.home.bi_database), read_only=True) for _ in range(2)]
    try:
        before = [con.execute(count).fetchall() for con in readers]
        started = time.perf_counter()
        report = build_marts(built.home, force=True)  # same lake: same marts, rebuilt
        print(f"\nrebuild with BI readers open: {time.perf_counter() - started:.1f}s wall")
        assert report.ok and report.tests_failed == 0
        assert [con.execute(count).fetchall() for con in readers] == before == [[(3, 11900)]] * 2
    finally:
        for con in readers:
            con.close()


def test_fresh_home_builds_empty_marts(tmp_path: Path) -> None:
    """No lake yet: the runner writes the _schema files and every mart builds, empty."""
    home = Home(tmp_path / "fresh")
    report = build_marts(home)
    assert (home.lake / "platform=x" / "kind=tweets" / "_schema" / "schema.parquet").exists()
    assert sorted(p.stem for p in report.exported) == sorted(MARTS)
    for path in report.exported:
        assert duckdb.sql(f"select count(*) from read_parquet('{path}')").fetchall() == [(0,)]
    # Nothing changed: no rebuild. New lake data: a rebuild that sees it.
    assert build_marts(home).skipped
    write_rows(home.lake, "x", "users", user_rows()[:5])
    again = build_marts(home)
    assert not again.skipped and again.ok
    accounts = home.marts_export / "dim_accounts.parquet"
    assert duckdb.sql(f"select count(*) from read_parquet('{accounts}')").fetchall()[0][0] > 0


def test_failed_build_names_failed_nodes(tmp_path: Path) -> None:
    """A lake whose registry breaks a mart test fails the build with the test's name."""
    home = Home(tmp_path / "home").ensure()
    write_schema_files(home.lake)
    listed = {"platform": "x", "account_id": "1", "observed_at": at(0), "role": "intern"}
    write_rows(home.lake, "x", "users", [{"account_id": "1", "observed_at": at(0)}])
    write_rows(home.lake, "registry", "accounts", [listed])
    with pytest.raises(BuildError) as error:
        build_marts(home, select="+dim_accounts")
    assert "dim_accounts" in str(error.value)
    assert error.value.report.tests_failed >= 1
    assert not home.bi_database.exists()


def test_sqlfluff_lint_clean() -> None:
    sqlfluff = Path(sys.executable).parent / "sqlfluff"
    result = subprocess.run(
        [str(sqlfluff), "lint", "dbt_project/models"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_project_files_stay_clean() -> None:
    assert not (PROJECT_ROOT / "dbt_project" / "target").exists()
    assert not (PROJECT_ROOT / "dbt_project" / "logs").exists()
