"""Every platform's lake tables into the same marts, with values small enough to check by hand.

One hand-made lake (four days, a Monday to a Thursday, one ISO week) holds an Instagram
account, a Facebook page, a LinkedIn organization and two X accounts (one known only from its
archive and the tweet-activity CSV), plus two registries. It is built once for the module.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import pytest

from realreach.transform import build_marts
from realreach_core.contract import MART_COLUMNS
from realreach_core.home import Home
from tests.lakefactory import write_rows, write_schema_files

pytestmark = pytest.mark.slow

DAY0 = date(2026, 3, 2)  # a Monday: the four days are one ISO week
IG, IG_UNLISTED, FB, LI, X_ARCHIVE, X_API = "ig1", "ig9", "fb1", "li1", "x1", "x2"


def at(day: int, hour: int = 20, minute: int = 0) -> datetime:
    return datetime.combine(DAY0 + timedelta(days=day), datetime.min.time(), tzinfo=UTC).replace(
        hour=hour, minute=minute
    )


def d(day: int) -> date:
    return DAY0 + timedelta(days=day)


def insight(account: str, metric: str, day: int, value: float, source: str | None = None) -> dict:
    """A period=day insight value for `day`: end_time is the end of the day (Pacific midnight)."""
    return {
        "account_id": account,
        "observed_at": at(day + 1, 9),
        "metric": metric,
        "source_metric": source or metric,
        "period": "day",
        "end_time": at(day + 1, 8),
        "value_date": d(day),
        "value": value,
    }


def instagram(lake) -> None:
    # counts on days 0, 1, 3: day 2 is filled halfway (1020)
    users = [(IG, 0, "acme.ig", 1000), (IG, 1, "acme.ig", 1010), (IG, 3, "acme.ig", 1030)]
    write_rows(
        lake,
        "instagram",
        "users",
        [
            {"account_id": a, "observed_at": at(day), "username": name, "followers_count": n}
            for a, day, name, n in [*users, (IG_UNLISTED, 1, "x", 5)]
        ],
    )
    write_rows(
        lake,
        "instagram",
        "insights",
        [
            insight(IG, "follower_count", 0, 12),
            insight(IG, "follower_count", 1, 15),
            insight(IG, "follower_count", 2, 14),
            insight(IG, "reach", 1, 400),
            insight(IG, "profile_views", 1, 30),
            insight(IG, "views", 1, 900),
        ],
    )
    # DYI: a follow on day 1 (insights win that day) and two on day 3 (no insight: DYI counts)
    write_rows(
        lake,
        "instagram",
        "dyi_followers",
        [
            {"account_id": IG, "observed_at": at(3, 22), "follower_username": u, "followed_at": t}
            for u, t in (("ann", at(1, 10)), ("bob", at(3, 7)), ("cy", at(3, 8)))
        ],
    )
    media = {"account_id": IG, "post_id": "m1", "created_at": at(0, 10), "media_type": "IMAGE"}
    write_rows(
        lake,
        "instagram",
        "media",
        [
            {**media, "observed_at": at(0), "like_count": 10, "comments_count": 2, "saved": 1,
             "shares": 0, "views": 100, "reach": 80},
            {**media, "observed_at": at(1), "like_count": 30, "comments_count": 4, "saved": 2,
             "shares": 1, "views": 300, "reach": 200},
        ],
    )  # fmt: skip


def facebook(lake) -> None:
    write_rows(
        lake,
        "facebook",
        "insights",
        [
            insight(FB, "page_follows", 0, 500, source="page_fans"),  # an old export, mapped
            insight(FB, "page_follows", 1, 505),
            insight(FB, "page_follows", 3, 509),
            insight(FB, "page_daily_follows_unique", 1, 7),
            insight(FB, "page_daily_unfollows_unique", 1, 2),
            insight(FB, "page_post_engagements", 1, 50),
            insight(FB, "page_media_view", 1, 2000),
        ],
    )
    write_rows(
        lake,
        "facebook",
        "posts",
        [
            {"account_id": FB, "post_id": "fb1_1", "observed_at": at(1, 21), "created_at": at(1, 9),
             "reactions_count": 20, "comments_count": 3, "shares_count": 2, "media_views": 1000,
             "clicks": 5},
        ],
    )  # fmt: skip


def linkedin(lake) -> None:
    write_rows(
        lake,
        "linkedin",
        "network_sizes",
        [
            {"account_id": LI, "observed_at": at(0), "first_degree_size": 2000},
            {"account_id": LI, "observed_at": at(2), "first_degree_size": 2012},
        ],
    )
    write_rows(
        lake,
        "linkedin",
        "follower_statistics",
        [
            {"account_id": LI, "observed_at": at(3), "range_start": at(day, 0),
             "range_end": at(day + 1, 0), "organic_follower_gain": organic,
             "paid_follower_gain": paid}
            for day, organic, paid in ((0, 4, 1), (1, 5, 2), (2, 3, 0))
        ]
        + [{"account_id": LI, "observed_at": at(3), "breakdowns": '{"byRegion": []}'}],
    )  # fmt: skip
    write_rows(
        lake,
        "linkedin",
        "share_statistics",
        [
            {"account_id": LI, "observed_at": at(3), "range_start": at(1, 0),
             "range_end": at(2, 0), "like_count": 10, "comment_count": 2, "share_count": 1,
             "click_count": 9, "impression_count": 800, "unique_impressions_count": 600},
        ],
    )  # fmt: skip


def x_archive_and_analytics(lake) -> None:
    """X1 is known only from two archives and one tweet-activity CSV."""
    write_rows(
        lake,
        "x",
        "archive_account",
        [{"account_id": X_ARCHIVE, "observed_at": at(day, 12), "username": "dana_x"} for day in (0, 3)],
    )  # fmt: skip
    relations = [("follower", f) for f in ("f1", "f2", "f3")] + [("following", "g1")]
    later = [("follower", f) for f in ("f1", "f3", "f4", "f5", "f6")]
    write_rows(
        lake,
        "x",
        "archive_relations",
        [
            {"account_id": X_ARCHIVE, "observed_at": at(day, 12), "relation": r, "other_id": o}
            for day, pairs in ((0, relations), (3, later))
            for r, o in pairs
        ],
    )
    # the archive's tweet (archive tweets land in x/tweets): counts, no impressions
    write_rows(
        lake,
        "x",
        "tweets",
        [
            {"account_id": X_ARCHIVE, "post_id": "t1", "observed_at": at(0, 12),
             "created_at": at(0, 9), "like_count": 5, "retweet_count": 1, "reply_count": 2},
            {"account_id": X_API, "post_id": "r1", "observed_at": at(1, 22),
             "created_at": at(1, 9), "like_count": 1, "reply_count": 0, "retweet_count": 0,
             "quote_count": 0, "referenced_type": "replied_to", "in_reply_to_user_id": "7"},
        ],
    )  # fmt: skip
    write_rows(
        lake,
        "x",
        "analytics",
        [
            # t1 also pulled: impressions and clicks merge in, its CSV likes (9) do not
            {"account_id": X_ARCHIVE, "post_id": "t1", "observed_at": at(2, 10),
             "created_at": at(0, 9), "impressions": 700, "likes": 9, "retweets": 1, "replies": 2,
             "url_clicks": 3, "user_profile_clicks": 1},
            # t2 only in the CSV: its counts are all we have
            {"account_id": X_ARCHIVE, "post_id": "t2", "observed_at": at(2, 10),
             "created_at": at(1, 8), "impressions": 300, "likes": 4, "retweets": 2, "replies": 1},
        ],
    )  # fmt: skip
    write_rows(
        lake,
        "x",
        "users",
        [
            {"account_id": X_API, "observed_at": at(day), "username": "lee", "followers_count": 100 + day}
            for day in range(4)
        ],
    )  # fmt: skip


def registries(lake) -> None:
    def row(day: int, platform: str, account: str, handle: str, owner: str, role: str) -> dict:
        return {"platform": platform, "account_id": account, "observed_at": at(day, 6),
                "handle": handle, "owner": owner, "role": role}  # fmt: skip

    first = [row(0, "x", X_ARCHIVE, "dana", "Old Owner", "brand")]
    latest = [
        row(1, "instagram", IG, "acme_ig", "Acme", "brand"),
        row(1, "facebook", FB, "acmepage", "Acme", "brand"),
        row(1, "linkedin", LI, "acme-li", "Acme", "brand"),
        row(1, "x", X_ARCHIVE, "dana", "Dana", "employee"),
        row(1, "x", X_API, "lee", "Lee", "leader"),
    ]
    write_rows(lake, "registry", "accounts", first)
    write_rows(lake, "registry", "accounts", latest)


class Marts:
    def __init__(self, home: Home) -> None:
        self.home = home

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        with duckdb.connect(str(self.home.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def by(self, table: str, columns: str, account: str, key: str = "date") -> dict:
        """{key: (columns...)} of one account's rows of a mart."""
        found = self.rows(
            f"select {key}, {columns} from marts.{table} where account_id = ? order by {key}",
            [account],
        )
        return {r[0]: r[1:] for r in found}


