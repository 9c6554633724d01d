"""labels.json (what was injected, for judging a detector) and accounts.csv (who owns what)."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from realreach.generate.accounts import DAY_MS, Account
from realreach.generate.ids import day_start_ms
from realreach.generate.model import GrowthSeries
from realreach.generate.posts import Post


def _day(start: date, index: int) -> str:
    return (start + timedelta(days=index)).isoformat()


def build_labels(
    *,
    seed: int,
    start: date,
    end: date,
    pull_time: str,
    accounts: list[Account],
    growth: list[GrowthSeries],
    posts: list[list[Post]],
    missing_pulls: list[int],
) -> dict[str, Any]:
    events: list[dict[str, Any]] = []
    for series in growth:
        account = series.account
        for b in series.bursts:
            burst = b.burst
            events.append(
                {
                    "type": "bought_followers",
                    "platform": "x",
                    "account_id": account.account_id,
                    "start": _day(start, burst.start),
                    "end": _day(start, burst.start + burst.days - 1),
                    "followers": b.followers,
                    "normal_daily_gain": b.normal_daily_gain,
                    "lost_later": b.lost_later,
                    "purge_start": None if b.purge_start is None else _day(start, b.purge_start),
                    "purge_end": None if b.purge_end is None else _day(start, b.purge_end),
                }
            )
        for v in series.virals:
            day_ms = day_start_ms(start) + v.viral.day * DAY_MS
            post = next(
                p
                for p in posts[account.index]
                if p.viral_multiplier > 1 and day_ms <= p.created_ms < day_ms + DAY_MS
            )
            events.append(
                {
                    "type": "viral_post",
                    "platform": "x",
                    "account_id": account.account_id,
                    "date": _day(start, v.viral.day),
                    "post_id": str(post.id),
                    "interaction_multiplier": round(v.viral.multiplier, 1),
                    "followers_gained": v.followers_gained,
                }
            )
    events.sort(key=lambda e: (e.get("start") or e.get("date"), e["type"], e["account_id"]))
    events += [
        {"type": "missing_pull", "platform": "x", "date": _day(start, d)} for d in missing_pulls
    ]
    return {
        "generator": "realreach",
        "seed": seed,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "pull_time_utc": pull_time,
        "accounts": [
            {
                "platform": "x",
                "account_id": a.account_id,
                "handle": a.handle,
                "role": a.role,
                "size_class": a.size_class,
                "followers_start": a.followers_start,
                "followers_end": int(growth[a.index].followers[-1]),
            }
            for a in accounts
        ],
        "events": events,
    }


def write_labels(path: Path, labels: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(json.dumps(labels, indent=1, ensure_ascii=False) + "\n", "utf-8")
    os.replace(tmp, path)


def write_accounts_csv(path: Path, accounts: list[Account], platform: str = "x") -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["platform", "account_id", "handle", "owner", "role"])
    for a in accounts:
        writer.writerow([platform, a.account_id, a.handle, a.owner, a.role])
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(buffer.getvalue(), "utf-8")
    os.replace(tmp, path)
