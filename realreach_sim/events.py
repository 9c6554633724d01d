"""Where the injected events go: deterministic rules plus the seed.

The rules guarantee what a detector needs to be testable: with at least 60 days and 4 accounts
there are at least two bought-follower bursts and two viral posts, on different accounts, each
after 30 days of clean history and never within a week of another event on the same account.
Scenario "default" places those per platform; scenario "eval" (``plan_eval_events``) gives every
account a sequence of events cycling through all types, balanced between bought and explained.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

HISTORY_DAYS = 30  # clean days before the first event, so a detector has a baseline
SEPARATION_DAYS = 7  # quiet days kept between two events on one account
PURGE_VISIBLE_DAYS = 21  # bursts start early enough for most of their purge to be simulated


@dataclass(frozen=True)
class Burst:
    account: int
    start: int  # day index
    days: int  # 1 or 2 (a burst) or 5-7 (a drip)
    factor: float  # total bought relative to a normal day's gain

    @property
    def shape(self) -> str:
        return "burst" if self.days <= 2 else "drip"


@dataclass(frozen=True)
class Viral:
    account: int
    day: int
    multiplier: float  # interactions and impressions relative to a normal post


@dataclass(frozen=True)
class Giveaway:
    account: int
    start: int
    days: int
    lift: float  # genuine follows per day relative to the expected gain
    comments_multiplier: float


@dataclass(frozen=True)
class Campaign:
    account: int
    start: int
    days: int
    lift: float
    impressions_multiplier: float


@dataclass(frozen=True)
class Purge:
    account: int
    day: int
    share: float  # of the audience removed as fake/inactive (no purchase before it)


@dataclass(frozen=True)
class EventPlan:
    bursts: list[Burst]
    virals: list[Viral]
    missing_pulls: list[int]  # day indexes without any pull
    giveaways: list[Giveaway] = field(default_factory=list)
    campaigns: list[Campaign] = field(default_factory=list)
    purges: list[Purge] = field(default_factory=list)

    def busy_days(self) -> set[int]:
        days = set()
        for b in self.bursts:
            days.update(range(b.start, b.start + b.days + 1))
        for v in self.virals:
            days.update((v.day, v.day + 1))
        for e in (*self.giveaways, *self.campaigns):
            days.update(range(e.start, e.start + e.days + 1))
        for p in self.purges:
            days.add(p.day)
        return days

    def of(self, account: int) -> EventPlan:
        """The events of one account."""
        return EventPlan(
            [b for b in self.bursts if b.account == account],
            [v for v in self.virals if v.account == account],
            self.missing_pulls,
            [g for g in self.giveaways if g.account == account],
            [c for c in self.campaigns if c.account == account],
            [p for p in self.purges if p.account == account],
        )


def _history(days: int) -> int:
    return HISTORY_DAYS if days >= 2 * HISTORY_DAYS else max(3, days // 2)


def _free(taken: list[tuple[int, int]], lo: int, hi: int) -> bool:
    return all(hi + SEPARATION_DAYS < a or lo - SEPARATION_DAYS > b for a, b in taken)


def plan_events(
    n_accounts: int, days: int, rng: np.random.Generator, gap_share: float | None = None
) -> EventPlan:
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

    return _with_gaps(EventPlan(bursts, virals, []), days, rng, gap_share)


def _with_gaps(
    plan: EventPlan, days: int, rng: np.random.Generator, share: float | None = None
) -> EventPlan:
    # Rate-limited days: never the first or last pull, never on an event (labels stay honest
    # about what a detector could see). ``share``: that share of the quiet days instead of the
    # usual one in forty (Assumptions cadence "missing").
    busy = plan.busy_days()
    gap_days = [d for d in range(1, days - 1) if d not in busy]
    n_gaps = min(len(gap_days), days // 40 if days >= 40 else (1 if days >= 20 else 0))
    if share is not None:
        n_gaps = round(len(gap_days) * share)
    gaps = sorted(int(d) for d in rng.choice(gap_days, size=n_gaps, replace=False))
    return replace(plan, missing_pulls=gaps)


# The eval mix: as many explained spikes (viral, giveaway, campaign) as bought ones, plus purges.
EVAL_CYCLE = (
    "burst", "viral", "drip", "giveaway", "purge", "campaign",
    "burst", "giveaway", "drip", "viral", "campaign", "burst",
)  # fmt: skip
EVAL_FACTORS = (2.0, 500.0)  # bought per day relative to a normal day, log-uniform
AFTERMATH_DAYS = 28  # a purchase's purge tail is kept clear of the account's next event


def plan_eval_events(
    n_accounts: int,
    days: int,
    rng: np.random.Generator,
    offset: int = 0,
    factors: tuple[float, float] = EVAL_FACTORS,
    gap_share: float | None = None,
) -> EventPlan:
    """A dense, balanced mix for measuring a detector: every account gets events in turn."""
    history = _history(days)
    plan = EventPlan([], [], [])
    k = offset
    for account in range(n_accounts):
        day = history + int(rng.integers(0, 8))
        while True:
            kind = EVAL_CYCLE[k % len(EVAL_CYCLE)]
            if kind == "purge" and any(b.account == account for b in plan.bursts):
                kind = "viral"  # a purge of an account that bought is the purchase's aftermath
            length = {
                "burst": int(rng.integers(1, 3)), "drip": int(rng.integers(5, 8)),
                "viral": 2, "giveaway": int(rng.integers(3, 6)),
                "campaign": int(rng.integers(5, 11)), "purge": 1,
            }[kind]  # fmt: skip
            if day + length > days - 1:
                break
            k += 1
            if kind in ("burst", "drip"):
                per_day = float(np.exp(rng.uniform(*np.log(factors))))
                plan.bursts.append(Burst(account, day, length, per_day * length))
            elif kind == "viral":
                plan.virals.append(Viral(account, day, float(rng.uniform(20, 100))))
            elif kind == "giveaway":
                plan.giveaways.append(
                    Giveaway(account, day, length, float(rng.uniform(4, 15)),
                             float(rng.uniform(4, 12)))
                )  # fmt: skip
            elif kind == "campaign":
                plan.campaigns.append(
                    Campaign(account, day, length, float(rng.uniform(3, 10)),
                             float(rng.uniform(3, 8)))
                )  # fmt: skip
            else:
                plan.purges.append(Purge(account, day, float(rng.uniform(0.01, 0.04))))
            tail = AFTERMATH_DAYS if kind in ("burst", "drip") else 0
            day += length - 1 + max(tail, SEPARATION_DAYS) + 1 + int(rng.integers(0, 6))
    return _with_gaps(plan, days, rng, gap_share)
