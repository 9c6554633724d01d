"""``generate()``: a seeded, realistic landing folder of X exports plus labels of what was injected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from realreach.generate.accounts import DAY_MS, Account, build_accounts
from realreach.generate.events import EventPlan, plan_events
from realreach.generate.ids import day_start_ms, pull_stamp, rng_for
from realreach.generate.labels import build_labels, write_accounts_csv, write_labels
from realreach.generate.model import (
    GrowthSeries,
    ProfileCounters,
    simulate_counters,
    simulate_growth,
)
from realreach.generate.posts import Post, simulate_posts
from realreach.generate.x_writer import Pull, XWriter

AVAILABLE_PLATFORMS = ("x",)
PULL_SECOND = 23 * 3600 + 50 * 60  # daily pull at 23:50:00Z: counts are end-of-day values

# Separate random streams per purpose: changing one part never reshuffles another.
_ROSTER, _EVENTS, _GROWTH, _COUNTERS, _POSTS, _FOLLOWERS = range(1, 7)


@dataclass(frozen=True)
class GenerationResult:
    out: Path
    labels_path: Path
    start: date
    end: date
    accounts: int
    days: int
    pulls: int
    files: dict[str, int]  # files written per kind, e.g. {"x/users": 88, ...}
    events: dict[str, int]  # injected events per type
    posts: int
    followers_written: int  # follower user objects across all followers pages

    def __str__(self) -> str:
        files = ", ".join(f"{n} {kind}" for kind, n in self.files.items())
        events = ", ".join(f"{n} {kind}" for kind, n in self.events.items()) or "none"
        return (
            f"generated {self.accounts} accounts × {self.days} days "
            f"({self.start} … {self.end}, {self.pulls} pulls) into {self.out}\n"
            f"  files   {files}\n"
            f"  content {self.posts} posts, {self.followers_written} follower profiles\n"
            f"  events  {events}\n"
            f"  labels  {self.labels_path}"
        )


@dataclass(frozen=True)
class Simulation:
    """Everything simulated before a single file is written (also what tests check files by)."""

    start: date
    days: int
    accounts: list[Account]
    plan: EventPlan
    growth: list[GrowthSeries]
    counters: list[ProfileCounters]
    posts: list[list[Post]]


def simulate(*, accounts: int, days: int, seed: int, start: date) -> Simulation:
    roster = build_accounts(accounts, rng_for(seed, _ROSTER), start)
    plan = plan_events(accounts, days, rng_for(seed, _EVENTS))
    growth = [
        simulate_growth(
            a,
            start,
            days,
            [b for b in plan.bursts if b.account == a.index],
            [v for v in plan.virals if v.account == a.index],
            rng_for(seed, _GROWTH, a.index),
        )
        for a in roster
    ]
    counters = [simulate_counters(g, rng_for(seed, _COUNTERS, g.account.index)) for g in growth]
    posts = simulate_posts(
        roster, growth, plan.virals, start, days, PULL_SECOND, rng_for(seed, _POSTS)
    )
    return Simulation(start, days, roster, plan, growth, counters, posts)


def _check_platforms(platforms: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(platforms))
    if not wanted:
        raise ValueError(f"no platform to generate; available: {', '.join(AVAILABLE_PLATFORMS)}")
    for platform in wanted:
        if platform not in AVAILABLE_PLATFORMS:
            raise ValueError(
                f"platform {platform!r} is not generated yet; "
                f"available: {', '.join(AVAILABLE_PLATFORMS)}"
            )
    return wanted


def generate(
    out: Path,
    *,
    accounts: int = 8,
    days: int = 90,
    seed: int = 7,
    platforms: Sequence[str] = ("x",),
    end: date | None = None,
    labels_path: Path | None = None,
) -> GenerationResult:
    """Write synthetic X exports into the landing folder ``out`` and describe them in labels.

    Deterministic for given (seed, end, accounts, days, platforms): the same arguments give a
    byte-identical tree. ``end`` is the last simulated UTC day (default: yesterday).
    """
    _check_platforms(platforms)
    if accounts < 1:
        raise ValueError(f"accounts must be at least 1, got {accounts}")
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    out = Path(out)
    labels_path = Path(labels_path) if labels_path else out / "labels.json"
    end = end or datetime.now(UTC).date() - timedelta(days=1)
    start = end - timedelta(days=days - 1)

    sim = simulate(accounts=accounts, days=days, seed=seed, start=start)
    roster, growth, posts = sim.accounts, sim.growth, sim.posts
    plan = sim.plan

    out.mkdir(parents=True, exist_ok=True)
    writer = XWriter(out, roster, growth, sim.counters, posts)
    follower_rngs = [rng_for(seed, _FOLLOWERS, a.index) for a in roster]
    missing = set(plan.missing_pulls)
    since = 0
    pulls = 0
    for d in range(days):
        if d in missing:
            continue  # rate-limited: the next pull collects these follows too
        at_ms = day_start_ms(start) + d * DAY_MS + PULL_SECOND * 1000
        stamp = pull_stamp(datetime.fromtimestamp(at_ms / 1000, tz=UTC))
        writer.write_pull(Pull(d, at_ms, stamp, since), follower_rngs)
        since = d + 1
        pulls += 1

    write_accounts_csv(out / "accounts.csv", roster)
    labels = build_labels(
        seed=seed,
        start=start,
        end=end,
        pull_time=f"{PULL_SECOND // 3600:02d}:{PULL_SECOND % 3600 // 60:02d}:00",
        accounts=roster,
        growth=growth,
        posts=posts,
        missing_pulls=plan.missing_pulls,
    )
    write_labels(labels_path, labels)
    events: dict[str, int] = {}
    for event in labels["events"]:
        events[event["type"]] = events.get(event["type"], 0) + 1
    return GenerationResult(
        out=out,
        labels_path=labels_path,
        start=start,
        end=end,
        accounts=accounts,
        days=days,
        pulls=pulls,
        files={**dict(writer.files), "accounts.csv": 1, "labels.json": 1},
        events=events,
        posts=sum(len(p) for p in posts),
        followers_written=writer.followers_written,
    )
