"""The X exports a person downloads rather than pulls: account archive .zip and tweet activity CSV.

Archives are written every ``ARCHIVE_EVERY`` days for a few X accounts whose complete follower
list stays under ``audience.LEDGER_CAP``; every other archive has the older layout (``tweet.js``,
split into ``-part1.js`` when long), so parsers meet both. Tweet activity CSVs cover the tweets of the
last 28 days, weekly, for every X account (the account id leads the name: the CSV never says).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from realreach_sim.accounts import DAY_MS, Account
from realreach_sim.audience import Ledger
from realreach_sim.ids import iso_ms, pull_stamp
from realreach_sim.landing_io import LandingWriter, Pull, csv_bytes, zip_bytes
from realreach_sim.model import GrowthSeries, ProfileCounters
from realreach_sim.posts import Post

ARCHIVE_EVERY = 14
ARCHIVE_EARLIER_MS = 2 * 3600_000  # the archive is ready two hours before that day's pull
ANALYTICS_EVERY = 7
ANALYTICS_WINDOW_DAYS = 28
TWEETS_PER_PART = (
    25  # older archives split long tweet files into parts (small, so parsers meet parts)
)
ANALYTICS_COLUMNS = (
    "impressions", "engagements", "engagement rate", "retweets", "replies", "likes",
    "user profile clicks", "url clicks", "hashtag clicks", "detail expands", "permalink clicks",
    "app opens", "app installs", "follows", "email tweet", "dial phone", "media views",
    "media engagements",
)  # fmt: skip
ANALYTICS_HEADER = [
    "Tweet id", "Tweet permalink", "Tweet text", "time",
    *ANALYTICS_COLUMNS, *(f"promoted {c}" for c in ANALYTICS_COLUMNS),
]  # fmt: skip


def ytd(name: str, items: list[dict[str, Any]], part: int = 0) -> bytes:
    """An archive data file: ``window.YTD.<name>.partN = [ ... ]``."""
    # One item per line: readable like the real files, and the C encoder (indent= is pure Python).
    body = ",\n  ".join(json.dumps(i, ensure_ascii=False) for i in items)
    return (
        f"window.YTD.{name}.part{part} = [\n  {body}\n]".encode()
        if items
        else (f"window.YTD.{name}.part{part} = [ ]".encode())
    )


def archive_time(ms: int) -> str:
    """Archive tweets' created_at: Sat Feb 18 19:45:15 +0000 2023."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%a %b %d %H:%M:%S +0000 %Y")


def _archive_tweet(post: Post, account: Account, at_ms: int) -> dict[str, Any]:
    m = post.metrics_at(at_ms)
    tweet: dict[str, Any] = {
        "retweeted": False,
        "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
        "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
        "display_text_range": ["0", str(len(post.text))],
        "favorite_count": str(m["like_count"]),
        "id_str": str(post.id),
        "truncated": False,
        "retweet_count": str(m["retweet_count"]),
        "id": str(post.id),
        "created_at": archive_time(post.created_ms),
        "favorited": False,
        "full_text": post.text,
        "lang": "en",
    }
    if post.ref_type == "replied_to":
        tweet["in_reply_to_status_id_str"] = tweet["in_reply_to_status_id"] = str(post.ref_id)
        tweet["in_reply_to_user_id_str"] = tweet["in_reply_to_user_id"] = post.in_reply_to_user_id
    return {"tweet": tweet}


def _fmt(value: int | float | None) -> str:
    if value is None:
        return "-"
    return repr(float(value)) if isinstance(value, float) else f"{value}.0"


