"""Every real export in the shared corpus, under a contract name, and what it must become.

One test per file (the test id is the file name): the file is copied unchanged into a fresh
landing folder, ingested for real, and the lake rows are checked against values read by eye
from the file. Where a file cannot be filed as is (no account id anywhere), the outcome is a
quarantine with the reason a person would need.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ingestion.run import ingest_landing
from realreach_core.home import Home
from tests.landingkit import CORPUS, CORPUS_MISSING, HAVE_CORPUS, corpus_file, lake_rows, land


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home").ensure()


Rows = dict[str, list[dict]]  # "platform/table" -> lake rows


@dataclass(frozen=True)
class Case:
    source: str  # path under the corpus
    rel: str  # where it lands, named by the contract
    rows: dict[str, int]  # expected rows per lake table; {} when quarantined
    check: Callable[[Rows], None] | None = None
    quarantined: str | None = None  # a phrase the reason must contain
    id: str | None = None

    @property
    def test_id(self) -> str:
        return self.id or Path(self.source).name


def by(rows: list[dict], column: str) -> dict:
    return {row[column]: row for row in rows}


def _x_users_doc_example(rows: Rows) -> None:
    users = by(rows["x/users"], "account_id")
    assert users["783214"]["followers_count"] == 58677711
    assert users["783214"]["username"] == "Twitter"
    assert users["2244994945"]["tweet_count"] == 3639


def _x_users_twarc(rows: Rows) -> None:
    users = rows["x/users"]
    # No pull time in the name: twarc's own __twarc.retrieved_at dates the observation.
    assert {r["observed_at"] for r in users} == {datetime(2021, 10, 23, 19, 36, 18, tzinfo=UTC)}
    assert "119369819" in by(users, "account_id")


def _x_two_tweets(rows: Rows) -> None:
    (tweet,) = rows["x/tweets"]
    assert tweet["post_id"] == "1394735776701816833"
    assert tweet["account_id"] == "1379899464345923590"
    assert (tweet["referenced_type"], tweet["referenced_id"]) == (
        "retweeted",
        "1391677057810288641",
    )
    assert tweet["retweet_count"] == 1 and tweet["impression_count"] is None


def _x_edited(rows: Rows) -> None:
    (tweet,) = rows["x/tweets"]
    assert (tweet["post_id"], tweet["account_id"]) == ("1576994789110992896", "337119125")
    assert "edit_history_tweet_ids" in json.loads(tweet["extra"])


def _x_timeline(rows: Rows) -> None:
    tweets = by(rows["x/tweets"], "post_id")
    assert tweets["1364275610764201984"]["like_count"] == 37
    assert tweets["1362876655061073928"]["retweet_count"] == 21


def _x_followers(rows: Rows) -> None:
    followers = by(rows["x/followers"], "follower_id")
    assert {r["account_id"] for r in followers.values()} == {"2244994945"}  # from the name
    assert followers["1356836061637468161"]["followers_count"] is None  # no public_metrics


def _ig_user(rows: Rows) -> None:
    (user,) = rows["instagram/users"]
    assert (user["account_id"], user["username"]) == ("17841407673135339", "facebookfordevelopers")
    assert (user["followers_count"], user["media_count"], user["follows_count"]) == (
        64363,
        427,
        None,
    )


def _ig_insights(rows: Rows) -> None:
    values = {(r["metric"], r["value_date"]): r for r in rows["instagram/insights"]}
    # end_time 2017-05-04T07:00:00+0000 is midnight Pacific: the value of May 3.
    assert values[("reach", date(2017, 5, 3))]["value"] == 3
    assert values[("reach", date(2017, 5, 4))]["value"] == 36
    assert values[("profile_views", date(2017, 5, 4))]["value"] == 2
    # The removed ``impressions`` has no successor: kept under its own name.
    assert values[("impressions", date(2017, 5, 3))]["source_metric"] == "impressions"
    assert {r["account_id"] for r in rows["instagram/insights"]} == {"17841400008460056"}


def _ig_insights_new(rows: Rows) -> None:
    (reach,) = rows["instagram/insights"]
    assert (reach["account_id"], reach["metric"], reach["period"]) == (
        "17841454149711910",
        "reach",
        "day",
    )
    assert reach["value"] == 14516883
    breakdowns = json.loads(reach["value_json"])
    assert breakdowns[0]["dimension_keys"] == ["media_product_type", "follow_type"]
    assert {"dimension_values": ["AD", "NON_FOLLOWER"], "value": 14357147} in breakdowns[0][
        "results"
    ]


def _ig_media(rows: Rows) -> None:
    media = by(rows["instagram/media"], "post_id")
    post = media["17896622936197745"]
    assert (post["like_count"], post["comments_count"], post["media_type"]) == (2, 6, "IMAGE")
    assert post["created_at"] == datetime(2021, 8, 13, 8, 2, 40, tzinfo=UTC)
    assert post["account_id"] == "17841406338772941"  # from the name: the edge names no owner
    assert "media_url" in json.loads(post["extra"])


def _fb_posts(rows: Rows) -> None:
    posts = by(rows["facebook/posts"], "post_id")
    post = posts["19292868552_10158349356748553"]
    assert post["account_id"] == "19292868552"  # the page part of "<page-id>_<post-id>"
    assert (post["shares_count"], post["reactions_count"], post["comments_count"]) == (10, 125, 13)
    assert post["likes_count"] == 119 and post["status_type"] == "added_photos"
    assert json.loads(post["extra"])["love"]["summary"]["total_count"] == 6


def _fb_nested(rows: Rows) -> None:
    values = rows["facebook/insights"]
    assert {r["account_id"] for r in values} == {"123456"}
    assert {r["period"] for r in values} == {"day", "week", "days_28"}
    week = [r for r in values if r["period"] == "week"]
    # end_time 2023-03-08T08:00:00+0000 is midnight Pacific (PST): the period ending Mar 7.
    assert {(r["value_date"], r["value"]) for r in week} == {
        (date(2023, 3, 7), 1),
        (date(2023, 3, 8), 1),
    }
    assert {r["metric"] for r in values} == {"page_engaged_users"}  # unknown to us: kept


def _fb_page_1(rows: Rows) -> None:
    cities = by(rows["facebook/insights"], "value_date")
    first = cities[date(2019, 6, 9)]
    assert first["metric"] == first["source_metric"] == "page_fans_city"
    assert first["value"] is None and json.loads(first["value_json"])["Campinas, SP, Brazil"] == 33
    assert first["account_id"] == "123456"  # "<page-id>" in the file is a placeholder


def _fb_page_2(rows: Rows) -> None:
    (day,) = rows["facebook/insights"]
    assert day["value_date"] == date(2019, 6, 11)
    assert json.loads(day["value_json"])["São Paulo, SP, Brazil"] == 16


def _li_lifetime(rows: Rows) -> None:
    (element,) = rows["linkedin/follower_statistics"]
    assert element["account_id"] == "1234"  # urn:li:organization:1234
    assert element["range_start"] is None and element["organic_follower_gain"] is None
    breakdowns = json.loads(element["breakdowns"])
    assert breakdowns["followerCountsByAssociationType"][0]["followerCounts"] == {
        "organicFollowerCount": 1228,
        "paidFollowerCount": 184,
    }
    assert len(breakdowns["followerCountsByFunction"]) == 10


CASES = [
    Case("python-twitter/users_resp.json", "x/users/20261121T060000Z.json", {"x/users": 2},
         _x_users_doc_example),
    Case("twarc-csv/users.jsonl", "x/users/users.jsonl", {"x/users": 96}, _x_users_twarc),
    Case("twarc-csv/two_tweets.jsonl", "x/tweets/20261121T070000Z.jsonl", {"x/tweets": 1},
         _x_two_tweets),
    Case("twarc-csv/edited.jsonl", "x/tweets/20261121T080000Z.jsonl", {"x/tweets": 1}, _x_edited),
    Case("python-twitter/timeline_tweets.json", "x/tweets/2244994945_20261121T060000Z.json",
         {"x/tweets": 5}, _x_timeline),
    Case("python-twitter/followers_resp.json", "x/followers/2244994945_20261121T060000Z.json",
         {"x/followers": 5}, _x_followers),
    Case("python-twitter/followers_resp.json", "x/followers/20261121T060000Z.json", {},
         quarantined="account id must lead the file name", id="followers_resp.json-unnamed"),
    Case("python-facebook/instagram_user_fields.json", "instagram/users/20261121T060000Z.json",
         {"instagram/users": 1}, _ig_user),
    Case("python-facebook/instagram_user_insights.json",
         "instagram/insights/20261121T060000Z.json", {"instagram/insights": 6}, _ig_insights),
    Case("python-facebook/instagram_user_insights_new.json",
         "instagram/insights/20261121T070000Z.json", {"instagram/insights": 1}, _ig_insights_new),
    Case("python-facebook/instagram_medias_p1.json",
         "instagram/media/17841406338772941_20261121T060000Z.json", {"instagram/media": 2},
         _ig_media),
    Case("python-facebook/instagram_user_insights.json",
         "instagram/insights/999_20261121T060000Z.json", {},
         quarantined="the file name says account 999 but the response is account "
         "17841400008460056", id="instagram_user_insights.json-misfiled"),
    Case("python-facebook/facebook_feeds_default_fields_p1.json",
         "facebook/posts/20261121T060000Z.json", {"facebook/posts": 5}, _fb_posts),
    Case("restfb/page-with-insights.json", "facebook/insights/20261121T060000Z.json",
         {"facebook/insights": 6}, _fb_nested),
    Case("restfb/insight-page-1.json", "facebook/insights/123456_20190612T060000Z_001.json",
         {"facebook/insights": 2}, _fb_page_1),
    Case("restfb/insight-page-1.json", "facebook/insights/20190612T060000Z_001.json", {},
         quarantined="account id must lead the file name", id="insight-page-1.json-unnamed"),
    Case("restfb/insight-page-2.json", "facebook/insights/123456_20190612T060000Z_002.json",
         {"facebook/insights": 1}, _fb_page_2),
    # The end of a pagination chain: an empty page is valid and lands nothing.
    Case("restfb/insight-page-3.json", "facebook/insights/123456_20190612T060000Z_003.json",
         {"facebook/insights": 0}),
    Case("ebx-linkedin-sdk/organizationFollowerStatistics.json",
         "linkedin/follower_statistics/20261121T060000Z.json",
         {"linkedin/follower_statistics": 1}, _li_lifetime),
]  # fmt: skip


@pytest.mark.skipif(not HAVE_CORPUS, reason=CORPUS_MISSING)
def test_every_corpus_file_has_a_case() -> None:
    real = {
        str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.suffix in {".json", ".jsonl"}
    }
    assert real == {case.source for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[case.test_id for case in CASES])
def test_corpus_file(home: Home, case: Case) -> None:
    land(home, case.rel, corpus_file(case.source))
    report = ingest_landing(home)
    if case.quarantined:
        assert report.files_ingested == 0 and len(report.quarantined) == 1
        path, reason = report.quarantined[0]
        assert path == case.rel and reason.startswith(case.rel)
        assert case.quarantined in reason, reason
        assert (home.quarantine / case.rel).exists()
        return
    assert report.quarantined == [] and report.files_ingested == 1
    assert {k: v for k, v in report.rows_by_kind.items() if v or k in case.rows} == case.rows
    rows = {}
    for table, count in case.rows.items():
        platform, kind = table.split("/")
        rows[table] = lake_rows(home, platform, kind)
        assert len(rows[table]) == count
        assert all(r["source_file"] == case.rel for r in rows[table])
    if case.check:
        case.check(rows)
    assert ingest_landing(home).files_ingested == 0, "a rerun adds nothing"
