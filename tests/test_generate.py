"""The synthetic export generator: contract layout, X API shapes, and the injected events."""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import re
import shutil
import statistics
import zipfile
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from realreach_sim import generate
from realreach_sim.events import HISTORY_DAYS, SEPARATION_DAYS, plan_events
from realreach_sim.generator import simulate
from realreach_sim.ids import day_start_ms, rng_for
from realreach_sim.labels import build_labels

END = date(2026, 11, 20)
STAMP = r"\d{8}T\d{6}Z"
NAME_PATTERNS = {
    "users": re.compile(rf"^{STAMP}\.json$"),
    "tweets": re.compile(rf"^\d+_{STAMP}\.json$"),
    "followers": re.compile(rf"^\d+_{STAMP}(_\d{{3}})?\.json$"),
    "archive": re.compile(rf"^\d+_{STAMP}\.zip$"),
    "analytics": re.compile(rf"^\d+_{STAMP}\.csv$"),
}
ANY_NAME = re.compile(rf"^\d+_{STAMP}(_\d{{3}})?\.(json|zip)$")
PLATFORMS = ("x", "instagram", "facebook", "linkedin")
CONTRACT_KINDS = {
    "x/users", "x/tweets", "x/followers", "x/archive", "x/analytics", "instagram/users",
    "instagram/insights", "instagram/media", "instagram/dyi", "facebook/insights",
    "facebook/posts", "linkedin/follower_statistics", "linkedin/network_sizes",
    "linkedin/share_statistics",
}  # fmt: skip
USER_METRICS = {"followers_count", "following_count", "tweet_count", "listed_count", "like_count"}
TWEET_METRICS = {
    "retweet_count", "reply_count", "like_count", "quote_count", "impression_count",
    "bookmark_count",
}  # fmt: skip


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default run (8 accounts, 90 days, seed 7), pinned to a fixed end date."""
    out = tmp_path_factory.mktemp("landing")
    generate(out, end=END)
    return out


@pytest.fixture(scope="module")
def labels(landing: Path) -> dict[str, Any]:
    return json.loads((landing / "labels.json").read_text())


def _x_events(labels: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in labels["events"] if e["type"] == kind and e["platform"] == "x"]


def _read(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _stamp_day(name: str) -> date:
    return datetime.strptime(re.search(STAMP, name).group(0), "%Y%m%dT%H%M%SZ").date()


def _followers_by_day(landing: Path) -> dict[str, dict[date, int]]:
    counts: dict[str, dict[date, int]] = defaultdict(dict)
    for path in sorted((landing / "x" / "users").iterdir()):
        for user in _read(path)["data"]:
            counts[user["id"]][_stamp_day(path.name)] = user["public_metrics"]["followers_count"]
    return counts


def _pull_followers(landing: Path, account_id: str, day: date) -> list[dict[str, Any]]:
    pages = sorted((landing / "x" / "followers").glob(f"{account_id}_{day:%Y%m%d}T*.json"))
    return [user for page in pages for user in _read(page).get("data", [])]


def _low_quality(user: dict[str, Any]) -> bool:
    m = user["public_metrics"]
    return m["followers_count"] <= 10 and m["tweet_count"] <= 5 and m["following_count"] >= 500


def test_same_arguments_give_identical_tree_and_seed_changes_it(tmp_path: Path) -> None:
    args = {"accounts": 3, "days": 21, "end": END}
    generate(tmp_path / "a", seed=11, **args)
    generate(tmp_path / "b", seed=11, **args)
    generate(tmp_path / "c", seed=12, **args)
    a, b, c = _tree(tmp_path / "a"), _tree(tmp_path / "b"), _tree(tmp_path / "c")
    assert len(a) > 50
    assert a == b
    assert a != c
    assert a.keys() != c.keys()  # other seed, other account ids


def test_unknown_platforms_and_scenarios_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^unknown platform 'myspace'; "):
        generate(tmp_path, platforms=("x", "myspace"))
    with pytest.raises(ValueError, match="available: x, instagram, facebook, linkedin"):
        generate(tmp_path, platforms=["orkut"])
    with pytest.raises(ValueError, match="unknown scenario 'chaos'"):
        generate(tmp_path, scenario="chaos")
    assert not any(tmp_path.iterdir())  # refused before writing anything


def test_end_defaults_to_yesterday_and_labels_path_is_honoured(tmp_path: Path) -> None:
    result = generate(tmp_path / "out", accounts=1, days=2, labels_path=tmp_path / "l.json")
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    assert result.end == yesterday
    assert result.labels_path == tmp_path / "l.json"
    assert _read(tmp_path / "l.json")["end"] == yesterday.isoformat()
    assert not (tmp_path / "out" / "labels.json").exists()


def test_files_follow_the_landing_layout(landing: Path, labels: dict[str, Any]) -> None:
    files = [p.relative_to(landing) for p in landing.rglob("*") if p.is_file()]
    assert {str(p) for p in files if len(p.parts) == 1} == {"accounts.csv", "labels.json"}
    ids = {a["account_id"] for a in labels["accounts"]}
    kinds = set()
    for path in files:
        if len(path.parts) == 1:
            continue
        platform, kind, name = path.parts
        kinds.add(f"{platform}/{kind}")
        assert (NAME_PATTERNS.get(kind) if platform == "x" else None or ANY_NAME).match(name), path
        if kind != "users" or platform != "x":
            assert name.split("_")[0] in ids, path
    assert kinds == CONTRACT_KINDS
    with (landing / "accounts.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["platform", "account_id", "handle", "owner", "role"]
    assert {(r["platform"], r["account_id"]) for r in rows} == {
        (a["platform"], a["account_id"]) for a in labels["accounts"]
    }
    assert {r["platform"] for r in rows if r["role"] == "brand"} == set(PLATFORMS)
    assert {r["role"] for r in rows if r["platform"] == "linkedin"} == {"brand"}
    roles = [r["role"] for r in rows if r["platform"] == "x"]
    assert roles.count("brand") == 1 and roles.count("leader") == 2
    assert set(roles) == {"brand", "leader", "employee"}


def test_accounts_span_tiny_to_huge(labels: dict[str, Any]) -> None:
    sizes = [a["followers_start"] for a in labels["accounts"]]
    assert min(sizes) < 100 and max(sizes) > 3_000_000
    assert {a["size_class"] for a in labels["accounts"]} >= {"tiny", "huge"}
    assert all(a["account_id"].isdigit() for a in labels["accounts"])


def test_users_files_are_users_lookup_responses(landing: Path, labels: dict[str, Any]) -> None:
    paths = sorted((landing / "x" / "users").iterdir())
    missing = {e["date"] for e in _x_events(labels, "missing_pull")}
    assert len(paths) == 90 - len(missing)
    assert not missing & {_stamp_day(p.name).isoformat() for p in paths}
    for path in paths:
        assert path.name.endswith("T235000Z.json")
        body = _read(path)
        assert len(body["data"]) == 8
        for user in body["data"]:
            assert user["id"].isdigit()
            assert set(user["public_metrics"]) == USER_METRICS
            assert user["created_at"].endswith(".000Z")
            for key in ("name", "username", "description", "location", "url", "profile_image_url"):
                assert isinstance(user[key], str)
            assert isinstance(user["verified"], bool) and user["protected"] is False


def test_timelines_carry_last_week_with_growing_metrics(landing: Path) -> None:
    seen: dict[str, dict[str, int]] = {}
    kinds: set[str] = set()
    for path in sorted((landing / "x" / "tweets").iterdir(), key=lambda p: _stamp_day(p.name)):
        body = _read(path)
        pulled = datetime.strptime(path.stem.split("_")[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        data = body.get("data", [])
        assert body["meta"]["result_count"] == len(data)
        if not data:
            continue
        assert body["meta"]["newest_id"] == data[0]["id"]
        assert body["meta"]["oldest_id"] == data[-1]["id"]
        ids = [int(t["id"]) for t in data]
        assert ids == sorted(ids, reverse=True)  # newest first, ids grow with time
        for tweet in data:
            assert tweet["author_id"] == path.name.split("_")[0]
            created = datetime.fromisoformat(tweet["created_at"].replace("Z", "+00:00"))
            assert timedelta(0) < pulled - created <= timedelta(days=7)
            assert set(tweet["public_metrics"]) == TWEET_METRICS
            refs = tweet.get("referenced_tweets", [{"type": "original"}])
            kinds.add(refs[0]["type"])
            if refs[0]["type"] == "replied_to":
                assert tweet["in_reply_to_user_id"].isdigit()
            before = seen.get(tweet["id"])
            if before:
                assert all(tweet["public_metrics"][k] >= v for k, v in before.items())
            seen[tweet["id"]] = tweet["public_metrics"]
    assert kinds == {"original", "replied_to", "retweeted", "quoted"}


def test_followers_pages_are_followers_lookup_pages(landing: Path) -> None:
    pulls: dict[str, list[Path]] = defaultdict(list)
    for path in (landing / "x" / "followers").iterdir():
        pulls[path.name[: path.name.index("Z") + 1]].append(path)
    truncated = 0
    for pages in pulls.values():
        pages.sort()
        assert 1 <= len(pages) <= 3
        for n, path in enumerate(pages, start=1):
            body = _read(path)
            data = body.get("data", [])
            assert body["meta"]["result_count"] == len(data) <= 1000
            if n < len(pages):
                assert len(data) == 1000 and body["meta"]["next_token"]
            elif "next_token" in body["meta"]:
                truncated += 1  # a huge account's pull stopped after its page budget
                assert len(pages) == 3 and len(data) == 1000
            for user in data:
                assert user["id"].isdigit() and user["created_at"].endswith("Z")
                assert set(user["public_metrics"]) >= {
                    "followers_count", "following_count", "tweet_count", "listed_count",
                }  # fmt: skip
                assert user["profile_image_url"].startswith("https://")
    assert truncated > 0


def test_follower_counts_add_up_with_gains_and_losses(landing: Path) -> None:
    sim = simulate(accounts=8, days=90, seed=7, start=END - timedelta(days=89))
    counts = _followers_by_day(landing)
    missing = set(sim.plan.missing_pulls)
    for series in sim.growth:
        account = series.account
        followers = series.followers
        # The model's own bookkeeping: yesterday + gained - lost, never negative.
        assert followers[0] == account.followers_start + series.gained[0] - series.lost[0]
        assert (followers[1:] - followers[:-1] == series.gained[1:] - series.lost[1:]).all()
        assert (series.real_audience > 0).all() and (series.lost >= 0).all()
        previous = None
        for d in range(90):
            if d in missing:
                continue
            day = sim.start + timedelta(days=d)
            assert counts[account.account_id][day] == followers[d]
            # The followers pages hold exactly the follows since the last pull (when all fit).
            since = 0 if previous is None else previous + 1
            gained = int(series.gained[since : d + 1].sum())
            listed = _pull_followers(landing, account.account_id, day)
            assert len(listed) == min(gained, 3000)
            if previous is not None and gained <= 3000:
                change = (
                    counts[account.account_id][day]
                    - counts[account.account_id][sim.start + timedelta(days=previous)]
                )
                assert change == gained - int(series.lost[since : d + 1].sum())
            previous = d


def test_organic_growth_is_small_for_small_accounts_and_dips_on_weekends(
    landing: Path, labels: dict[str, Any]
) -> None:
    counts = _followers_by_day(landing)
    event_accounts = {e.get("account_id") for e in labels["events"]}
    tiny = min(
        (a for a in labels["accounts"] if a["platform"] == "x"), key=lambda a: a["followers_start"]
    )
    days = sorted(counts[tiny["account_id"]])
    diffs = [
        counts[tiny["account_id"]][b] - counts[tiny["account_id"]][a]
        for a, b in itertools.pairwise(days)
    ]
    if tiny["account_id"] not in event_accounts:
        assert statistics.median(diffs) <= 2
    sim = simulate(accounts=8, days=90, seed=7, start=END - timedelta(days=89))
    big = max(sim.growth, key=lambda s: s.account.followers_start)
    weekday = [
        int(g) for d, g in enumerate(big.genuine_gain) if (sim.start + timedelta(d)).weekday() < 5
    ]
    weekend = [
        int(g) for d, g in enumerate(big.genuine_gain) if (sim.start + timedelta(d)).weekday() >= 5
    ]
    assert statistics.median(weekend) < statistics.median(weekday)
    assert (big.organic_loss > 0).mean() > 0.9  # big accounts lose a few people every day


def test_defaults_hold_two_bursts_and_two_viral_posts(labels: dict[str, Any]) -> None:
    start = date.fromisoformat(labels["start"])
    bursts, virals = _x_events(labels, "bought_followers"), _x_events(labels, "viral_post")
    assert len(bursts) >= 2 and len(virals) >= 2
    assert len({e["account_id"] for e in bursts}) >= 2
    assert len({e["account_id"] for e in virals}) >= 2
    spans: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for e in bursts:
        first, last = date.fromisoformat(e["start"]), date.fromisoformat(e["end"])
        assert (first - start).days >= HISTORY_DAYS and 0 <= (last - first).days <= 1
        spans[e["account_id"]].append((first, last))
    for e in virals:
        day = date.fromisoformat(e["date"])
        assert (day - start).days >= HISTORY_DAYS
        spans[e["account_id"]].append((day, day + timedelta(days=1)))
    for intervals in spans.values():
        intervals.sort()
        for (_, end_a), (start_b, _) in itertools.pairwise(intervals):
            assert (start_b - end_a).days > SEPARATION_DAYS
    assert any(e["type"] == "missing_pull" for e in labels["events"])


@pytest.mark.parametrize("seed", range(40))
def test_event_rules_hold_for_any_seed(seed: int) -> None:
    for accounts, days in ((4, 60), (5, 61), (8, 90), (20, 365)):
        plan = plan_events(accounts, days, rng_for(seed, 2))
        assert len(plan.bursts) >= 2 and len(plan.virals) >= 2
        used = [b.account for b in plan.bursts] + [v.account for v in plan.virals]
        assert len(set(used)) == len(used)  # every event on its own account
        assert all(b.start >= HISTORY_DAYS and b.start + b.days <= days for b in plan.bursts)
        assert all(HISTORY_DAYS <= v.day < days - 1 for v in plan.virals)
        assert not set(plan.missing_pulls) & plan.busy_days()


def test_bursts_show_in_counts_and_are_low_quality(landing: Path, labels: dict[str, Any]) -> None:
    counts = _followers_by_day(landing)
    for event in _x_events(labels, "bought_followers"):
        account_id = event["account_id"]
        series = counts[account_id]
        first, last = date.fromisoformat(event["start"]), date.fromisoformat(event["end"])
        assert event["followers"] >= max(300, 5 * event["normal_daily_gain"])
        assert 0.2 * event["followers"] <= event["lost_later"] <= 0.6 * event["followers"] + 1
        jump = series[last] - series[first - timedelta(days=1)]
        assert jump >= 0.9 * event["followers"]
        assert jump >= 5 * event["normal_daily_gain"] * ((last - first).days + 1)
        # The purge takes a share back: the count falls on some later days.
        purge = [
            series[d] - series[d - timedelta(days=1)]
            for d in sorted(series)
            if d > last + timedelta(days=2) and d - timedelta(days=1) in series
        ]
        assert min(purge) < 0
        burst_users = _pull_followers(landing, account_id, first)
        quiet = [
            u
            for k in range(10, 20)
            for u in _pull_followers(landing, account_id, first - timedelta(days=k))
        ]
        share_burst = sum(map(_low_quality, burst_users)) / len(burst_users)
        assert share_burst > 0.5
        if quiet:
            assert sum(map(_low_quality, quiet)) / len(quiet) < 0.15
        # ... but not every bought account is blank, and not every newcomer looks real.
        bought = [u for u in burst_users if _low_quality(u)]
        assert any(u["description"] for u in bought)
        assert any("default_profile" not in u["profile_image_url"] for u in bought)


def test_bursts_bring_no_reach(landing: Path, labels: dict[str, Any]) -> None:
    for event in _x_events(labels, "bought_followers"):
        first = date.fromisoformat(event["start"])
        before, after = [], []
        for path in (landing / "x" / "tweets").glob(f"{event['account_id']}_*.json"):
            day = _stamp_day(path.name)
            for tweet in _read(path).get("data", []):
                created = date.fromisoformat(tweet["created_at"][:10])
                if "referenced_tweets" in tweet or (day - created).days != 6:
                    continue  # originals only, with their metrics a week after posting
                impressions = tweet["public_metrics"]["impression_count"]
                (before if created < first else after).append(impressions)
        if len(before) >= 5 and len(after) >= 3:
            assert statistics.median(after) < 2 * statistics.median(before)


def test_viral_posts_jump_and_bring_real_followers(landing: Path, labels: dict[str, Any]) -> None:
    counts = _followers_by_day(landing)
    for event in _x_events(labels, "viral_post"):
        account_id, day = event["account_id"], date.fromisoformat(event["date"])
        assert 20 <= event["interaction_multiplier"] <= 100
        viral_metrics, others = None, []
        for path in (landing / "x" / "tweets").glob(f"{account_id}_*.json"):
            for tweet in _read(path).get("data", []):
                if tweet["id"] == event["post_id"] and _stamp_day(path.name) == day:
                    viral_metrics = tweet["public_metrics"]
                elif "referenced_tweets" not in tweet and tweet["id"] != event["post_id"]:
                    others.append(tweet["public_metrics"])
        assert viral_metrics is not None, "the viral post is in the pull of its own day"
        for key in ("impression_count", "like_count"):
            typical = statistics.median(m[key] for m in others)
            assert viral_metrics[key] >= 8 * max(typical, 1)
        series = counts[account_id]
        days = sorted(series)
        gains = [series[b] - series[a] for a, b in itertools.pairwise(days)]
        lift = series[day + timedelta(days=1)] - series[day - timedelta(days=1)]
        assert lift >= 3 * max(statistics.median(gains), 1) and event["followers_gained"] > 0
        newcomers = _pull_followers(landing, account_id, day)
        assert sum(map(_low_quality, newcomers)) / len(newcomers) < 0.15


def test_user_ids_within_a_draw_are_unique() -> None:
    import numpy as np

    from realreach_sim.ids import user_ids

    rng = np.random.default_rng(1)
    created = np.full(5000, 1_300_000_000_000)  # one instant before snowflakes: worst case
    assert len(set(user_ids(created, rng).tolist())) == 5000


# ---- every platform and format (an eval run across Meta's 2025-11-15 metric rename) ----
CUTOFF_END = date(2025, 12, 10)
LABEL_KEYS = {
    "bought_followers": {"start", "end", "followers", "factor", "shape", "normal_daily_gain",
                         "lost_later", "purge_start", "purge_end"},
    "viral_post": {"date", "post_id", "interaction_multiplier", "followers_gained"},
    "giveaway": {"start", "end", "followers_gained", "comments_multiplier"},
    "paid_campaign": {"start", "end", "followers_gained", "impressions_multiplier"},
    "purge": {"date", "followers_lost"},
    "missing_pull": {"date"},
}  # fmt: skip


@pytest.fixture(scope="module")
def evalrun(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("eval")
    generate(out, accounts=8, days=75, seed=5, end=CUTOFF_END, scenario="eval")
    return out, _read(out / "labels.json")


def _insight_values(paths: list[Path]) -> dict[str, dict[str, int]]:
    """metric → end_time → value, over every insights file given."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for path in paths:
        for entry in _read(path)["data"]:
            _owner, _, metric, period = entry["id"].split("/")
            assert (metric, period, entry["period"]) == (entry["name"], "day", "day")
            for v in entry["values"]:
                out[metric][v["end_time"]] = v["value"]
    return out


