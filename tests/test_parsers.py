"""Each platform format with hand-made files covering its quirks (real files on disk, real Parquet)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ingestion.parsers.facebook_insights import DEPRECATED_METRICS, successor
from ingestion.parsers.insights import value_date
from ingestion.run import IngestReport, ingest_landing
from ingestion.values import to_float, to_int, to_time
from realreach_core.home import Home
from tests.landingkit import dyi_followers, lake_rows, land, x_archive, ytd, zip_bytes


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home").ensure()


def ingest(home: Home, files: dict[str, bytes | str]) -> IngestReport:
    for rel, body in files.items():
        land(home, rel, body)
    return ingest_landing(home)


def reasons(report: IngestReport) -> dict[str, str]:
    return dict(report.quarantined)


# ---- X account archive ----------------------------------------------------------------------

ARCHIVE_TWEETS = [
    {"id_str": "501", "full_text": "hello", "created_at": "Sat Feb 18 19:45:15 +0000 2023",
     "favorite_count": "12", "retweet_count": "3", "lang": "en", "entities": {"hashtags": []}},
    {"id_str": "502", "full_text": "@bob yes", "created_at": "Sun Feb 19 08:00:00 +0000 2023",
     "favorite_count": "0", "retweet_count": "0", "in_reply_to_status_id_str": "77",
     "in_reply_to_user_id_str": "99"},
    {"id_str": "503", "full_text": "RT @bob: news", "created_at": "Mon Feb 20 08:00:00 +0000 2023",
     "favorite_count": "0", "retweet_count": "5"},
]  # fmt: skip


def test_x_archive_feeds_account_relations_and_tweets(home: Home) -> None:
    report = ingest(
        home,
        {
            "x/archive/4242_20261121T060000Z.zip": x_archive(
                tweets=ARCHIVE_TWEETS, followers=["11", "12"], following=["13"]
            )
        },
    )
    assert report.quarantined == []
    assert report.rows_by_kind == {"x/archive_account": 1, "x/archive_relations": 3, "x/tweets": 3}
    (account,) = lake_rows(home, "x", "archive_account")
    assert (account["account_id"], account["username"], account["display_name"]) == (
        "4242",
        "acme",
        "Acme",
    )
    assert "owner@example.com" not in (account["extra"] or ""), "no e-mail in the lake"
    relations = {(r["relation"], r["other_id"]) for r in lake_rows(home, "x", "archive_relations")}
    assert relations == {("follower", "11"), ("follower", "12"), ("following", "13")}
    tweets = {r["post_id"]: r for r in lake_rows(home, "x", "tweets")}
    assert tweets["501"]["like_count"] == 12 and tweets["501"]["retweet_count"] == 3
    assert tweets["501"]["created_at"] == datetime(2023, 2, 18, 19, 45, 15, tzinfo=UTC)
    assert (tweets["502"]["referenced_type"], tweets["502"]["referenced_id"]) == (
        "replied_to",
        "77",
    )
    assert tweets["502"]["in_reply_to_user_id"] == "99"
    assert tweets["503"]["referenced_type"] == "retweeted"
    assert json.loads(tweets["501"]["extra"]) == {"entities": {"hashtags": []}}
    assert {r["account_id"] for r in tweets.values()} == {"4242"}


def test_x_archive_older_layout_parts_and_identity(home: Home) -> None:
    older = zip_bytes(
        {
            "data/account.js": ytd("account", [{"account": {"accountId": "55", "username": "o"}}]),
            "data/tweet.js": ytd("tweet", [{"tweet": ARCHIVE_TWEETS[0]}]),
            "data/tweet-part1.js": ytd("tweet", [{"tweet": {**ARCHIVE_TWEETS[1], "id_str": "9"}}]),
            "data/manifest.js": "window.__THAR_CONFIG = "
            + json.dumps({"archiveInfo": {"generationDate": "2026-11-20T10:00:00.000Z"}}),
        }
    )
    report = ingest(
        home,
        {
            # No time and no id in the name: the archive's account.js and manifest.js say both.
            "x/archive/archive.zip": older,
            # Named for another account than the archive's: misfiled.
            "x/archive/77_20261121T060000Z.zip": x_archive("4242"),
            "x/archive/20261121T070000Z.zip": zip_bytes({"README.txt": "hi"}),
        },
    )
    why = reasons(report)
    assert (
        "file name says account 77 but the response is account 4242"
        in why["x/archive/77_20261121T060000Z.zip"]
    )
    assert "no data/*.js files" in why["x/archive/20261121T070000Z.zip"]
    tweets = lake_rows(home, "x", "tweets")
    assert {t["post_id"] for t in tweets} == {"501", "9"}
    assert {(t["account_id"], str(t["observed_at"])[:19]) for t in tweets} == {
        ("55", "2026-11-20 10:00:00")
    }


# ---- X tweet activity CSV -------------------------------------------------------------------


def test_x_analytics_old_and_new_vocabulary(home: Home) -> None:
    old = (
        "Tweet id,Tweet permalink,Tweet text,time,impressions,engagements,engagement rate,"
        "retweets,replies,favorites,url clicks,promoted impressions,promoted favorites,"
        "some new column\n"
        '7,https://x.com/a/status/7,"hi, all",2016-09-12 18:32 +0000,"1,234",10,0.0081,1,0,'
        "4,-,-,-,surprise\n"
    )
    new = old.replace("favorites", "likes")
    report = ingest(
        home,
        {
            "x/analytics/4242_20261120T060000Z.csv": old,
            "x/analytics/4242_20261121T060000Z.csv": new,
            "x/analytics/20261122T060000Z.csv": new,  # the CSV names no account: quarantined
            "x/analytics/4242_20261123T060000Z.csv": new.replace('"1,234"', "lots"),
        },
    )
    why = reasons(report)
    assert "account id must lead the file name" in why["x/analytics/20261122T060000Z.csv"]
    assert "'impressions' is not a number: 'lots'" in why["x/analytics/4242_20261123T060000Z.csv"]
    rows = lake_rows(home, "x", "analytics")
    assert len(rows) == 2
    for row in rows:
        assert (row["account_id"], row["post_id"], row["text"]) == ("4242", "7", "hi, all")
        assert (row["impressions"], row["likes"], row["url_clicks"]) == (1234, 4, None)
        assert row["promoted_likes"] is None and row["engagement_rate"] == pytest.approx(0.0081)
        assert row["created_at"] == datetime(2016, 9, 12, 18, 32, tzinfo=UTC)
        assert json.loads(row["extra"]) == {"some new column": "surprise"}


# ---- Instagram ------------------------------------------------------------------------------


def insight(metric: str, values: list, period: str = "day", owner: str = "1784") -> dict:
    return {"name": metric, "period": period, "values": values, "title": "t",
            "id": f"{owner}/insights/{metric}/{period}"}  # fmt: skip


def test_instagram_insights_days_values_and_drift(home: Home) -> None:
    body = {
        "data": [
            insight("follower_count", [
                {"value": "12", "end_time": "2026-06-02T07:00:00+0000"},  # PDT
                {"value": 3, "end_time": "2026-01-02T08:00:00+0000"},  # PST
            ]),
            insight("audience_city", [{"value": {"Paris": 4}, "end_time": "2026-06-02T07:00:00+0000"}]),
            {**insight("brand_new_metric", [{"value": 5, "end_time": "2026-06-02T07:00:00+0000",
                                             "note": "x"}]), "unit": "count"},
        ]
    }  # fmt: skip
    report = ingest(home, {"instagram/insights/20261121T060000Z.json": json.dumps(body)})
    assert report.quarantined == []
    rows = {(r["metric"], r["value_date"]): r for r in lake_rows(home, "instagram", "insights")}
    assert rows[("follower_count", date(2026, 6, 1))]["value"] == 12
    assert rows[("follower_count", date(2026, 1, 1))]["value"] == 3
    city = rows[("audience_city", date(2026, 6, 1))]
    assert city["value"] is None and json.loads(city["value_json"]) == {"Paris": 4}
    new = rows[("brand_new_metric", date(2026, 6, 1))]
    assert json.loads(new["extra"]) == {"unit": "count", "note": "x"}
    assert {r["account_id"] for r in rows.values()} == {"1784"}


def test_instagram_users_media_and_identity(home: Home) -> None:
    media = {
        "data": [
            {"id": "17900001", "timestamp": "2026-11-20T10:00:00+0000", "media_type": "VIDEO",
             "like_count": "7", "comments_count": 1, "caption": "new reel",
             "insights": {"data": [{"name": "reach", "values": [{"value": 300}]},
                                   {"name": "saved", "total_value": {"value": 4}}]}},
        ],
        "paging": {"cursors": {"after": "x"}},
    }  # fmt: skip
    report = ingest(
        home,
        {
            "instagram/users/20261121T060000Z.json": json.dumps(
                {"id": "1784", "username": "acme", "followers_count": "1,200", "follows_count": 3}
            ),
            "instagram/users/1784_20261122T060000Z.json": json.dumps({"id": "1784"}),
            "instagram/media/1784_20261121T060000Z.json": json.dumps(media),
            "instagram/media/20261121T060000Z.json": json.dumps(media),
            "instagram/media/1784_20261122T060000Z.json": json.dumps(
                {"data": [{"id": "17900002", "owner": {"id": "999"}}]}
            ),
        },
    )
    why = reasons(report)
    assert set(why) == {
        "instagram/media/20261121T060000Z.json",
        "instagram/media/1784_20261122T060000Z.json",
    }
    assert "account id must lead the file name" in why["instagram/media/20261121T060000Z.json"]
    assert "response is account 999" in why["instagram/media/1784_20261122T060000Z.json"]
    users = sorted(lake_rows(home, "instagram", "users"), key=lambda r: r["observed_at"])
    assert [(u["account_id"], u["followers_count"]) for u in users] == [
        ("1784", 1200),
        ("1784", None),
    ]
    (post,) = lake_rows(home, "instagram", "media")
    assert (post["like_count"], post["reach"], post["saved"], post["views"]) == (7, 300, 4, None)
    assert "insights" in json.loads(post["extra"])  # the inline insights are kept whole


def test_instagram_dyi_zip_and_loose_json(home: Home) -> None:
    export = zip_bytes(
        {
            "connections/followers_and_following/followers_1.json": dyi_followers(
                [("ann", 1763683200), ("bob", 1763769600)]
            ),
            "connections/followers_and_following/followers_2.json": dyi_followers(
                [("cy", 1763856000)], title_style=True
            ),
            "connections/followers_and_following/following.json": "[]",
        }
    )
    report = ingest(
        home,
        {
            "instagram/dyi/1784_20261121T060000Z.zip": export,
            "instagram/dyi/1784_20261122T060000Z.json": dyi_followers([("dee", None)]),
            "instagram/dyi/20261121T060000Z.json": dyi_followers([("eve", 1)]),
            "instagram/dyi/1784_20261123T060000Z.zip": zip_bytes({"likes.json": "[]"}),
        },
    )
    why = reasons(report)
    assert "account id must lead" in why["instagram/dyi/20261121T060000Z.json"]
    assert "no followers_N.json" in why["instagram/dyi/1784_20261123T060000Z.zip"]
    assert report.rows_by_kind == {"instagram/dyi_followers": 4}
    rows = {r["follower_username"]: r for r in lake_rows(home, "instagram", "dyi_followers")}
    assert rows["ann"]["followed_at"] == datetime(2025, 11, 21, tzinfo=UTC)  # unix seconds
    assert rows["cy"]["href"] == "https://www.instagram.com/cy"  # username from ``title``
    assert rows["dee"]["followed_at"] is None
    assert {r["account_id"] for r in rows.values()} == {"1784"}


# ---- Facebook -------------------------------------------------------------------------------


def test_facebook_deprecated_metrics_map_to_successors_with_provenance(home: Home) -> None:
    end = {"value": 10, "end_time": "2025-10-02T07:00:00+0000"}
    names = [*DEPRECATED_METRICS.keys() - {"post_impressions*"}, "page_follows", "page_new_thing"]
    body = {"data": [insight(name, [end], owner="123") for name in names]}
    post_level = {"data": [insight("post_impressions_unique", [end], "lifetime", "123_456")]}
    report = ingest(
        home,
        {
            "facebook/insights/20261121T060000Z.json": json.dumps(body),
            "facebook/insights/20261121T070000Z.json": json.dumps(post_level),
            "facebook/insights/123_20261121T080000Z.json": '{"id": "123", "name": "Acme"}',
        },
    )
    assert [why for _, why in report.quarantined] == [
        "facebook/insights/123_20261121T080000Z.json: neither 'data' nor 'insights.data': "
        "no insights"
    ]
    rows = {r["source_metric"]: r for r in lake_rows(home, "facebook", "insights")}
    assert {name: rows[name]["metric"] for name in rows} == {
        "page_fans": "page_follows",
        "page_fan_adds": "page_daily_follows_unique",
        "page_fan_adds_unique": "page_daily_follows_unique",
        "page_fan_removes": "page_daily_unfollows_unique",
        "page_fan_removes_unique": "page_daily_unfollows_unique",
        "page_impressions": "page_media_view",
        "page_follows": "page_follows",
        "page_new_thing": "page_new_thing",  # unknown: kept under its own name
        "post_impressions_unique": "post_media_view",
    }
    assert all(r["value"] == 10 and r["value_date"] == date(2025, 10, 1) for r in rows.values())
    post = rows["post_impressions_unique"]
    assert post["account_id"] == "123" and json.loads(post["extra"]) == {"object_id": "123_456"}


def test_facebook_posts_counts_and_identity(home: Home) -> None:
    posts = {
        "data": [
            {"id": "123_1", "created_time": "2026-11-20T10:00:00+0000", "message": "hi",
             "reactions": {"data": [], "summary": {"total_count": 9}},
             "comments": {"data": [], "summary": {"total_count": "2"}},
             "insights": {"data": [{"name": "post_impressions", "values": [{"value": 50}]},
                                   {"name": "post_clicks", "values": [{"value": 4}]}]}},
        ]
    }  # fmt: skip
    report = ingest(
        home,
        {
            "facebook/posts/20261121T060000Z.json": json.dumps(posts),
            "facebook/posts/999_20261121T060000Z.json": json.dumps(posts),
        },
    )
    assert "response is account 123" in reasons(report)["facebook/posts/999_20261121T060000Z.json"]
    (post,) = lake_rows(home, "facebook", "posts")
    assert post["shares_count"] is None, "Facebook leaves shares out when there are none"
    assert (post["reactions_count"], post["comments_count"]) == (9, 2)
    assert (post["media_views"], post["clicks"]) == (50, 4)  # post_impressions -> post_media_view


# ---- LinkedIn -------------------------------------------------------------------------------


def test_linkedin_organization_statistics(home: Home) -> None:
    day_ms = 86_400_000
    start = 1_763_683_200_000  # 2025-11-21T00:00:00Z
    followers = {
        "paging": {"count": 10, "start": 0},
        "elements": [
            {"organizationalEntity": "urn:li:organization:2414183",
             "timeRange": {"start": start + i * day_ms, "end": start + (i + 1) * day_ms},
             "followerGains": {"organicFollowerGain": 5 + i, "paidFollowerGain": i}}
            for i in range(3)
        ],
    }  # fmt: skip
    shares = {
        "elements": [
            {"organizationalEntity": "urn:li:organization:2414183",
             "timeRange": {"start": start, "end": start + day_ms},
             "totalShareStatistics": {"clickCount": 3, "commentCount": 1, "engagement": 0.0123,
                                      "impressionCount": 400, "likeCount": 8, "shareCount": 2,
                                      "uniqueImpressionsCount": 300, "shareMentionsCount": 0,
                                      "newStat": 1}}
        ]
    }  # fmt: skip
    report = ingest(
        home,
        {
            "linkedin/follower_statistics/20261121T060000Z.json": json.dumps(followers),
            "linkedin/share_statistics/20261121T060000Z.json": json.dumps(shares),
            "linkedin/network_sizes/2414183_20261121T060000Z.json": '{"firstDegreeSize": 1532}',
            "linkedin/network_sizes/20261121T060000Z.json": '{"firstDegreeSize": 1532}',
            "linkedin/follower_statistics/20261122T060000Z.json": '{"status": 403, '
            '"message": "Not enough permissions"}',
        },
    )
    why = reasons(report)
    assert "account id must lead" in why["linkedin/network_sizes/20261121T060000Z.json"]
    assert "API error response" in why["linkedin/follower_statistics/20261122T060000Z.json"]
    gains = sorted(
        lake_rows(home, "linkedin", "follower_statistics"), key=lambda r: r["range_start"]
    )
    assert [(g["organic_follower_gain"], g["paid_follower_gain"]) for g in gains] == [
        (5, 0),
        (6, 1),
        (7, 2),
    ]
    assert gains[0]["range_start"] == datetime(2025, 11, 21, tzinfo=UTC)
    assert gains[0]["range_end"] == datetime(2025, 11, 22, tzinfo=UTC)
    assert {g["account_id"] for g in gains} == {"2414183"}
    (share,) = lake_rows(home, "linkedin", "share_statistics")
    assert (share["impression_count"], share["click_count"], share["engagement"]) == (
        400,
        3,
        0.0123,
    )
    assert json.loads(share["extra"]) == {"totalShareStatistics": {"newStat": 1}}
    (size,) = lake_rows(home, "linkedin", "network_sizes")
    assert (size["account_id"], size["first_degree_size"]) == ("2414183", 1532)


# ---- values ---------------------------------------------------------------------------------


def test_loose_values() -> None:
    assert [to_int(v) for v in ("424.0", "1,234", "-", "--", " 7 ")] == [424, 1234, None, None, 7]
    assert [to_float(v) for v in ("0.0283", "-", "4.5%", 3)] == [0.0283, None, 0.045, 3.0]
    epoch = datetime(2025, 11, 21, tzinfo=UTC)
    assert to_time(1763683200) == to_time(1763683200000) == to_time("1763683200") == epoch
    assert to_time("2016-09-12 18:32 +0000") == datetime(2016, 9, 12, 18, 32, tzinfo=UTC)
    assert to_time("2026-06-02T07:00:00+0000") == datetime(2026, 6, 2, 7, tzinfo=UTC)


def test_value_date_is_the_pacific_day_before_end_time() -> None:
    assert value_date(datetime(2026, 6, 2, 7, tzinfo=UTC)) == date(2026, 6, 1)  # PDT midnight
    assert value_date(datetime(2026, 1, 2, 8, tzinfo=UTC)) == date(2026, 1, 1)  # PST midnight
    assert value_date(None) is None
    assert successor("post_impressions_paid") == "post_media_view"
    assert successor("page_views_total") == "page_views_total"


def test_registry_saved_as_excel_unicode_text(home: Home) -> None:
    # Excel's "Unicode text": UTF-16 with a BOM and tabs; texts may hold commas and semicolons.
    body = "platform\taccount_id\thandle\towner\trole\nx\t12\tacme\tAcme, Inc; EU\tbrand\n"
    report = ingest(home, {"accounts.csv": body.encode("utf-16")})
    assert report.quarantined == []
    (row,) = lake_rows(home, "registry", "accounts")
    assert (row["platform"], row["account_id"], row["owner"]) == ("x", "12", "Acme, Inc; EU")