@pytest.fixture(scope="module")
def marts(tmp_path_factory: pytest.TempPathFactory) -> Marts:
    home = Home(tmp_path_factory.mktemp("platforms")).ensure()
    write_schema_files(home.lake)
    for write in (instagram, facebook, linkedin, x_archive_and_analytics, registries):
        write(home.lake)
    report = build_marts(home)
    assert report.ok and report.tests_failed == 0, report.failures
    return Marts(home)


FOLLOWER_COLUMNS = (
    "followers, is_observed, followers_gained, followers_lost, paid_followers_gained, "
    "net_followers, followers_source, changes_source"
)


def test_instagram_followers_counts_and_gains(marts: Marts) -> None:
    rows = marts.by("fct_followers_daily", FOLLOWER_COLUMNS, IG)
    assert rows == {
        d(0): (1000, True, 12, None, None, None, "instagram_users", "instagram_insights"),
        d(1): (1010, True, 15, None, None, 10, "instagram_users", "instagram_insights"),
        d(2): (1020, False, 14, None, None, 10, None, "instagram_insights"),
        # no insight for day 3: the two DYI follow timestamps of that day count
        d(3): (1030, True, 2, None, None, 10, "instagram_users", "instagram_dyi"),
    }


def test_facebook_followers_dated_by_the_day_described(marts: Marts) -> None:
    rows = marts.by("fct_followers_daily", FOLLOWER_COLUMNS, FB)
    # page_follows of day N ends on day N+1 (Pacific midnight): it still counts for day N
    assert rows == {
        d(0): (500, True, None, None, None, None, "facebook_page_follows", None),
        d(1): (505, True, 7, 2, None, 5, "facebook_page_follows", "facebook_insights"),
        d(2): (507, False, None, None, None, 2, None, None),
        d(3): (509, True, None, None, None, 2, "facebook_page_follows", None),
    }