def _end_time(day: date) -> str:
    # End of the Pacific day: 07:00 UTC in summer time, 08:00 in winter.
    end = datetime.combine(day + timedelta(days=1), time(0), ZoneInfo("America/Los_Angeles"))
    return end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def test_end_time_marks_the_end_of_the_pacific_day() -> None:
    assert _end_time(date(2026, 6, 1)) == "2026-06-02T07:00:00+0000"  # FORMATS.md's example
    assert _end_time(date(2025, 12, 1)) == "2025-12-02T08:00:00+0000"


def test_instagram_files_follow_the_graph_api(evalrun: tuple[Path, dict[str, Any]]) -> None:
    out, labels = evalrun
    accounts = [a for a in labels["accounts"] if a["platform"] == "instagram"]
    assert accounts
    for account in accounts:
        aid = account["account_id"]
        users = sorted((out / "instagram" / "users").glob(f"{aid}_*.json"))
        counts = {}
        for path in users:
            body = _read(path)
            assert set(body) == {
                "id",
                "username",
                "followers_count",
                "follows_count",
                "media_count",
            }
            counts[_stamp_day(path.name)] = body["followers_count"]
        values = _insight_values(sorted((out / "instagram" / "insights").glob(f"{aid}_*.json")))
        assert {"reach", "profile_views", "website_clicks", "views"} <= set(values)
        assert "impressions" not in values  # removed by Instagram in 2025
        days = sorted(counts)
        for day in days:
            assert _end_time(day) in values["reach"]
        # follower_count is the day's new followers: at least the net change, never negative;
        # absent for accounts under 100 followers.
        for a, b in itertools.pairwise(days):
            if (b - a).days == 1 and counts[b] >= 100:
                new = values["follower_count"][_end_time(b)]
                assert new >= counts[b] - counts[a] and new >= 0
            if counts[b] < 100:
                assert _end_time(b) not in values.get("follower_count", {})
        for path in sorted((out / "instagram" / "media").glob(f"{aid}_*.json"))[-5:]:
            for media in _read(path)["data"]:
                assert set(media) == {"id", "timestamp", "media_type", "like_count",
                                      "comments_count", "permalink"}  # fmt: skip
                assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000", media["timestamp"])
                assert media["permalink"].startswith("https://www.instagram.com/p/")


