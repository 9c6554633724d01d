"""Whole followers lists in follow order, with purchased batches, as X API v2 pages.

``GET /2/users/:id/followers`` lists an account's followers newest first. A purchase shows in
such a list as a run of consecutive followers created shortly before they followed (the
seller's fresh accounts), delivered within hours. This module builds such lists with known
truth (which positions were bought, when each purchase happened) for ``realreach generate``,
the tests and ``make eval``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from realreach_sim.accounts import DAY_MS
from realreach_sim.ids import iso_ms, random_tokens
from realreach_sim.landing_io import write_json
from realreach_sim.profiles import bought_followers, genuine_followers

PAGE_SIZE = 1000  # X's max_results for the followers lookup


@dataclass(frozen=True)
class Purchase:
    followed_ms: int  # when the seller started delivering
    followers: int
    hours: float = 4.0  # a delivery rush
    fresh_days: tuple[float, float] = (2, 60)  # account ages at the follow
    aged_share: float = 0.12  # "aged" accounts (180-720 days) in the order


@dataclass
class FollowerList:
    """A list newest first; per position: bought or not, which purchase, follow time."""

    users: list[dict[str, Any]]
    bought: np.ndarray
    purchase: np.ndarray  # index into purchases, -1 for genuine followers
    followed_ms: np.ndarray
    purchases: list[Purchase] = field(default_factory=list)

    def batch_positions(self, index: int) -> tuple[int, int]:
        """First and last 1-based positions of a purchase's followers (newest first)."""
        where = np.flatnonzero(self.purchase == index)
        return int(where.min()) + 1, int(where.max()) + 1


def build_list(
    rng: np.random.Generator,
    *,
    genuine: int,
    first_follow_ms: int,
    pull_ms: int,
    purchases: list[Purchase],
    genuine_followed_ms: np.ndarray | None = None,
) -> FollowerList:
    """``genuine`` followers spread over [first_follow_ms, pull_ms] (or followed at
    ``genuine_followed_ms``), plus the purchases."""
    genuine_ms = (
        rng.integers(first_follow_ms, pull_ms, genuine).astype(np.int64)
        if genuine_followed_ms is None
        else np.asarray(genuine_followed_ms, dtype=np.int64)
    )
    genuine = len(genuine_ms)
    parts_ms = [genuine_ms]
    parts_purchase = [np.full(genuine, -1)]
    for i, p in enumerate(purchases):
        parts_ms.append(p.followed_ms + (rng.random(p.followers) * p.hours * 3600_000).astype(int))
        parts_purchase.append(np.full(p.followers, i))
    followed = np.concatenate(parts_ms).astype(np.int64)
    which = np.concatenate(parts_purchase)
    order = np.argsort(-followed, kind="stable")  # newest first
    followed, which = followed[order], which[order]
    users: list[dict[str, Any] | None] = [None] * len(followed)
    is_genuine = which == -1
    made = genuine_followers(rng, int(is_genuine.sum()), pull_ms, followed[is_genuine])
    for pos, user in zip(np.flatnonzero(is_genuine).tolist(), made, strict=True):
        users[pos] = user
    for i, p in enumerate(purchases):
        mine = np.flatnonzero(which == i)
        made = bought_followers(
            rng, len(mine), pull_ms, followed[mine], fresh_days=p.fresh_days,
            aged_share=p.aged_share,
        )  # fmt: skip
        for pos, user in zip(mine.tolist(), made, strict=True):
            users[pos] = user
    _dedupe_ids(users)
    return FollowerList(
        [u for u in users if u is not None], which >= 0, which, followed, list(purchases)
    )


def _dedupe_ids(users: list[dict[str, Any] | None]) -> None:
    """Ids drawn in separate calls can collide; X never hands one out twice."""
    taken: set[str] = set()
    for user in users:
        assert user is not None
        uid = int(user["id"])
        while str(uid) in taken:
            uid += 1
        user["id"] = str(uid)
        taken.add(user["id"])


def write_pages(
    folder: Path, account_id: str, stamp: str, users: list[dict[str, Any]], *,
    rng: np.random.Generator, more: bool = False,
) -> list[Path]:  # fmt: skip
    """Pages of ``PAGE_SIZE`` as ``<account>_<stamp>[_NNN].json``, ``next_token`` while more
    follow (or ``more``: the puller stopped before the end of the list)."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = [users[i : i + PAGE_SIZE] for i in range(0, len(users), PAGE_SIZE)] or [[]]
    written = []
    for n, page in enumerate(pages, start=1):
        meta: dict[str, Any] = {"result_count": len(page)}
        if n < len(pages) or more:
            meta["next_token"] = random_tokens(rng, 1, 16)[0].upper()
        body = {"data": page, "meta": meta} if page else {"meta": meta}
        path = folder / f"{account_id}_{stamp}_{n:03d}.json"
        write_json(path, body)
        written.append(path)
    return written


def write_account(
    folder: Path, stamp: str, account_id: str, followers: int, created_ms: int
) -> Path:
    """Adds the audited account to the users lookup of ``stamp``, so the pipeline knows its
    follower count."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stamp}.json"
    data = json.loads(path.read_text())["data"] if path.exists() else []
    user = {
        "id": account_id,
        "name": f"Account {account_id}",
        "username": f"acct{account_id}",
        "created_at": iso_ms(np.array([created_ms], dtype=np.int64))[0],
        "public_metrics": {"followers_count": followers, "following_count": 300,
                           "tweet_count": 1000, "listed_count": 10},
    }  # fmt: skip
    write_json(path, {"data": [*data, user]})
    return path


def days_between(a_ms: int, b_ms: int) -> float:
    return (b_ms - a_ms) / DAY_MS