def test_linkedin_followers_with_organic_and_paid_gains(marts: Marts) -> None:
    rows = marts.by("fct_followers_daily", FOLLOWER_COLUMNS, LI)
    src, gains = "linkedin_network_sizes", "linkedin_follower_statistics"
    assert rows == {
        d(0): (2000, True, 5, None, 1, None, src, gains),
        d(1): (2006, False, 7, None, 2, 6, None, gains),
        d(2): (2012, True, 3, None, 0, 6, src, gains),
    }


def test_x_archives_give_counts_and_span_diffs_not_daily_gains(marts: Marts) -> None:
    rows = marts.by(
        "fct_followers_daily",
        "followers, is_observed, followers_gained, followers_lost, followers_source, "
        "archive_span_start, archive_followers_gained, archive_followers_lost",
        X_ARCHIVE,
    )
    assert rows == {
        d(0): (3, True, None, None, "x_archive", None, None, None),
        d(1): (4, False, None, None, None, None, None, None),  # 3 + 2/3, rounded
        d(2): (4, False, None, None, None, None, None, None),  # 3 + 4/3, rounded
        # f4, f5, f6 came and f2 went somewhere from day 1 to day 3
        d(3): (5, True, None, None, "x_archive", d(1), 3, 1),
    }


POST_COLUMNS = (
    "platform, post_type, likes, comments, shares, saves, clicks, impressions, reach, "
    "interactions, metrics_sources, owner, role"
)


