"""labels.json (what was injected, for judging a detector) and accounts.csv (who owns what)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from realreach_core.files import atomic_write_text
from realreach_core.jsonable import dumps
from realreach_sim.accounts import DAY_MS, Account
from realreach_sim.events import Giveaway
from realreach_sim.ids import day_start_ms
from realreach_sim.model import GrowthSeries


def _day(start: date, index: int) -> str:
    return (start + timedelta(days=index)).isoformat()


def _account_events(sim: Any, series: GrowthSeries, start: date) -> list[dict[str, Any]]:
    account = series.account
    base = {"platform": account.platform, "account_id": account.account_id}
    events: list[dict[str, Any]] = []
    for b in series.bursts:
        burst = b.burst
        normal = series.normal_daily_gain(burst.start)
        events.append(
            {
                "type": "bought_followers",
                **base,
                "start": _day(start, burst.start),
                "end": _day(start, burst.start + burst.days - 1),
                "followers": b.followers,
                "factor": round(b.followers / burst.days / max(normal, 0.01), 1),
                "shape": burst.shape,
                "normal_daily_gain": normal,
                "lost_later": b.lost_later,
                "purge_start": None if b.purge_start is None else _day(start, b.purge_start),
                "purge_end": None if b.purge_end is None else _day(start, b.purge_end),
            }
        )
    for v in series.virals:
        day_ms = day_start_ms(start) + v.viral.day * DAY_MS
        post = next(
            p
            for p in sim.posts[account.index]
            if p.viral_multiplier > 1 and day_ms <= p.created_ms < day_ms + DAY_MS
        )
        post_id = (
            str(post.id) if account.platform != "facebook" else f"{account.account_id}_{post.id}"
        )
        events.append(
            {
                "type": "viral_post",
                **base,
                "date": _day(start, v.viral.day),
                "post_id": post_id,
                "interaction_multiplier": round(v.viral.multiplier, 1),
                "followers_gained": v.followers_gained,
            }
        )
    for s in series.spans:
        e = s.event
        event: dict[str, Any] = {
            "type": "giveaway" if isinstance(e, Giveaway) else "paid_campaign",
            **base,
            "start": _day(start, e.start),
            "end": _day(start, e.start + e.days - 1),
            "followers_gained": s.followers_gained,
        }
        if isinstance(e, Giveaway):
            event["comments_multiplier"] = round(e.comments_multiplier, 1)
        else:
            event["impressions_multiplier"] = round(e.impressions_multiplier, 1)
        events.append(event)
    for p in series.purges:
        events.append(
            {"type": "purge", **base, "date": _day(start, p.purge.day),
             "followers_lost": p.followers_lost}
        )  # fmt: skip
    return events


def build_labels(
    *,
    seed: int,
    start: date,
    end: date,
    pull_time: str,
    platforms: list[Any],
    scenario: str = "default",
) -> dict[str, Any]:
    """The answer key per labels.md; ``platforms`` are the simulated platforms written."""
    events: list[dict[str, Any]] = []
    accounts: list[dict[str, Any]] = []
    gaps: list[dict[str, Any]] = []
    for sim in platforms:
        for series in sim.growth:
            a = series.account
            events += _account_events(sim, series, start)
            accounts.append(
                {
                    "platform": a.platform,
                    "account_id": a.account_id,
                    "handle": a.handle,
                    "owner": a.owner,
                    "role": a.role,
                    "size_class": a.size_class,
                    "followers_start": a.followers_start,
                    "followers_end": int(series.followers[-1]),
                    "normal_daily_gain": series.normal_daily_gain(),
                }
            )
        gaps += [
            {"type": "missing_pull", "platform": sim.platform, "date": _day(start, d)}
            for d in sim.plan.missing_pulls
        ]
    events.sort(
        key=lambda e: (e.get("start") or e.get("date"), e["type"], e["platform"], e["account_id"])
    )
    return {
        "generator": "realreach",
        "seed": seed,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "pull_time_utc": pull_time,
        "scenario": scenario,
        "accounts": accounts,
        "events": events + gaps,
    }


def write_labels(path: Path, labels: dict[str, Any]) -> None:
    atomic_write_text(path, dumps(labels, indent=1) + "\n")


def write_accounts_csv(path: Path, accounts: list[Account]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["platform", "account_id", "handle", "owner", "role"])
    for a in accounts:
        writer.writerow([a.platform, a.account_id, a.handle, a.owner, a.role])
    atomic_write_text(path, buffer.getvalue())
