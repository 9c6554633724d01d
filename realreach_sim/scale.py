"""Landing folders with the shape of a real team's pulls, for benchmarks: many accounts, small files.

The full simulator (``generate``) models audiences follower by follower, which is right for
judging a detector and far too slow (and too heavy: whole follower lists every day) for
measuring ingestion at 200-1,000 accounts. This writer reproduces the *shape* measured on an
outside landing folder instead: about 500 files and 1 MB of JSON per account-year, every
platform, one pull a day — a daily counter file per account and a content page every third
day. Numbers are cheap random walks, seeded per account, so any subset of days (a year with a
week held back, the next day, the backfilled week) is written identically on its own.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

#: Share of accounts per platform (a team has more X and Instagram handles than pages).
PLATFORM_MIX = (("x", 0.4), ("instagram", 0.25), ("facebook", 0.15), ("linkedin", 0.2))
#: A content page (timeline, media, posts, share statistics) every CONTENT_EVERY days.
CONTENT_EVERY = 3
_ROLES = ("brand", "leader", "employee", "employee")
_WORDS = ("data", "pipelines", "trust", "teams", "dashboards", "hiring", "launch", "customers",
          "growth", "lessons", "weekend", "conference", "release", "changelog", "metrics",
          "reach", "community", "product", "roadmap", "onboarding")  # fmt: skip


@dataclass(frozen=True)
class ScaleAccount:
    index: int
    platform: str
    account_id: str
    handle: str
    role: str


@dataclass(frozen=True)
class ScaleResult:
    landing: Path
    accounts: int
    days: int
    files: int
    bytes: int

    def __str__(self) -> str:
        return (
            f"wrote {self.files:,} files ({self.bytes / 1e6:.1f} MB) for {self.accounts} "
            f"accounts × {self.days} day(s) into {self.landing}"
        )


def roster(accounts: int, seed: int) -> list[ScaleAccount]:
    """The accounts, split over the platforms by PLATFORM_MIX; ids unique per platform."""
    rng = random.Random(seed)
    out: list[ScaleAccount] = []
    cuts = np.cumsum([share for _, share in PLATFORM_MIX])
    for i in range(accounts):
        platform = PLATFORM_MIX[int(np.searchsorted(cuts, (i + 0.5) / accounts))][0]
        if platform == "x":
            account_id = str(10**9 + rng.randrange(10**9) * 1000 + i)
        elif platform == "instagram":
            account_id = str(17841400000000000 + rng.randrange(10**8) * 1000 + i)
        elif platform == "facebook":
            account_id = str(100000000000000 + rng.randrange(10**8) * 1000 + i)
        else:
            account_id = str(10_000_000 + rng.randrange(10**4) * 1000 + i)
        out.append(
            ScaleAccount(i, platform, account_id, f"acct{i:05d}{platform[:2]}", _ROLES[i % 4])
        )
    return out


def write_registry(landing: Path, accounts: Sequence[ScaleAccount]) -> Path:
    lines = ["platform,account_id,handle,owner,role"]
    lines += [f"{a.platform},{a.account_id},{a.handle},Owner {a.index},{a.role}" for a in accounts]
    path = landing / "accounts.csv"
    landing.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def _followers(account: ScaleAccount, seed: int, length: int) -> np.ndarray:
    """A year of follower counts: log-normal start, small daily drift, one bought jump."""
    rng = np.random.default_rng([seed, account.index])
    start = float(np.exp(rng.normal(9.0, 1.5)))
    steps = rng.normal(0.001, 0.004, length)
    series = start * np.exp(np.cumsum(steps))
    if account.index % 7 == 3:  # some accounts buy followers once: a step that stays
        jump_at = int(rng.integers(length // 4, max(length // 4 + 1, length - 30)))
        series[jump_at:] += start * 0.25
    return np.maximum(series.round(), 1).astype(np.int64)


def _ts(day: date) -> str:
    return f"{day:%Y%m%d}T235000Z"


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 18))).capitalize() + "."


def _posts(account: ScaleAccount, seed: int, start: date, day_index: int, n: int):
    """Posts of the last CONTENT_EVERY days as seen on ``day_index``: stable ids, growing counts."""
    for back in range(CONTENT_EVERY):
        d = day_index - back
        if d < 0:
            continue
        rng = random.Random(f"{seed}/{account.index}/{d}")
        when = datetime.combine(start + timedelta(days=d), datetime.min.time(), tzinfo=UTC)
        for k in range(n):
            age = back + 1
            created = when + timedelta(seconds=rng.randrange(82_800))  # before the 23:50 pull
            post_id = str(1_900_000_000_000_000_000 + account.index * 10**7 + d * 100 + k)
            likes = int(rng.paretovariate(1.5) * 20 * age)
            yield post_id, created, likes, rng


def _files_for(
    account: ScaleAccount, seed: int, start: date, day_index: int, followers: int
) -> list[tuple[str, object]]:
    """(landing-relative path, JSON body) of one account's pulls on one day."""
    day = start + timedelta(days=day_index)
    stamp = _ts(day)
    aid = account.account_id
    out: list[tuple[str, object]] = []
    content = day_index % CONTENT_EVERY == account.index % CONTENT_EVERY
    end_time = f"{day + timedelta(days=1):%Y-%m-%d}T08:00:00+0000"
    if account.platform == "x":
        out.append((f"x/users/{aid}_{stamp}.json", {"data": [{
            "id": aid, "name": f"Owner {account.index}", "username": account.handle,
            "created_at": "2014-10-05T21:37:23.000Z",
            "description": "Building things with data. Opinions my own.", "location": "Zürich",
            "url": "", "protected": False, "verified": account.role != "employee",
            "profile_image_url": f"https://pbs.twimg.com/profile_images/{aid}/a_normal.jpg",
            "public_metrics": {"followers_count": followers, "following_count": 300 + account.index,
                               "tweet_count": 4000 + day_index * 3, "listed_count": followers // 900,
                               "like_count": 8000 + day_index}}]}))  # fmt: skip
        if content:
            tweets = [
                {"id": pid, "text": _text(rng), "author_id": aid,
                 "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                 "conversation_id": pid, "edit_history_tweet_ids": [pid], "lang": "en",
                 "public_metrics": {"retweet_count": likes // 10, "reply_count": likes // 20,
                                    "like_count": likes, "quote_count": likes // 50,
                                    "impression_count": likes * 40, "bookmark_count": likes // 30}}
                for pid, created, likes, rng in _posts(account, seed, start, day_index, 4)
            ]  # fmt: skip
            body = {"data": tweets, "meta": {"result_count": len(tweets)}} if tweets else {
                "meta": {"result_count": 0}}  # fmt: skip
            out.append((f"x/tweets/{aid}_{stamp}.json", body))
    elif account.platform == "instagram":
        out.append((f"instagram/users/{aid}_{stamp}.json", {
            "id": aid, "username": account.handle, "followers_count": followers,
            "follows_count": 200 + account.index % 300, "media_count": 100 + day_index}))  # fmt: skip
        if content:
            media = [
                {"id": pid, "timestamp": created.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                 "media_type": ("IMAGE", "VIDEO", "CAROUSEL_ALBUM")[int(pid) % 3],
                 "like_count": likes, "comments_count": likes // 12,
                 "caption": _text(rng),
                 "permalink": f"https://www.instagram.com/p/{pid[-11:]}/"}
                for pid, created, likes, rng in _posts(account, seed, start, day_index, 8)
            ]  # fmt: skip
            out.append((f"instagram/media/{aid}_{stamp}.json", {"data": media}))
    elif account.platform == "facebook":
        rng = random.Random(f"{seed}/{account.index}/{day_index}/fb")
        # Daily follows/unfollows within a tenth of the page's count: the marts integrate them
        # from the nearest count, and a tiny page gaining 900 in a day went below zero (the
        # not_negative test failed the build at 1,000 accounts).
        cap = max(1, followers // 10)
        metrics = (("page_follows", followers),
                   ("page_daily_follows_unique", rng.randint(0, min(900, cap))),
                   ("page_daily_unfollows_unique", rng.randint(0, min(200, cap))),
                   ("page_post_engagements", rng.randint(0, 3000)),
                   ("page_media_view", rng.randint(0, 40000)))  # fmt: skip
        out.append((f"facebook/insights/{aid}_{stamp}.json", {"data": [
            {"name": name, "period": "day", "values": [{"value": value, "end_time": end_time}],
             "title": name.replace("_", " ").title(),
             "description": f"Daily {name.replace('_', ' ')}", "id": f"{aid}/insights/{name}/day"}
            for name, value in metrics]}))  # fmt: skip
        if content:
            posts = [
                {"id": f"{aid}_{pid}", "created_time": created.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                 "message": _text(rng), "shares": {"count": likes // 9},
                 "reactions": {"data": [], "summary": {"total_count": likes,
                                                       "viewer_reaction": "NONE"}},
                 "comments": {"data": [], "summary": {"order": "ranked",
                                                      "total_count": likes // 10,
                                                      "can_comment": True}}}
                for pid, created, likes, rng in _posts(account, seed, start, day_index, 4)
            ]  # fmt: skip
            out.append((f"facebook/posts/{aid}_{stamp}.json", {"data": posts}))
    else:
        out.append((f"linkedin/network_sizes/{aid}_{stamp}.json", {"firstDegreeSize": followers}))
        if content:
            elements = []
            for back in range(14):  # a two-week window of daily share statistics
                d = day_index - back
                if d < 0:
                    break
                rng = random.Random(f"{seed}/{account.index}/{d}/li")
                begin = datetime.combine(start + timedelta(days=d), datetime.min.time(), tzinfo=UTC)
                ms = int(begin.timestamp() * 1000)
                impressions = rng.randint(100, 30000)
                clicks, likes, comments, shares = (
                    impressions // 250, impressions // 60, impressions // 600, impressions // 500,
                )  # fmt: skip
                elements.append({
                    "totalShareStatistics": {
                        "uniqueImpressionsCount": impressions * 7 // 10, "shareCount": shares,
                        "engagement": (clicks + likes + comments + shares) / impressions,
                        "clickCount": clicks, "likeCount": likes,
                        "impressionCount": impressions, "commentCount": comments},
                    "organizationalEntity": f"urn:li:organization:{aid}",
                    "timeRange": {"start": ms, "end": ms + 86_400_000}})  # fmt: skip
            out.append((f"linkedin/share_statistics/{aid}_{stamp}.json", {
                "paging": {"start": 0, "count": len(elements), "links": []},
                "elements": elements}))  # fmt: skip
    return out


def _write_accounts(
    landing: str, accounts: list[ScaleAccount], seed: int, start: date, days: list[int]
) -> tuple[int, int]:
    root = Path(landing)
    length = max(days) + 1
    files = size = 0
    made: set[Path] = set()
    for account in accounts:
        followers = _followers(account, seed, length)
        for d in days:
            for rel, body in _files_for(account, seed, start, d, int(followers[d])):
                path = root / rel
                if path.parent not in made:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    made.add(path.parent)
                data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
                path.write_bytes(data)
                files += 1
                size += len(data)
    return files, size


def write_scale(
    landing: Path,
    *,
    accounts: int,
    days: Iterable[int],
    start: date,
    seed: int = 0,
    workers: int | None = None,
    registry: bool = True,
) -> ScaleResult:
    """Writes the pulls of ``days`` (indexes from ``start``) for ``accounts`` accounts.

    Deterministic per (seed, account, day): writing days 0-99 and 107-364 and later 100-106
    gives the same files as writing 0-364 at once (how the bench lands a backfilled week).
    """
    wanted = sorted(set(days))
    if not wanted or wanted[0] < 0:
        raise ValueError("days must be non-negative day indexes")
    people = roster(accounts, seed)
    landing.mkdir(parents=True, exist_ok=True)
    files = size = 0
    if registry:
        path = write_registry(landing, people)
        files, size = 1, path.stat().st_size
    workers = workers or min(2, os.cpu_count() or 1)
    chunks = [people[i::workers] for i in range(workers)]
    if workers == 1 or accounts < 8:
        results = [_write_accounts(str(landing), people, seed, start, wanted)]
    else:
        with ProcessPoolExecutor(workers) as pool:
            results = list(
                pool.map(_write_accounts, [str(landing)] * workers, chunks,
                         [seed] * workers, [start] * workers, [wanted] * workers)
            )  # fmt: skip
    for f, s in results:
        files += f
        size += s
    return ScaleResult(landing, accounts, len(wanted), files, size)