def test_post_metrics_mapped_onto_one_vocabulary(marts: Marts) -> None:
    rows = {
        r[0]: r[1:]
        for r in marts.rows(f"select post_id, {POST_COLUMNS} from marts.fct_post_interactions")
    }
    assert rows == {
        # Instagram: saved -> saves, views -> impressions, media reach kept
        "m1": ("instagram", "original", 30, 4, 1, 2, None, 300, 200, 37, "instagram_media",
               "Acme", "brand"),
        # Facebook: reactions -> likes, post_media_view -> impressions
        "fb1_1": ("facebook", "original", 20, 3, 2, None, 5, 1000, None, 25, "facebook_posts",
                  "Acme", "brand"),
        # X: archive counts, the activity CSV's impressions and clicks merged in
        "t1": ("x", "original", 5, 2, 1, None, 4, 700, None, 8, "x_analytics+x_tweets",
               "Dana", "employee"),
        "t2": ("x", "original", 4, 1, 2, None, None, 300, None, 7, "x_analytics",
               "Dana", "employee"),
        "r1": ("x", "reply", 1, 0, 0, None, None, None, None, 1, "x_tweets", "Lee", "leader"),
    }  # fmt: skip
    posted = marts.rows("select posted_at from marts.fct_post_interactions where post_id = 't2'")
    assert posted == [(at(1, 8),)]


ENGAGEMENT_COLUMNS = (
    "posts, interactions, impressions, reach, profile_views, interactions_source, "
    "engagement_rate_followers, engagement_rate_impressions, engagement_rate_reach"
)


def test_engagement_instagram_posts_win_account_insights_fill(marts: Marts) -> None:
    rows = marts.by("fct_engagement_daily", ENGAGEMENT_COLUMNS, IG)
    assert rows[d(0)][:6] == (1, 13, 100, None, None, "posts")
    # day 1: +24 interactions and +200 views on m1 beat the account's 900 views; reach and
    # profile views exist only account-level
    assert rows[d(1)][:6] == (0, 24, 200, 400, 30, "posts")
    assert rows[d(1)][6:] == pytest.approx((24 / 1010, 24 / 200, 24 / 400))
    assert rows[d(2)][:3] == (0, 0, None)  # posts pulled, nothing received: zero, not unknown


def test_engagement_facebook_and_linkedin_account_level(marts: Marts) -> None:
    fb = marts.by("fct_engagement_daily", ENGAGEMENT_COLUMNS, FB)
    assert fb[d(1)][:6] == (1, 25, 1000, None, None, "posts")
    assert fb[d(1)][6] == pytest.approx(25 / 505)
    li = marts.by("fct_engagement_daily", ENGAGEMENT_COLUMNS, LI)
    # LinkedIn: posts unknown; likes + comments + shares (clicks are not interactions)
    assert li[d(1)][:6] == (None, 13, 800, 600, None, "linkedin_share_statistics")
    assert li[d(1)][6:] == pytest.approx((13 / 2006, 13 / 800, 13 / 600))
    assert li[d(0)][:3] == (None, None, None)  # no share statistics that day: unknown


def test_engagement_x_archive_and_csv_increments(marts: Marts) -> None:
    rows = marts.by("fct_engagement_daily", "posts, interactions, impressions", X_ARCHIVE)
    # t2 (first seen day 2) is credited to its publication day; t1's CSV impressions to day 2
    assert rows == {d(0): (1, 8, None), d(1): (1, 7, 300), d(2): (0, 0, 700), d(3): (0, 0, None)}


def test_dim_accounts_every_platform_with_latest_registry(marts: Marts) -> None:
    rows = {
        (r[0], r[1]): r[2:]
        for r in marts.rows(
            "select platform, account_id, handle, owner, role, followers, is_registered "
            "from marts.dim_accounts"
        )
    }
    assert rows == {
        ("instagram", IG): ("acme.ig", "Acme", "brand", 1030, True),
        ("instagram", IG_UNLISTED): ("x", None, None, 5, False),
        ("facebook", FB): ("acmepage", "Acme", "brand", 509, True),
        ("linkedin", LI): ("acme-li", "Acme", "brand", 2012, True),
        # the day-1 registry replaced the day-0 one; the archive gave the handle and count
        ("x", X_ARCHIVE): ("dana_x", "Dana", "employee", 5, True),
        ("x", X_API): ("lee", "Lee", "leader", 103, True),
    }


