"""Facebook Page Insights (old metric names before Meta's 2025-11-15 rename) and page posts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from realreach_sim.accounts import Account
from realreach_sim.instagram_writer import insight_entry
from realreach_sim.landing_io import Pull, SimulatedWriter, graph_time, pacific_end_time

RENAMED_ON = date(2025, 11, 15)
# New name → the name Meta used before the rename (page_post_engagements kept its name).
OLD_NAMES = {
    "page_follows": "page_fans",
    "page_daily_follows_unique": "page_fan_adds_unique",
    "page_daily_unfollows_unique": "page_fan_removes_unique",
    "page_media_view": "page_impressions",
}
SPLIT_EVERY = 5  # every 5th pull asks metric by metric (one invalid metric fails a whole call)


@dataclass
class FacebookWriter(SimulatedWriter):
    def write_account(self, account: Account, pull: Pull) -> None:
        self._insights(account, pull)
        self._posts(account, pull)

    def _insights(self, account: Account, pull: Pull) -> None:
        series, act = self.growth[account.index], self.activity[account.index]
        metrics = {
            "page_follows": series.followers,
            "page_daily_follows_unique": series.gained,
            "page_daily_unfollows_unique": series.lost,
            "page_post_engagements": act.engagements,
            "page_media_view": act.impressions,
        }
        data = []
        for metric, values in metrics.items():
            by_name: dict[str, list[dict[str, Any]]] = {}
            for d in self.covered_days(pull):
                if metric == "page_follows" and not self.is_anchor(d):
                    continue  # weekly cadence: the lifetime count once a week, daily adds/removes
                day = self.date_of(d)
                name = OLD_NAMES.get(metric, metric) if day < RENAMED_ON else metric
                by_name.setdefault(name, []).append(
                    {"value": int(values[d]), "end_time": pacific_end_time(day)}
                )
            data += [insight_entry(account.account_id, n, v) for n, v in by_name.items()]
        base = f"{account.account_id}_{pull.stamp}"
        if pull.day % SPLIT_EVERY == SPLIT_EVERY - 1:
            for n, entry in enumerate(data, start=1):
                self.put_json("insights", f"{base}_{n:03d}.json", {"data": [entry]})
        else:
            self.put_json("insights", f"{base}.json", {"data": data})

    def _posts(self, account: Account, pull: Pull) -> None:
        data = []
        for post in self.recent_posts(account.index, pull):
            m = post.metrics_at(pull.at_ms)
            item: dict[str, Any] = {
                "id": f"{account.account_id}_{post.id}",
                "created_time": graph_time(post.created_ms),
                "message": post.text,
            }
            if m["retweet_count"]:  # Graph API leaves `shares` out of posts nobody shared
                item["shares"] = {"count": m["retweet_count"]}
            item["reactions"] = {
                "data": [],
                "summary": {"total_count": m["like_count"], "viewer_reaction": "NONE"},
            }
            item["comments"] = {
                "data": [],
                "summary": {
                    "order": "ranked",
                    "total_count": m["reply_count"],
                    "can_comment": True,
                },
            }
            data.append(item)
        body: dict[str, Any] = {"data": data}
        if data:
            body["paging"] = {
                "cursors": {
                    "before": f"Q2c4U1{data[0]['id'][-8:]}",
                    "after": f"Q2c4U1{data[-1]['id'][-8:]}",
                }
            }
        self.put_json("posts", f"{account.account_id}_{pull.stamp}.json", body)