@dataclass
class XExportWriter(LandingWriter):
    accounts: list[Account] | None = None
    growth: list[GrowthSeries] | None = None
    counters: list[ProfileCounters] | None = None
    posts: list[list[Post]] | None = None
    ledgers: dict[int, Ledger] | None = None  # account index → ledger (archived accounts)
    follower_ids: dict[int, np.ndarray] | None = None
    following_ids: dict[int, np.ndarray] | None = None

    def write_pull(self, pull: Pull) -> None:
        assert self.accounts is not None and self.ledgers is not None
        if (pull.day + 1) % ARCHIVE_EVERY == 0:
            for index in sorted(self.ledgers):
                self._archive(self.accounts[index], pull)
        if (pull.day + 1) % ANALYTICS_EVERY == 0:
            for account in self.accounts:
                self._analytics(account, pull)

    def _archive(self, account: Account, pull: Pull) -> None:
        assert self.posts and self.ledgers and self.follower_ids and self.following_ids
        assert self.counters is not None
        # Archives are generated hours apart from the API pull: their tweets are observed at
        # another time than the same tweets in that day's timeline (no duplicate observations).
        at_ms = pull.at_ms - ARCHIVE_EARLIER_MS
        tweets = [
            _archive_tweet(p, account, at_ms)
            for p in reversed(self.posts[account.index])
            if p.created_ms <= at_ms and p.kind != "retweet"
        ]
        entries = {
            "data/account.js": ytd(
                "account",
                [
                    {
                        "account": {
                            "email": f"{account.handle}@example.com",
                            "createdVia": "web",
                            "username": account.handle,
                            "accountId": account.account_id,
                            "createdAt": iso_ms(np.array([account.created_ms]))[0],
                            "accountDisplayName": account.name,
                        }
                    }
                ],
            )
        }
        if (pull.day + 1) // ARCHIVE_EVERY % 2 == 0:
            entries["data/tweets.js"] = ytd("tweets", tweets)
        else:  # the older layout (every other archive): tweet.js, split into parts when long
            for part in range(max(1, -(-len(tweets) // TWEETS_PER_PART))):
                chunk = tweets[part * TWEETS_PER_PART : (part + 1) * TWEETS_PER_PART]
                name = "data/tweet.js" if part == 0 else f"data/tweet-part{part}.js"
                entries[name] = ytd("tweet", chunk, part)
        present = self.ledgers[account.index].present(pull.day)
        ids = self.follower_ids[account.index][present]
        entries["data/follower.js"] = ytd(
            "follower",
            [
                {
                    "follower": {
                        "accountId": str(i),
                        "userLink": f"https://twitter.com/intent/user?user_id={i}",
                    }
                }
                for i in ids.tolist()
            ],
        )
        following = self.following_ids[account.index][
            : int(self.counters[account.index].following[pull.day])
        ]
        entries["data/following.js"] = ytd(
            "following",
            [
                {
                    "following": {
                        "accountId": str(i),
                        "userLink": f"https://twitter.com/intent/user?user_id={i}",
                    }
                }
                for i in following.tolist()
            ],
        )
        stamp = pull_stamp(datetime.fromtimestamp(at_ms / 1000, tz=UTC))
        self.put_bytes("archive", f"{account.account_id}_{stamp}.zip", zip_bytes(entries))

    def _analytics(self, account: Account, pull: Pull) -> None:
        assert self.posts is not None and self.growth is not None
        series = self.growth[account.index]
        start_ms = pull.at_ms - (pull.at_ms % DAY_MS) - (pull.day * DAY_MS)
        rows = []
        for post in reversed(self.posts[account.index]):
            if post.kind == "retweet" or not (
                pull.at_ms - ANALYTICS_WINDOW_DAYS * DAY_MS < post.created_ms <= pull.at_ms
            ):
                continue
            m = post.metrics_at(pull.at_ms)
            imp = m["impression_count"]
            # Click-type counts are fixed shares of impressions: the same tweet grows between exports.
            clicks = {
                "user profile clicks": imp * 4 // 1000,
                "url clicks": imp * 3 // 1000 if "https://" in post.text else 0,
                "hashtag clicks": imp // 1000 if "#" in post.text else 0,
                "detail expands": imp * 12 // 1000,
                "permalink clicks": imp // 1000,
                "follows": imp // 5000,
                "media views": imp * 6 // 100 if post.id % 3 == 0 else 0,
            }
            clicks["media engagements"] = clicks["media views"] // 10
            engagements = (
                m["retweet_count"]
                + m["reply_count"]
                + m["like_count"]
                + sum(clicks.values())
                - clicks["media views"]
            )
            own = {
                "impressions": imp, "engagements": engagements,
                "engagement rate": engagements / imp if imp else 0.0,
                "retweets": m["retweet_count"], "replies": m["reply_count"], "likes": m["like_count"],
                "app opens": 0, "app installs": 0, "email tweet": 0, "dial phone": 0, **clicks,
            }  # fmt: skip
            day = int((post.created_ms - start_ms) // DAY_MS)
            lift = (
                float(series.impressions_mult[day])
                if 0 <= day < len(series.impressions_mult)
                else 1.0
            )
            if lift > 1 and series.paid_gain[day] > 0:  # promoted during a paid campaign
                paid_imp = int(imp * (lift - 1))
                paid_eng = int(engagements * (lift - 1) * 0.5)
                promoted: dict[str, int | float | None] = {c: 0 for c in ANALYTICS_COLUMNS}
                promoted.update({"impressions": paid_imp, "engagements": paid_eng,
                                 "engagement rate": paid_eng / paid_imp if paid_imp else 0.0})  # fmt: skip
            else:
                promoted = {c: None for c in ANALYTICS_COLUMNS}
            rows.append(
                [
                    str(post.id),
                    f"https://twitter.com/{account.handle}/status/{post.id}",
                    post.text,
                    datetime.fromtimestamp(post.created_ms / 1000, tz=UTC).strftime(
                        "%Y-%m-%d %H:%M +0000"
                    ),
                    *(_fmt(own[c]) for c in ANALYTICS_COLUMNS),
                    *(_fmt(promoted[c]) for c in ANALYTICS_COLUMNS),
                ]
            )
        self.put_bytes(
            "analytics", f"{account.account_id}_{pull.stamp}.csv", csv_bytes(ANALYTICS_HEADER, rows)
        )
