"""Where the injected events go: deterministic rules plus the seed.

The rules guarantee what a detector needs to be testable: with at least 60 days and 4 accounts
there are at least two bought-follower bursts and two viral posts, on different accounts, each
after 30 days of clean history and never within a week of another event on the same account.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HISTORY_DAYS = 30  # clean days before the first event, so a detector has a baseline
SEPARATION_DAYS = 7  # quiet days kept between two events on one account
PURGE_VISIBLE_DAYS = 21  # bursts start early enough for most of their purge to be simulated


@dataclass(frozen=True)
class Burst:
    account: int
    start: int  # day index
    days: int  # 1 or 2
    factor: float  # size relative to a normal day's gain


@dataclass(frozen=True)
class Viral:
    account: int
    day: int
    multiplier: float  # interactions and impressions relative to a normal post


@dataclass(frozen=True)
class EventPlan:
    bursts: list[Burst]
    virals: list[Viral]
    missing_pulls: list[int]  # day indexes without any pull

    def busy_days(self) -> set[int]:
        days = set()
        for b in self.bursts:
            days.update(range(b.start, b.start + b.days + 1))
        for v in self.virals:
            days.update((v.day, v.day + 1))
        return days


def _history(days: int) -> int:
    return HISTORY_DAYS if days >= 2 * HISTORY_DAYS else max(3, days // 2)


def _free(taken: list[tuple[int, int]], lo: int, hi: int) -> bool:
    return all(hi + SEPARATION_DAYS < a or lo - SEPARATION_DAYS > b for a, b in taken)


def plan_events(n_accounts: int, days: int, rng: np.random.Generator) -> EventPlan:
    history = _history(days)
    if days - history < 3:  # too short to place anything honestly
        return EventPlan([], [], [])
    per_kind = max(2, n_accounts // 3) if n_accounts >= 4 else 1
    order = rng.permutation(n_accounts).tolist()
    taken: dict[int, list[tuple[int, int]]] = {a: [] for a in range(n_accounts)}

    bursts = []
    last_start = days - 1 - PURGE_VISIBLE_DAYS
    if last_start < history:
        last_start = days - 2
    for k in range(per_kind):
        account = order[k % n_accounts]
        length = int(rng.integers(1, 3))
        candidates = [
            s
            for s in range(history, last_start + 1)
            if s + length <= days and _free(taken[account], s, s + length - 1)
        ]
        if not candidates:
            continue
        start = int(rng.choice(candidates))
        taken[account].append((start, start + length - 1))
        factor = float(np.exp(rng.uniform(np.log(5), np.log(500))))
        bursts.append(Burst(account, start, length, factor))

    virals = []
    for k in range(per_kind):
        account = order[(per_kind + k) % n_accounts]
        candidates = [d for d in range(history, days - 1) if _free(taken[account], d, d + 1)]
        if not candidates:
            continue
        day = int(rng.choice(candidates))
        taken[account].append((day, day + 1))
        virals.append(Viral(account, day, float(rng.uniform(20, 100))))

    plan = EventPlan(bursts, virals, [])
    # Rate-limited days: never the first or last pull, never on an event (labels stay honest
    # about what a detector could see).
    busy = plan.busy_days()
    gap_days = [d for d in range(1, days - 1) if d not in busy]
    n_gaps = min(len(gap_days), days // 40 if days >= 40 else (1 if days >= 20 else 0))
    gaps = sorted(int(d) for d in rng.choice(gap_days, size=n_gaps, replace=False))
    return EventPlan(bursts, virals, gaps)
