"""``generate()``: a seeded, realistic landing folder of every platform's exports plus labels."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from realreach_sim.accounts import DAY_MS, Account, build_accounts
from realreach_sim.activity import DailyActivity, daily_activity
from realreach_sim.assumptions import USUAL, Assumptions
from realreach_sim.audience import Ledger, build_ledger, fits
from realreach_sim.events import EVAL_FACTORS, EventPlan, plan_eval_events, plan_events
from realreach_sim.facebook_writer import FacebookWriter
from realreach_sim.ids import day_start_ms, pull_stamp, rng_for
from realreach_sim.instagram_writer import InstagramWriter, follower_usernames
from realreach_sim.labels import build_labels, write_accounts_csv, write_labels
from realreach_sim.landing_io import Pull, SimulatedWriter
from realreach_sim.linkedin_writer import LinkedInWriter
from realreach_sim.model import (
    MIN_BOUGHT,
    GrowthSeries,
    ProfileCounters,
    simulate_counters,
    simulate_growth,
)
from realreach_sim.posts import Post, simulate_posts
from realreach_sim.roster import PLATFORMS, ROSTERS, platform_roster
from realreach_sim.x_audit import write_audits
from realreach_sim.x_exports import XExportWriter
from realreach_sim.x_writer import XWriter

AVAILABLE_PLATFORMS = PLATFORMS
SCENARIOS = ("default", "eval")
ARCHIVED_X_ACCOUNTS = 3  # X accounts with archives (their complete follower list in each)
EVAL_MIN_BOUGHT = 10  # eval also sells tiny packages, so a 2x burst stays 2x on small accounts
PULL_SECOND = 23 * 3600 + 50 * 60  # daily pull at 23:50:00Z: counts are end-of-day values

# Separate random streams per purpose: changing one part never reshuffles another.
_ROSTER, _EVENTS, _GROWTH, _COUNTERS, _POSTS, _FOLLOWERS, _ACTIVITY, _LEDGER = range(1, 9)
_AUDIT = 9  # the auditor's full followers lists (realreach_sim.x_audit)


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
    # What was simulated (true series, for an evaluation's oracle and count accuracy).
    simulation: Simulation | None = field(default=None, repr=False, compare=False)

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
class PlatformSim:
    """One platform's accounts and everything simulated for them; all its formats read this."""

    platform: str
    accounts: list[Account]
    plan: EventPlan
    growth: list[GrowthSeries]
    counters: list[ProfileCounters]
    posts: list[list[Post]]
    activity: list[DailyActivity]


@dataclass(frozen=True)
class Simulation:
    """Everything simulated before a single file is written (also what tests check files by)."""

    start: date
    days: int
    scenario: str
    platforms: dict[str, PlatformSim]
    assumptions: Assumptions = USUAL

    # X, as before other platforms existed (tests and callers read these).
    @property
    def accounts(self) -> list[Account]:
        return self.platforms["x"].accounts

    @property
    def plan(self) -> EventPlan:
        return self.platforms["x"].plan

    @property
    def growth(self) -> list[GrowthSeries]:
        return self.platforms["x"].growth

    @property
    def counters(self) -> list[ProfileCounters]:
        return self.platforms["x"].counters

    @property
    def posts(self) -> list[list[Post]]:
        return self.platforms["x"].posts


def _simulate_platform(
    platform: str, roster: list[Account], *, days: int, seed: int, start: date, scenario: str,
    offset: int, assumptions: Assumptions = USUAL,
) -> PlatformSim:  # fmt: skip
    p = PLATFORMS.index(platform)
    # X keeps the streams it always had, so `--platforms x` output stays what it was.
    key = (lambda *k: rng_for(seed, *k)) if p == 0 else (lambda *k: rng_for(seed, 100 + p, *k))
    n = len(roster)
    gap_share = assumptions.missing_share if assumptions.cadence == "missing" else None
    if scenario == "eval":
        factors = assumptions.purchase_factors or EVAL_FACTORS
        plan = plan_eval_events(n, days, key(_EVENTS), offset, factors, gap_share)
        min_bought = EVAL_MIN_BOUGHT
    else:
        plan = plan_events(n, days, key(_EVENTS), gap_share)
        min_bought = MIN_BOUGHT
    growth = [
        simulate_growth(
            a,
            start,
            days,
            plan.of(a.index).bursts,
            plan.of(a.index).virals,
            key(_GROWTH, a.index),
            plan.of(a.index),
            min_bought,
            assumptions,
        )
        for a in roster
    ]
    counters = [simulate_counters(g, key(_COUNTERS, g.account.index)) for g in growth]
    posts = simulate_posts(roster, growth, plan.virals, start, days, PULL_SECOND, key(_POSTS))
    activity = [
        daily_activity(g, ps, start, key(_ACTIVITY, g.account.index))
        for g, ps in zip(growth, posts, strict=True)
    ]
    return PlatformSim(platform, roster, plan, growth, counters, posts, activity)