def test_instagram_dyi_dates_real_follows_and_the_burst(
    evalrun: tuple[Path, dict[str, Any]],
) -> None:
    out, labels = evalrun
    exports = sorted((out / "instagram" / "dyi").iterdir())
    assert {p.suffix for p in exports} == {".json", ".zip"}
    for path in exports:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                assert archive.namelist() == [
                    "connections/followers_and_following/followers_1.json"
                ]
                rows = json.loads(archive.read(archive.namelist()[0]))
        else:
            rows = _read(path)
        aid, pulled = path.name.split("_")[0], _stamp_day(path.name)
        users = _read(sorted((out / "instagram" / "users").glob(f"{aid}_{pulled:%Y%m%d}*"))[0])
        assert len(rows) == users["followers_count"]  # the complete list at that time
        stamps = []
        for row in rows:
            (item,) = row["string_list_data"]
            assert item["href"] == f"https://www.instagram.com/{item['value']}"
            stamps.append(item["timestamp"])
        assert stamps == sorted(stamps, reverse=True)
        for event in labels["events"]:
            if event["type"] != "bought_followers" or event["account_id"] != aid:
                continue
            first, last = date.fromisoformat(event["start"]), date.fromisoformat(event["end"])
            if pulled <= last:
                continue
            inside = sum(
                first <= datetime.fromtimestamp(s, UTC).date() <= last for s in stamps
            )  # the bought ones still there are dated inside the burst
            assert inside >= event["followers"] - event["lost_later"]