def test_advocacy_weekly_people_and_shares(marts: Marts) -> None:
    columns = (
        "week_start, iso_week, people_posting, accounts_posting, accounts_active, posts, "
        "interactions, brand_interactions, employee_interactions, leader_interactions, audience, "
        "brand_audience, employee_audience, leader_audience, advocacy_share_of_interactions, "
        "advocacy_share_of_reach, brand_share_of_reach"
    )
    (week,) = marts.rows(f"select {columns} from marts.fct_advocacy_weekly")
    # interactions: IG 13+24, FB 25, LI 13 (brand); X1 8+7 (employee); X2 1 (leader).
    # audience (reach, else impressions): IG 100+400, FB 1000, LI 600; X1 300+700; X2 none.
    assert week[:14] == (d(0), 10, 3, 4, 5, 5, 91, 75, 15, 1, 3100, 2100, 1000, 0)
    assert week[14:] == pytest.approx((16 / 91, 1000 / 3100, 2100 / 3100))


def test_every_mart_has_every_platform_and_contract_columns(marts: Marts) -> None:
    for table, columns in MART_COLUMNS.items():
        present = {r[0] for r in marts.rows(f"describe marts.{table}")}
        assert set(columns) <= present, (table, set(columns) - present)
    for table in ("dim_accounts", "fct_followers_daily", "fct_engagement_daily"):
        platforms = {r[0] for r in marts.rows(f"select distinct platform from marts.{table}")}
        assert platforms == {"x", "instagram", "facebook", "linkedin"}, table
    owners = marts.rows(
        "select distinct platform, owner, role from marts.fct_followers_daily order by 1, 2"
    )
    assert owners == [
        ("facebook", "Acme", "brand"),
        ("instagram", "Acme", "brand"),
        ("instagram", None, None),
        ("linkedin", "Acme", "brand"),
        ("x", "Dana", "employee"),
        ("x", "Lee", "leader"),
    ]


def test_gx_mart_suites_pass_on_every_platform(marts: Marts) -> None:
    from expectations.checks import run_checks

    report = run_checks(marts.home, now=at(4))
    suites = {s.name: s for s in report.suites}
    advocacy = suites["marts_fct_advocacy_weekly"]
    assert advocacy.success and advocacy.evaluated > 10, advocacy
    for name, suite in suites.items():
        if name.startswith("marts_"):
            assert suite.success, (name, suite.failed_expectations, suite.note)


def test_every_ingestible_corpus_file_builds_into_the_marts(tmp_path) -> None:
    """The real samples (the tests/test_corpus.py cases that ingest) together through dbt."""
    from ingestion.run import ingest_landing
    from tests.landingkit import corpus_file, land
    from tests.test_corpus import CASES

    home = Home(tmp_path / "corpus").ensure()
    for case in CASES:
        if case.quarantined is None:
            land(home, case.rel, corpus_file(case.source))
    ingest = ingest_landing(home)
    assert ingest.files_quarantined == 0, ingest.quarantined
    report = build_marts(home)
    assert report.ok and report.tests_failed == 0
    marts = Marts(home)
    platforms = {r[0] for r in marts.rows("select distinct platform from marts.dim_accounts")}
    assert platforms == {"x", "instagram", "facebook", "linkedin"}
    # the X documentation example's count; the Facebook feed's and Instagram media's posts
    twitter = marts.rows(
        "select followers, is_observed from marts.fct_followers_daily where account_id = '783214'"
    )
    assert twitter == [(58677711, True)]
    posts = dict(
        marts.rows("select platform, count(*) from marts.fct_post_interactions group by 1")
    )
    assert posts["facebook"] == 5 and posts["instagram"] == 2 and posts["x"] >= 7
    instagram = marts.rows(
        "select count(*) from marts.fct_followers_daily where platform = 'instagram'"
    )
    assert instagram[0][0] >= 1
