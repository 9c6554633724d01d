"""Writes one day's X pull in the X API v2 shapes, under ``<out>/x/<kind>/``.

Per pull: one users-lookup response for all accounts, one user-timeline response per account
(last 7 days of tweets with their current metrics) and the followers gained since the previous
pull, newest first, in pages of at most 1000 and at most 3 pages, as a client paging through
``GET /2/users/:id/followers`` until it meets known followers (or its page budget) would get.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from realreach_sim.accounts import DAY_MS, Account
from realreach_sim.ids import iso_ms, random_tokens
from realreach_sim.landing_io import Pull, write_json
from realreach_sim.model import GrowthSeries, ProfileCounters
from realreach_sim.posts import Post
from realreach_sim.profiles import new_followers

PAGE_SIZE = 1000
MAX_PAGES = 3
TIMELINE_DAYS = 7


@dataclass
class XWriter:
    out: Path
    accounts: list[Account]
    growth: list[GrowthSeries]
    counters: list[ProfileCounters]
    posts: list[list[Post]]
    files: Counter[str] = field(default_factory=Counter)
    followers_written: int = 0
    budget: int = PAGE_SIZE * MAX_PAGES  # new followers read per pull (Assumptions)

    def __post_init__(self) -> None:
        for kind in ("users", "tweets", "followers"):
            (self.out / "x" / kind).mkdir(parents=True, exist_ok=True)
        self._post_ms = [np.array([p.created_ms for p in ps], dtype=np.int64) for ps in self.posts]

    def write_pull(self, pull: Pull, rngs: list[np.random.Generator]) -> None:
        self._users(pull)
        for account in self.accounts:
            self._timeline(account, pull)
            self._followers(account, pull, rngs[account.index])

    def _tweet_count(self, account: Account, at_ms: int) -> int:
        return account.tweets_start + int(np.searchsorted(self._post_ms[account.index], at_ms))

    def _users(self, pull: Pull) -> None:
        data = []
        for a in self.accounts:
            g, c = self.growth[a.index], self.counters[a.index]
            data.append(
                {
                    "id": a.account_id,
                    "name": a.name,
                    "username": a.handle,
                    "created_at": iso_ms(np.array([a.created_ms]))[0],
                    "description": a.description,
                    "location": a.location,
                    "url": a.url,
                    "profile_image_url": a.profile_image_url,
                    "protected": False,
                    "verified": a.verified,
                    "public_metrics": {
                        "followers_count": int(g.followers[pull.day]),
                        "following_count": int(c.following[pull.day]),
                        "tweet_count": self._tweet_count(a, pull.at_ms),
                        "listed_count": int(c.listed[pull.day]),
                        "like_count": int(c.likes[pull.day]),
                    },
                }
            )
        write_json(self.out / "x" / "users" / f"{pull.stamp}.json", {"data": data})
        self.files["x/users"] += 1

    def _timeline(self, account: Account, pull: Pull) -> None:
        ms = self._post_ms[account.index]
        lo = int(np.searchsorted(ms, pull.at_ms - TIMELINE_DAYS * DAY_MS, side="right"))
        hi = int(np.searchsorted(ms, pull.at_ms, side="right"))
        recent = self.posts[account.index][lo:hi][::-1]  # newest first, as X returns them
        created = iso_ms(np.array([p.created_ms for p in recent], dtype=np.int64))
        data = []
        for post, when in zip(recent, created, strict=True):
            tweet: dict[str, Any] = {
                "id": str(post.id),
                "text": post.text,
                "author_id": account.account_id,
                "created_at": when,
                "conversation_id": str(post.conversation_id),
                "edit_history_tweet_ids": [str(post.id)],
                "lang": "en",
                "public_metrics": post.metrics_at(pull.at_ms),
            }
            if post.in_reply_to_user_id:
                tweet["in_reply_to_user_id"] = post.in_reply_to_user_id
            if post.ref_type:
                tweet["referenced_tweets"] = [{"type": post.ref_type, "id": str(post.ref_id)}]
            data.append(tweet)
        body: dict[str, Any] = {"meta": {"result_count": len(data)}}
        if data:
            body = {
                "data": data,
                "meta": {
                    "result_count": len(data),
                    "newest_id": data[0]["id"],
                    "oldest_id": data[-1]["id"],
                },
            }
        write_json(self.out / "x" / "tweets" / f"{account.account_id}_{pull.stamp}.json", body)
        self.files["x/tweets"] += 1

    def _followers(self, account: Account, pull: Pull, rng: np.random.Generator) -> None:
        g = self.growth[account.index]
        budget = self.budget
        parts: list[np.ndarray] = []
        available = 0
        for day in range(pull.day, pull.since_day - 1, -1):  # newest day first
            genuine, bought = int(g.genuine_gain[day]), int(g.bought_gain[day])
            available += genuine + bought
            take = min(genuine + bought, budget)
            if take == 0:
                continue
            # Follow times are uniform within a day, so the newest `take` are a random subset.
            n_bought = (
                bought if take == genuine + bought else rng.hypergeometric(bought, genuine, take)
            )
            mask = np.zeros(take, dtype=bool)
            mask[:n_bought] = True
            rng.shuffle(mask)
            parts.append(mask)
            budget -= take
        mask = np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
        users = new_followers(rng, mask, pull.at_ms)
        self.followers_written += len(users)
        base = self.out / "x" / "followers" / f"{account.account_id}_{pull.stamp}"
        pages = [users[i : i + PAGE_SIZE] for i in range(0, len(users), PAGE_SIZE)] or [[]]
        more_exist = available > len(users)
        for n, page in enumerate(pages, start=1):
            meta: dict[str, Any] = {"result_count": len(page)}
            if n < len(pages) or more_exist:  # the API hands a token while more followers exist
                meta["next_token"] = random_tokens(rng, 1, 16)[0].upper()
            body = {"data": page, "meta": meta} if page else {"meta": meta}
            suffix = "" if n == 1 else f"_{n:03d}"
            write_json(base.with_name(f"{base.name}{suffix}.json"), body)
            self.files["x/followers"] += 1