def test_facebook_insights_use_old_names_before_the_rename_and_reconcile(
    evalrun: tuple[Path, dict[str, Any]],
) -> None:
    out, _ = evalrun
    paths = sorted((out / "facebook" / "insights").iterdir())
    assert any(re.search(r"_\d{3}\.json$", p.name) for p in paths)  # some pulls split per metric
    values = _insight_values(paths)
    old = {"page_fans": "page_follows", "page_fan_adds_unique": "page_daily_follows_unique",
           "page_fan_removes_unique": "page_daily_unfollows_unique",
           "page_impressions": "page_media_view"}  # fmt: skip
    rename = _end_time(date(2025, 11, 14))
    for before, after in old.items():
        assert values[before] and values[after]
        assert max(values[before]) <= rename < min(values[after])
    merged = {m: {**values[o], **values[m]} for o, m in old.items()}
    follows = merged["page_follows"]
    times = sorted(follows)
    for a, b in itertools.pairwise(times):
        assert follows[b] - follows[a] == (
            merged["page_daily_follows_unique"][b] - merged["page_daily_unfollows_unique"][b]
        )
    assert values["page_post_engagements"]
    for path in sorted((out / "facebook" / "posts").iterdir())[-3:]:
        for post in _read(path)["data"]:
            page, _, _ = post["id"].partition("_")
            assert path.name.startswith(page + "_")
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000", post["created_time"])
            assert post["reactions"]["summary"]["total_count"] >= 0
            assert post["comments"]["summary"]["total_count"] >= 0
            assert post.get("shares", {"count": 1})["count"] > 0