def simulate(
    *,
    accounts: int,
    days: int,
    seed: int,
    start: date,
    platforms: Sequence[str] = ("x",),
    scenario: str = "default",
    assumptions: Assumptions = USUAL,
    roster: str = "company",
) -> Simulation:
    if roster not in ROSTERS:
        raise ValueError(f"unknown roster {roster!r}; available: {', '.join(ROSTERS)}")
    x_roster = build_accounts(accounts, rng_for(seed, _ROSTER), start)
    sims: dict[str, PlatformSim] = {}
    offset = 0
    for (
        platform
    ) in PLATFORMS:  # always in the same order: a platform's draws never depend on others
        accounts_here = platform_roster(
            x_roster, platform, rng_for(seed, _ROSTER, PLATFORMS.index(platform)), roster
        )
        sims[platform] = _simulate_platform(
            platform, accounts_here, days=days, seed=seed, start=start, scenario=scenario, offset=offset,
            assumptions=assumptions,
        )  # fmt: skip
        offset += len(accounts_here)
    return Simulation(
        start, days, scenario, {p: sims[p] for p in PLATFORMS if p in platforms or p == "x"},
        assumptions,
    )  # fmt: skip


def _check_platforms(platforms: Sequence[str]) -> list[str]:
    wanted = [p for p in AVAILABLE_PLATFORMS if p in platforms]  # one fixed writing order
    if not list(platforms):
        raise ValueError(f"no platform to generate; available: {', '.join(AVAILABLE_PLATFORMS)}")
    for platform in platforms:
        if platform not in AVAILABLE_PLATFORMS:
            raise ValueError(
                f"unknown platform {platform!r}; available: {', '.join(AVAILABLE_PLATFORMS)}"
            )
    return wanted


def _ledgers(sim: PlatformSim, start: date, seed: int, limit: int) -> dict[int, Ledger]:
    """Follower ledgers for up to ``limit`` accounts whose whole audience stays listable."""
    p = PLATFORMS.index(sim.platform)
    fitting = [g for g in sim.growth if fits(g)]
    fitting.sort(key=lambda g: -g.account.followers_start)  # the biggest that still fit
    return {
        g.account.index: build_ledger(
            g, start, g.account.created_ms, rng_for(seed, _LEDGER, p, g.account.index)
        )
        for g in fitting[:limit]
    }


def _writers(
    out: Path, sim: PlatformSim, start: date, seed: int, assumptions: Assumptions
) -> list[XWriter | XExportWriter | SimulatedWriter]:
    p = PLATFORMS.index(sim.platform)
    common = dict(start=start, accounts=sim.accounts, growth=sim.growth, posts=sim.posts,
                  activity=sim.activity,
                  count_every=assumptions.count_every(sim.platform))  # fmt: skip
    if sim.platform == "x":
        ledgers = _ledgers(sim, start, seed, ARCHIVED_X_ACCOUNTS)
        ids = {i: _unique_ids(rng_for(seed, _LEDGER, p, i, 1), len(ledger.join_day))
               for i, ledger in ledgers.items()}  # fmt: skip
        following = {i: _unique_ids(rng_for(seed, _LEDGER, p, i, 2), int(sim.counters[i].following.max()))
                     for i in ledgers}  # fmt: skip
        return [
            XWriter(out, sim.accounts, sim.growth, sim.counters, sim.posts,
                    budget=assumptions.x_followers_per_pull),
            XExportWriter(out, "x", accounts=sim.accounts, growth=sim.growth, counters=sim.counters,
                          posts=sim.posts, ledgers=ledgers, follower_ids=ids, following_ids=following),
        ]  # fmt: skip
    if sim.platform == "instagram":
        ledgers = _ledgers(sim, start, seed, len(sim.accounts))
        names = {i: follower_usernames(rng_for(seed, _LEDGER, p, i, 1), ledger.bought)
                 for i, ledger in ledgers.items()}  # fmt: skip
        return [InstagramWriter(out, "instagram", **common, ledgers=ledgers, usernames=names)]
    if sim.platform == "facebook":
        return [FacebookWriter(out, "facebook", **common)]
    return [LinkedInWriter(out, "linkedin", **common)]


