"""LinkedIn organization page statistics: follower gains (organic/paid), network size, shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from realreach_sim.accounts import Account
from realreach_sim.landing_io import Pull, SimulatedWriter, day_range_ms

LAG_DAYS = 2  # time-bound statistics end at least two days before the request


@dataclass
class LinkedInWriter(SimulatedWriter):
    def write_account(self, account: Account, pull: Pull) -> None:
        series, act = self.growth[account.index], self.activity[account.index]
        urn = f"urn:li:organization:{account.account_id}"
        name = f"{account.account_id}_{pull.stamp}.json"
        days = self.covered_days(pull, LAG_DAYS)
        gains = [
            {
                "followerGains": {
                    # Bought followers arrive as ordinary (organic) follows; paid = sponsored content.
                    "organicFollowerGain": int(series.gained[d] - series.paid_gain[d]),
                    "paidFollowerGain": int(series.paid_gain[d]),
                },
                "organizationalEntity": urn,
                "timeRange": day_range_ms(self.date_of(d)),
            }
            for d in days
        ]
        self.put_json("follower_statistics", name, _page(gains))
        if self.counts_due(pull):  # one number per pull; weekly cadence: once a week
            self.put_json(
                "network_sizes", name, {"firstDegreeSize": int(series.followers[pull.day])}
            )
        shares = []
        for d in days:
            imp = int(act.impressions[d])
            clicks, likes = int(act.clicks[d]), int(act.likes[d])
            comments, reposts = int(act.comments[d]), int(act.shares[d])
            stats = {
                "uniqueImpressionsCount": int(act.reach[d]),
                "shareCount": reposts,
                "engagement": (clicks + likes + comments + reposts) / imp if imp else 0.0,
                "clickCount": clicks,
                "likeCount": likes,
                "impressionCount": imp,
                "commentCount": comments,
            }
            shares.append({"totalShareStatistics": stats, "organizationalEntity": urn,
                           "timeRange": day_range_ms(self.date_of(d))})  # fmt: skip
        self.put_json("share_statistics", name, _page(shares))


def _page(elements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"paging": {"start": 0, "count": len(elements), "links": []}, "elements": elements}