def test_linkedin_sizes_grow_by_organic_plus_paid_minus_losses(
    evalrun: tuple[Path, dict[str, Any]],
) -> None:
    out, labels = evalrun
    sim = simulate(accounts=8, days=75, seed=5, start=CUTOFF_END - timedelta(days=74),
                   platforms=PLATFORMS, scenario="eval")  # fmt: skip
    for series in sim.platforms["linkedin"].growth:
        aid = series.account.account_id
        sizes = {
            _stamp_day(p.name): _read(p)["firstDegreeSize"]
            for p in (out / "linkedin" / "network_sizes").glob(f"{aid}_*.json")
        }
        gains: dict[date, tuple[int, int]] = {}
        for path in sorted((out / "linkedin" / "follower_statistics").glob(f"{aid}_*.json")):
            for el in _read(path)["elements"]:
                assert el["organizationalEntity"] == f"urn:li:organization:{aid}"
                start = datetime.fromtimestamp(el["timeRange"]["start"] / 1000, UTC)
                assert el["timeRange"]["end"] - el["timeRange"]["start"] == 86_400_000
                assert (_stamp_day(path.name) - start.date()).days >= 2  # data lags
                g = el["followerGains"]
                gains[start.date()] = (g["organicFollowerGain"], g["paidFollowerGain"])
        for d, (organic, paid) in gains.items():
            i = (d - sim.start).days
            if i and d in sizes and d - timedelta(days=1) in sizes:
                lost = int(series.lost[i])
                assert sizes[d] - sizes[d - timedelta(days=1)] == organic + paid - lost
        campaigns = [e for e in labels["events"]
                     if e["type"] == "paid_campaign" and e["account_id"] == aid]  # fmt: skip
        for e in campaigns:
            paid = sum(p for d, (_, p) in gains.items() if e["start"] <= d.isoformat() <= e["end"])
            assert paid > 0
        stats = _read(sorted((out / "linkedin" / "share_statistics").glob(f"{aid}_*.json"))[-1])
        keys = {"clickCount", "commentCount", "engagement", "impressionCount", "likeCount",
                "shareCount", "uniqueImpressionsCount"}  # fmt: skip
        assert all(set(el["totalShareStatistics"]) == keys for el in stats["elements"])


