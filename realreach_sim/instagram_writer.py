"""Instagram Graph API responses (users, insights, media) and "Download your information" exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from realreach_sim import vocab
from realreach_sim.accounts import Account
from realreach_sim.audience import Ledger
from realreach_sim.ids import random_tokens
from realreach_sim.landing_io import (
    Pull,
    SimulatedWriter,
    graph_time,
    json_bytes,
    pacific_end_time,
    zip_bytes,
)

MIN_FOLLOWERS_FOR_FOLLOWER_COUNT = 100  # Instagram gives no follower_count to small accounts
DYI_EVERY = 28
DYI_ZIP_ENTRY = "connections/followers_and_following/followers_1.json"
MEDIA_TYPES = ("IMAGE", "CAROUSEL_ALBUM", "VIDEO")
_TITLES = {
    "follower_count": "Follower Count",
    "reach": "Reach",
    "profile_views": "Profile Views",
    "website_clicks": "Website Clicks",
    "views": "Views",
}


def insight_entry(owner_id: str, name: str, values: list[dict[str, Any]]) -> dict[str, Any]:
    """One metric of a Graph API insights response (Instagram and Facebook spell it alike)."""
    return {
        "name": name,
        "period": "day",
        "values": values,
        "title": _TITLES.get(name, name.replace("_", " ").title()),
        "description": f"Daily {name.replace('_', ' ')}",
        "id": f"{owner_id}/insights/{name}/day",
    }


def follower_usernames(rng: np.random.Generator, bought: np.ndarray) -> list[str]:
    """People pick names; the accounts a seller creates get generated ones."""
    n = len(bought)
    firsts = [vocab.FIRST_NAMES[i].lower() for i in rng.integers(0, len(vocab.FIRST_NAMES), n)]
    lasts = [vocab.LAST_NAMES[i].lower() for i in rng.integers(0, len(vocab.LAST_NAMES), n)]
    digits = rng.integers(1, 9999, n).tolist()
    junk = random_tokens(rng, n, 6, lower=True)
    return [
        f"{f}{j}{d}" if b else (f"{f}.{last}" if d % 3 else f"{f}_{last}{d % 100}").replace("'", "")
        for f, last, d, j, b in zip(firsts, lasts, digits, junk, bought.tolist(), strict=True)
    ]


@dataclass
class InstagramWriter(SimulatedWriter):
    ledgers: dict[int, Ledger] = field(default_factory=dict)
    usernames: dict[int, list[str]] = field(default_factory=dict)

    def write_account(self, account: Account, pull: Pull) -> None:
        series = self.growth[account.index]
        posted = sum(1 for p in self.posts[account.index] if p.created_ms <= pull.at_ms)
        name = f"{account.account_id}_{pull.stamp}.json"
        if self.counts_due(pull):  # the profile (followers_count); weekly cadence: once a week
            self.put_json(
                "users",
                name,
                {
                    "id": account.account_id,
                    "username": account.handle,
                    "followers_count": int(series.followers[pull.day]),
                    "follows_count": account.following_start,
                    "media_count": account.tweets_start // 3 + posted,
                },
            )
        self._insights(account, pull, name)
        self._media(account, pull, name)
        if account.index in self.ledgers and (pull.day + 1) % DYI_EVERY == 0:
            self._dyi(account, pull)

    def _insights(self, account: Account, pull: Pull, name: str) -> None:
        series, act = self.growth[account.index], self.activity[account.index]
        days = list(self.covered_days(pull))
        metrics = {
            "follower_count": series.gained,
            "reach": act.reach,
            "profile_views": act.profile_views,
            "website_clicks": act.website_clicks,
            "views": act.impressions,
        }
        data = []
        for metric, values in metrics.items():
            shown = [
                {"value": int(values[d]), "end_time": pacific_end_time(self.date_of(d))}
                for d in days
                if metric != "follower_count"
                or series.followers[d] >= MIN_FOLLOWERS_FOR_FOLLOWER_COUNT
            ]
            if shown:
                data.append(insight_entry(account.account_id, metric, shown))
        base = f"https://graph.facebook.com/v21.0/{account.account_id}/insights"
        paging = {"previous": f"{base}?period=day&until={pull.at_ms // 1000 - 86400}",
                  "next": f"{base}?period=day&since={pull.at_ms // 1000}"}  # fmt: skip
        self.put_json("insights", name, {"data": data, "paging": paging})

    def _media(self, account: Account, pull: Pull, name: str) -> None:
        data = []
        for post in self.recent_posts(account.index, pull):
            m = post.metrics_at(pull.at_ms)
            data.append(
                {
                    "id": str(post.id),
                    "timestamp": graph_time(post.created_ms),
                    "media_type": MEDIA_TYPES[post.id % 3],
                    "like_count": m["like_count"],
                    "comments_count": m["reply_count"],
                    "permalink": f"https://www.instagram.com/p/{_shortcode(post.id)}/",
                }
            )
        body: dict[str, Any] = {"data": data}
        if data:
            body["paging"] = {
                "cursors": {"before": _cursor(data[0]["id"]), "after": _cursor(data[-1]["id"])}
            }
        self.put_json("media", name, body)

    def _dyi(self, account: Account, pull: Pull) -> None:
        ledger = self.ledgers[account.index]
        names = self.usernames[account.index]
        rows = [
            {
                "title": "",
                "media_list_data": [],
                "string_list_data": [
                    {
                        "href": f"https://www.instagram.com/{names[i]}",
                        "value": names[i],
                        "timestamp": int(ledger.followed_ms[i] // 1000),
                    }
                ],
            }
            for i in ledger.present(pull.day).tolist()
        ]
        body = json_bytes(rows)
        if (pull.day + 1) // DYI_EVERY % 2:
            self.put_bytes("dyi", f"{account.account_id}_{pull.stamp}.json", body)
        else:
            self.put_bytes(
                "dyi", f"{account.account_id}_{pull.stamp}.zip", zip_bytes({DYI_ZIP_ENTRY: body})
            )


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _shortcode(media_id: int) -> str:
    code = ""
    n = media_id
    while n:
        n, r = divmod(n, 64)
        code = _B64[r] + code
    return code[-11:]


def _cursor(media_id: str) -> str:
    return "QVFI" + media_id[-12:]