def _unique_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Distinct user ids in random order (gaps between sorted ids are positive)."""
    ids = 10**8 + np.cumsum(rng.integers(1, 10**8, n, dtype=np.int64))
    return ids[rng.permutation(n)]


def generate(
    out: Path,
    *,
    accounts: int = 8,
    days: int = 90,
    seed: int = 7,
    platforms: Sequence[str] = PLATFORMS,
    end: date | None = None,
    labels_path: Path | None = None,
    scenario: str = "default",
    assumptions: Assumptions | None = None,
    label_counts: bool = False,
    roster: str = "company",
) -> GenerationResult:
    """Write synthetic exports of ``platforms`` into the landing folder ``out``, plus labels.

    Deterministic for given (seed, end, accounts, days, platforms, scenario): the same arguments
    give a byte-identical tree. ``end`` is the last simulated UTC day (default: yesterday).
    ``scenario`` "default" places a few events; "eval" a dense, balanced mix for measuring a
    detector. ``assumptions`` (default: the generator's usual ones) vary the simulated world.
    Labels go to ``labels_path``, by default ``labels.json`` beside the landing folder ``out``
    (never inside it: the answer key is not an export). ``label_counts`` adds each account's
    true end-of-day follower counts to the labels. ``roster`` "every platform" gives every X
    account a twin on each other platform (evaluation), "company" one company's presence.
    """
    assumptions = assumptions or Assumptions()
    wanted = _check_platforms(platforms)
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; available: {', '.join(SCENARIOS)}")
    if accounts < 1:
        raise ValueError(f"accounts must be at least 1, got {accounts}")
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    out = Path(out)
    labels_path = Path(labels_path) if labels_path else default_labels_path(out)
    if labels_path.resolve().is_relative_to(out.resolve()):
        raise ValueError(
            f"labels {labels_path} would land inside the landing folder {out}: "
            "write them beside it (--labels)"
        )
    end = end or datetime.now(UTC).date() - timedelta(days=1)
    start = end - timedelta(days=days - 1)

    sim = simulate(
        accounts=accounts, days=days, seed=seed, start=start, platforms=wanted, scenario=scenario,
        assumptions=assumptions, roster=roster,
    )  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    files: Counter[str] = Counter()
    pulls = 0
    followers_written = 0
    for platform in wanted:
        psim = sim.platforms[platform]
        writers = _writers(out, psim, start, seed, assumptions)
        follower_rngs = [rng_for(seed, _FOLLOWERS, a.index) for a in psim.accounts]
        missing = set(psim.plan.missing_pulls)
        since = 0
        for d in range(days):
            if d in missing:
                continue  # rate-limited: the next pull collects these days too
            at_ms = day_start_ms(start) + d * DAY_MS + PULL_SECOND * 1000
            stamp = pull_stamp(datetime.fromtimestamp(at_ms / 1000, tz=UTC))
            pull = Pull(d, at_ms, stamp, since)
            for writer in writers:
                if isinstance(writer, XWriter):
                    writer.write_pull(pull, follower_rngs)
                else:
                    writer.write_pull(pull)
            since = d + 1
            pulls += platform == wanted[0]
        for writer in writers:
            files.update(writer.files)
            followers_written += getattr(writer, "followers_written", 0)
        if platform == "x":  # an auditor's full followers lists, for the batch analysis
            pages, listed = write_audits(out, psim.growth, start, end, rng_for(seed, _AUDIT))
            files["x/followers"] += pages
            followers_written += listed

    chosen = [sim.platforms[p] for p in wanted]
    write_accounts_csv(out / "accounts.csv", [a for ps in chosen for a in ps.accounts])
    labels = build_labels(
        seed=seed,
        start=start,
        end=end,
        scenario=scenario,
        pull_time=f"{PULL_SECOND // 3600:02d}:{PULL_SECOND % 3600 // 60:02d}:00",
        platforms=chosen,
        assumptions=None if assumptions.is_default else assumptions.as_dict(),
        counts=label_counts,
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
        accounts=sum(len(ps.accounts) for ps in chosen),
        days=days,
        pulls=pulls,
        files={**dict(sorted(files.items())), "accounts.csv": 1, "labels.json": 1},
        events=events,
        posts=sum(len(p) for ps in chosen for p in ps.posts),
        followers_written=followers_written,
        simulation=sim,
    )


def default_labels_path(out: Path) -> Path:
    """``labels.json`` beside the landing folder: ``<out>/../labels.json``."""
    out = Path(out).absolute()
    return out.parent / "labels.json"