def test_x_archives_and_tweet_activity_csv(evalrun: tuple[Path, dict[str, Any]]) -> None:
    out, _ = evalrun
    archives = sorted((out / "x" / "archive").iterdir())
    assert archives
    styles = set()
    for path in archives:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            files = {n: archive.read(n).decode() for n in names}
        styles.add("data/tweets.js" in names)
        assert {"data/account.js", "data/follower.js", "data/following.js"} <= names
        for name, text in files.items():
            base = name.removeprefix("data/").removesuffix(".js").split("-part")[0]
            head, _, body = text.partition(" = ")
            assert re.fullmatch(rf"window\.YTD\.{base}\.part\d+", head)
            items = json.loads(body)
            if base in ("tweets", "tweet"):
                for item in items:
                    tweet = item["tweet"]
                    assert isinstance(tweet["favorite_count"], str)
                    assert isinstance(tweet["retweet_count"], str)
                    datetime.strptime(tweet["created_at"], "%a %b %d %H:%M:%S +0000 %Y")
        account = json.loads(files["data/account.js"].partition(" = ")[2])[0]["account"]
        assert path.name.startswith(account["accountId"] + "_")
        followers = json.loads(files["data/follower.js"].partition(" = ")[2])
        (same_day,) = (out / "x" / "users").glob(f"{path.name.split('_')[1][:8]}T*.json")
        users = _read(same_day)["data"]
        count = next(u for u in users if u["id"] == account["accountId"])
        assert len(followers) == count["public_metrics"]["followers_count"]
    assert styles == {True, False}  # new tweets.js and older tweet.js layouts
    csvs = sorted((out / "x" / "analytics").iterdir())
    assert csvs
    with csvs[-1].open(newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    assert header[:6] == ["Tweet id", "Tweet permalink", "Tweet text", "time", "impressions",
                          "engagements"]  # fmt: skip
    assert "promoted impressions" in header and len(header) == 4 + 2 * 18
    for row in rows[1:]:
        record = dict(zip(header, row, strict=True))
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d \+0000", record["time"])
        assert re.fullmatch(r"\d+\.0", record["impressions"])
        assert record["promoted impressions"] == "-" or record["promoted impressions"].endswith(
            ".0"
        )


def test_labels_follow_the_spec_and_eval_covers_every_event_and_size(
    evalrun: tuple[Path, dict[str, Any]],
) -> None:
    _, labels = evalrun
    assert labels["scenario"] == "eval"
    assert {a["platform"] for a in labels["accounts"]} == set(PLATFORMS)
    for a in labels["accounts"]:
        assert set(a) == {"platform", "account_id", "handle", "owner", "role", "size_class",
                          "followers_start", "followers_end", "normal_daily_gain"}  # fmt: skip
        assert a["normal_daily_gain"] > 0
    assert {a["size_class"] for a in labels["accounts"]} == {
        "tiny",
        "small",
        "medium",
        "large",
        "huge",
    }
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    spans: dict[tuple[str, str], list[tuple[date, date]]] = defaultdict(list)
    start = date.fromisoformat(labels["start"])
    for e in labels["events"]:
        by_type[e["type"]].append(e)
        assert LABEL_KEYS[e["type"]] <= set(e), e
        if e["type"] == "missing_pull":
            continue
        first = date.fromisoformat(e.get("start") or e["date"])
        last = date.fromisoformat(e.get("end") or e["date"])
        spans[(e["platform"], e["account_id"])].append((first, last))
        assert (first - start).days >= 28
    assert set(by_type) == set(LABEL_KEYS)
    for periods in spans.values():
        for (_, end_a), (start_b, _) in itertools.pairwise(sorted(periods)):
            assert (start_b - end_a).days >= 8  # at least 7 clean days between
    bought = by_type["bought_followers"]
    assert {e["shape"] for e in bought} == {"burst", "drip"}
    for e in bought:
        days = (date.fromisoformat(e["end"]) - date.fromisoformat(e["start"])).days + 1
        assert days <= 2 if e["shape"] == "burst" else 5 <= days <= 7
        assert e["factor"] == pytest.approx(
            e["followers"] / days / e["normal_daily_gain"], rel=0.02
        )
    explained = sum(len(by_type[t]) for t in ("viral_post", "giveaway", "paid_campaign"))
    assert 0.6 <= explained / len(bought) <= 1.6  # roughly balanced
    factors = [e["factor"] for e in bought]
    assert min(factors) < 10 and max(factors) > 100


def test_eval_labels_agree_with_the_simulated_series() -> None:
    start = CUTOFF_END - timedelta(days=74)
    sim = simulate(accounts=8, days=75, seed=5, start=start, platforms=PLATFORMS, scenario="eval")
    labels = build_labels(seed=5, start=start, end=CUTOFF_END, pull_time="23:50:00",
                          platforms=list(sim.platforms.values()), scenario="eval")  # fmt: skip
    series = {(g.account.platform, g.account.account_id): g
              for ps in sim.platforms.values() for g in ps.growth}  # fmt: skip
    posts = {(ps.platform, g.account.account_id): ps.posts[g.account.index]
             for ps in sim.platforms.values() for g in ps.growth}  # fmt: skip
    seen = set()
    for e in labels["events"]:
        if e["type"] == "missing_pull":
            continue
        g = series[(e["platform"], e["account_id"])]
        first = (date.fromisoformat(e.get("start") or e["date"]) - start).days
        last = (date.fromisoformat(e.get("end") or e["date"]) - start).days
        window = slice(first, last + 1)
        normal = g.normal_daily_gain()
        seen.add(e["type"])
        if e["type"] == "bought_followers":
            assert int(g.bought_gain[window].sum()) == e["followers"]
            assert int(g.bought_gain.sum()) >= e["followers"]
            assert e["lost_later"] == 0 or int(g.purge_loss.sum()) >= e["lost_later"]
        elif e["type"] == "purge":
            assert int(g.cleanup_loss[first]) == e["followers_lost"] > 0
            assert g.lost[first] > 3 * normal  # a sudden loss, well above a day's unfollows
            assert not any(  # no purchase before it: not the aftermath of a bought burst
                b["type"] == "bought_followers" and b["account_id"] == e["account_id"]
                and b["start"] < e["date"]
                for b in labels["events"]
            )  # fmt: skip
        elif e["type"] in ("giveaway", "paid_campaign"):
            assert e["followers_gained"] > 0
            assert g.genuine_gain[window].mean() > 2 * normal
            assert int(g.bought_gain[window].sum()) == 0
            if e["type"] == "paid_campaign":
                assert abs(g.impressions_mult[window] - e["impressions_multiplier"]).max() < 0.06
                assert int(g.paid_gain[window].sum()) == e["followers_gained"]
            else:
                ms0 = day_start_ms(start) + first * 86_400_000
                ms1 = day_start_ms(start) + (last + 1) * 86_400_000
                during = [p.final[1] for p in posts[(e["platform"], e["account_id"])]
                          if ms0 <= p.created_ms < ms1 and p.kind == "original"]  # fmt: skip
                before = [p.final[1] for p in posts[(e["platform"], e["account_id"])]
                          if p.created_ms < ms0 and p.kind == "original"]  # fmt: skip
                if during and before and sum(before):
                    assert statistics.mean(during) > 2 * statistics.mean(before)
        elif e["type"] == "viral_post":
            assert int(g.genuine_gain[first : first + 2].sum()) >= e["followers_gained"]
    assert seen == {"bought_followers", "viral_post", "giveaway", "paid_campaign", "purge"}


def test_eval_is_deterministic_and_one_platform_writes_only_its_own(tmp_path: Path) -> None:
    args = {"accounts": 4, "days": 45, "end": END, "scenario": "eval", "seed": 4}
    generate(tmp_path / "a", **args)
    generate(tmp_path / "b", **args)
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    generate(tmp_path / "x", platforms=["x"], **args)
    assert {p.name for p in (tmp_path / "x").iterdir()} == {"x", "accounts.csv", "labels.json"}
    labels = _read(tmp_path / "x" / "labels.json")
    assert {a["platform"] for a in labels["accounts"]} == {"x"}
    assert {e["platform"] for e in labels["events"]} == {"x"}
    # X files are the same whether or not the other platforms are written beside them.
    x_only = {k: v for k, v in _tree(tmp_path / "a").items() if k.startswith("x/")}
    assert x_only == {k: v for k, v in _tree(tmp_path / "x").items() if k.startswith("x/")}


def test_command_line_passes_scenario_and_platforms(tmp_path: Path, capsys) -> None:
    from realreach.cli import main

    args = ["--accounts", "3", "--days", "40", "--end", "2026-10-31", "--seed", "2"]
    assert main(["generate", "--out", str(tmp_path), *args, "--scenario", "eval",
                 "--platforms", "linkedin", "facebook"]) == 0  # fmt: skip
    assert "facebook/insights" in capsys.readouterr().out
    labels = _read(tmp_path / "labels.json")
    assert labels["scenario"] == "eval"
    assert {a["platform"] for a in labels["accounts"]} == {"facebook", "linkedin"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "accounts.csv", "facebook", "labels.json", "linkedin",
    ]  # fmt: skip


def test_older_archives_split_tweets_into_parts(landing: Path) -> None:
    parts = {}
    for path in sorted((landing / "x" / "archive").iterdir()):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.startswith("data/tweet-part"):
                    parts[name] = archive.read(name).decode()
    assert parts, "a long older-style archive carries data/tweet-part1.js"
    for name, text in parts.items():
        n = name.removeprefix("data/tweet-part").removesuffix(".js")
        assert text.startswith(f"window.YTD.tweet.part{n} = [")
        assert all("tweet" in item for item in json.loads(text.partition(" = ")[2]))


def test_every_generated_file_ingests_without_quarantine(
    tmp_path: Path, evalrun: tuple[Path, dict[str, Any]]
) -> None:
    """Round trip: the exports of every platform and kind parse with the real ingestion."""
    from ingestion.run import ingest_landing
    from realreach_core.home import Home

    out, _ = evalrun
    home = Home(tmp_path / "home").ensure()
    shutil.copytree(out, home.landing, dirs_exist_ok=True)
    (home.landing / "labels.json").unlink()
    report = ingest_landing(home)
    assert report.files_quarantined == 0, sorted(
        p.name for p in (tmp_path / "home" / "quarantine").rglob("*.error.json")
    )[:5]
    assert report.files_ingested == sum(1 for p in home.landing.rglob("*") if p.is_file())
    kinds = {k for k, rows in report.rows_by_kind.items() if rows > 0}
    assert {
        "x/users", "x/tweets", "x/followers", "x/analytics", "x/archive_account",
        "x/archive_relations", "instagram/users", "instagram/insights", "instagram/media",
        "instagram/dyi_followers", "facebook/insights", "facebook/posts",
        "linkedin/follower_statistics", "linkedin/network_sizes", "linkedin/share_statistics",
        "registry/accounts",
    } <= kinds  # fmt: skip


def _posts_written(out: Path, platform: str, aid: str) -> dict[str, tuple[date, int, int | None]]:
    """Per-post files of one account: post id → (UTC day posted, comments, impressions or None),
    the largest counts any pull showed (they only grow)."""
    kind, created, comments = {
        "x": ("tweets", "created_at", lambda p: p["public_metrics"]["reply_count"]),
        "instagram": ("media", "timestamp", lambda p: p["comments_count"]),
        "facebook": ("posts", "created_time", lambda p: p["comments"]["summary"]["total_count"]),
    }[platform]
    seen: dict[str, tuple[date, int, int | None]] = {}
    for path in (out / platform / kind).glob(f"{aid}_*.json"):
        for post in _read(path).get("data", []):
            day = datetime.fromisoformat(post[created].replace("Z", "+00:00")).date()
            views = post["public_metrics"]["impression_count"] if platform == "x" else None
            old = seen.get(post["id"], (day, 0, views))
            seen[post["id"]] = (day, max(old[1], comments(post)),
                                None if views is None else max(old[2] or 0, views))  # fmt: skip
    return seen


def _daily_written(out: Path, platform: str, aid: str, days: list[date]) -> dict[date, tuple]:
    """Account-level files: day → (comments or engagements, impressions)."""
    if platform == "linkedin":
        daily = {}
        for path in (out / "linkedin" / "share_statistics").glob(f"{aid}_*.json"):
            for el in _read(path)["elements"]:
                day = datetime.fromtimestamp(el["timeRange"]["start"] / 1000, UTC).date()
                s = el["totalShareStatistics"]
                daily[day] = (s["commentCount"], s["impressionCount"])
        return daily
    values = _insight_values(sorted((out / platform / "insights").glob(f"{aid}_*.json")))
    if platform == "instagram":
        pairs = ("reach", "views")  # Instagram insights have no comments
    else:
        values["page_media_view"].update(values.get("page_impressions", {}))
        pairs = ("page_post_engagements", "page_media_view")
    ends = {_end_time(d): d for d in days}
    return {ends[t]: (v, values[pairs[1]][t]) for t, v in values[pairs[0]].items() if t in ends}


@pytest.fixture(scope="module")
def fullevalrun(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The shape `make eval` generates (12 accounts × 120 days) on a development seed."""
    out = tmp_path_factory.mktemp("fulleval")
    generate(out, accounts=12, days=120, seed=1, end=CUTOFF_END, scenario="eval")
    return out, _read(out / "labels.json")


def test_every_giveaway_and_campaign_has_its_post_and_lift_in_the_files(
    fullevalrun: tuple[Path, dict[str, Any]],
) -> None:
    """A giveaway's contest post draws the entrants' comments; a campaign promotes posts.

    Before, a giveaway on a page that seldom posts had no post to comment on and a campaign no
    post to promote, so nothing in the files moved with their follows (eval false positives).
    """
    out, labels = fullevalrun
    start = date.fromisoformat(labels["start"])
    days = [start + timedelta(days=i) for i in range(120)]
    checked: set[tuple[str, str]] = set()
    for e in labels["events"]:
        if e["type"] not in ("giveaway", "paid_campaign"):
            continue
        platform, aid = e["platform"], e["account_id"]
        first, last = date.fromisoformat(e["start"]), date.fromisoformat(e["end"])
        window = [d for d in days if first <= d <= last]
        before = [d for d in days if first - timedelta(days=28) <= d < first]
        if platform != "linkedin":  # LinkedIn's exports have no per-post data
            posts = _posts_written(out, platform, aid)
            during = [p for p in posts.values() if first <= p[0] <= last]
            earlier = [p for p in posts.values() if p[0] < first]
            assert any(p[0] == first for p in during), (platform, aid, e)
            if e["type"] == "giveaway":
                usual = statistics.mean([p[1] for p in earlier] or [0])
                assert max(p[1] for p in during) >= max(2 * usual, 3), (platform, aid, e)
            elif platform == "x":
                usual = statistics.median([p[2] for p in earlier] or [0])
                assert max(p[2] for p in during) > 1.5 * usual, (platform, aid, e)
        # X has no account-level daily files; Instagram's count no comments (its media do).
        if platform != "x" and (platform, e["type"]) != ("instagram", "giveaway"):
            daily = _daily_written(out, platform, aid, days)
            col = 0 if e["type"] == "giveaway" else 1
            usual = statistics.mean(daily[d][col] for d in before if d in daily)
            lifted = max(daily[d][col] for d in window if d in daily)
            assert lifted > 1.5 * usual + 1, (platform, aid, e, lifted, usual)
        checked.add((platform, e["type"]))
    assert {p for p, _ in checked} == set(PLATFORMS)
    assert {t for _, t in checked} == {"giveaway", "paid_campaign"}
