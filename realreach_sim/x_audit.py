"""An auditor's full followers pull of each X account, the night after the last day.

The daily pulls list only the followers gained since the previous pull; an audit pages
through the whole list (newest first, ``next_token`` on every page but the last), which is
what a batch analysis reads. The people in it are drawn afresh from the growth series (the
genuine followers present at the end, followed on their days; each day's purchase still
present as one delivery), so they carry other ids than in the daily pulls: a limitation of
the simulator, not of the pipeline. Accounts above ``AUDIT_MAX_FOLLOWERS`` get no audit.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from realreach_sim.accounts import DAY_MS
from realreach_sim.follower_lists import Purchase, build_list, write_pages
from realreach_sim.ids import day_start_ms
from realreach_sim.model import GrowthSeries

AUDIT_MAX_FOLLOWERS = 50_000
AUDIT_SECOND = 30 * 60  # 00:30Z the day after the last simulated day


def audit_stamp(end: date) -> str:
    moment = day_start_ms(end + timedelta(days=1)) + AUDIT_SECOND * 1000
    return datetime.fromtimestamp(moment / 1000, UTC).strftime("%Y%m%dT%H%M%SZ")


def _genuine_follow_times(g: GrowthSeries, start_ms: int, rng: np.random.Generator) -> np.ndarray:
    n0 = g.account.followers_start
    parts = [rng.integers(g.account.created_ms, start_ms, n0)]
    for d, n in enumerate(g.genuine_gain.tolist()):
        parts.append(start_ms + d * DAY_MS + rng.integers(0, DAY_MS, int(n)))
    times = np.concatenate(parts).astype(np.int64)
    present = int(g.real_audience[-1])
    keep = rng.choice(len(times), size=min(present, len(times)), replace=False)
    return times[np.sort(keep)]


def _purchases(g: GrowthSeries, start_ms: int, rng: np.random.Generator) -> list[Purchase]:
    bought = g.bought_gain.astype(np.int64)
    total = int(bought.sum())
    if total == 0:
        return []
    present = total - int(g.purge_loss.sum())
    per_day = np.floor(bought * present / total).astype(np.int64)
    per_day[np.flatnonzero(bought)[-1]] += present - int(per_day.sum())
    return [
        Purchase(
            followed_ms=start_ms + d * DAY_MS + int(rng.integers(0, 18 * 3600_000)),
            followers=int(n),
        )
        for d, n in enumerate(per_day.tolist())
        if n > 0
    ]


def write_audits(
    out: Path, growth: list[GrowthSeries], start: date, end: date, seed_rng: np.random.Generator
) -> tuple[int, int]:
    """Writes the audit pages; returns (pages, follower user objects) written."""
    start_ms = day_start_ms(start)
    pull_ms = day_start_ms(end + timedelta(days=1)) + AUDIT_SECOND * 1000
    stamp = audit_stamp(end)
    written = pages = 0
    for g in growth:
        if int(g.followers[-1]) > AUDIT_MAX_FOLLOWERS:
            continue
        times = _genuine_follow_times(g, start_ms, seed_rng)
        listed = build_list(
            seed_rng, genuine=len(times), first_follow_ms=g.account.created_ms,
            pull_ms=pull_ms, purchases=_purchases(g, start_ms, seed_rng),
            genuine_followed_ms=times,
        )  # fmt: skip
        pages += len(
            write_pages(out / "x" / "followers", g.account.account_id, stamp, listed.users,
                        rng=seed_rng)
        )  # fmt: skip
        written += len(listed.users)
    return pages, written
