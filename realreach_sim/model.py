"""Daily follower growth of one account: organic gains and losses, viral lifts, bought bursts.

Everything is per simulated UTC day; day ``d``'s values are what the pull at the end of that
day sees. Genuine and bought followers are kept apart because only genuine ones engage: the
post model reads ``real_audience``, so bought followers never lift interactions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from realreach_sim.accounts import Account
from realreach_sim.assumptions import USUAL, Assumptions
from realreach_sim.events import Burst, Campaign, EventPlan, Giveaway, Purge, Viral

NB_DISPERSION = 6.0  # default negative binomial shape (Assumptions.noise_alpha = 1/6)
SHARE_INTERACTING = 0.72 + 0.09 + 0.08 + 0.015  # likes, reposts, replies, quotes (posts.SHARES)
MIN_BOUGHT = 300  # sellers' smallest packages are a few hundred followers


@dataclass
class BurstOutcome:
    burst: Burst
    followers: int
    normal_daily_gain: float
    lost_later: int
    purge_start: int | None
    purge_end: int | None


@dataclass
class ViralOutcome:
    viral: Viral
    followers_gained: int


@dataclass
class SpanOutcome:
    """A giveaway or paid campaign: real people follow, activity jumps with them."""

    event: Giveaway | Campaign
    followers_gained: int


@dataclass
class PurgeOutcome:
    purge: Purge
    followers_lost: int


@dataclass
class GrowthSeries:
    account: Account
    expected_gain: np.ndarray  # float, organic expectation per day (no events)
    genuine_gain: np.ndarray  # int, includes viral lifts
    organic_loss: np.ndarray
    bought_gain: np.ndarray
    purge_loss: np.ndarray
    bursts: list[BurstOutcome] = field(default_factory=list)
    virals: list[ViralOutcome] = field(default_factory=list)
    spans: list[SpanOutcome] = field(default_factory=list)
    purges: list[PurgeOutcome] = field(default_factory=list)
    # Platform purges of fake/inactive accounts without a purchase: not bought ones.
    cleanup_loss: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    paid_gain: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    impressions_mult: np.ndarray = field(default_factory=lambda: np.ones(0))
    comments_mult: np.ndarray = field(default_factory=lambda: np.ones(0))
    # Organic genuine gains before any event lifted them: what an oracle's null model draws.
    organic_gain: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    noise_shape: float | None = NB_DISPERSION  # the organic model: NB shape, None = Poisson

    def normal_daily_gain(self, before: int | None = None) -> float:
        """Typical organic gross gain per day (median expectation), over the 28 days before."""
        window = (
            self.expected_gain
            if before is None
            else self.expected_gain[max(0, before - 28) : before]
        )
        return round(float(np.median(window if len(window) else self.expected_gain)), 2)

    @property
    def gained(self) -> np.ndarray:
        return self.genuine_gain + self.bought_gain

    @property
    def lost(self) -> np.ndarray:
        return self.organic_loss + self.purge_loss + self.cleanup_loss

    @property
    def followers(self) -> np.ndarray:
        """End-of-day follower count."""
        return self.account.followers_start + np.cumsum(self.gained - self.lost)

    @property
    def real_audience(self) -> np.ndarray:
        """Followers who are people: everyone but the bought followers not yet purged."""
        return self.followers - np.cumsum(self.bought_gain - self.purge_loss)


def _neg_binomial(
    rng: np.random.Generator, mean: np.ndarray, shape: float | None = NB_DISPERSION
) -> np.ndarray:
    mean = np.maximum(mean, 1e-9)
    if shape is None:
        return rng.poisson(mean)
    return rng.negative_binomial(shape, shape / (shape + mean))


def viral_interactions(account: Account, audience: float, multiplier: float) -> float:
    """Expected interactions on a viral post (posts._draw_metrics' mean, without the noise)."""
    typical = 2.0 * max(int(audience), 1) ** 0.7 * account.reach + 5.0
    return typical * multiplier * account.engagement_rate * SHARE_INTERACTING


def simulate_growth(
    account: Account,
    start: date,
    days: int,
    bursts: list[Burst],
    virals: list[Viral],
    rng: np.random.Generator,
    plan: EventPlan | None = None,
    min_bought: int = MIN_BOUGHT,
    assumptions: Assumptions = USUAL,
) -> GrowthSeries:
    t = np.arange(days)
    weekday = np.array([account.weekday[(start + timedelta(days=int(d))).weekday()] for d in t])
    # Trend plus a slow, mean-reverting drift (news cycles, seasons) on the weekday rhythm.
    shocks = rng.normal(0, 0.08, days)
    level = np.zeros(days)
    for d in range(1, days):
        level[d] = 0.9 * level[d - 1] + shocks[d]
    drift = np.exp(level)
    expected = account.base_gain * np.exp(account.trend * t / 365) * weekday * drift
    shape = NB_DISPERSION if assumptions.is_default else assumptions.noise_shape
    genuine = _neg_binomial(rng, expected, shape)
    organic = genuine.copy()
    loss = rng.poisson(expected * account.loss_share)
    bought = np.zeros(days, dtype=np.int64)
    purge = np.zeros(days, dtype=np.int64)
    series = GrowthSeries(account, expected, genuine, loss, bought, purge)
    series.cleanup_loss = np.zeros(days, dtype=np.int64)
    series.paid_gain = np.zeros(days, dtype=np.int64)
    series.impressions_mult = np.ones(days)
    series.comments_mult = np.ones(days)
    series.organic_gain = organic
    series.noise_shape = shape

    rate = assumptions.viral_follows_per_interaction
    for v in virals:
        # A post that takes off brings real people: most follow the same day, some the next.
        lift = max(int(rng.integers(5, 15)), int(expected[v.day] * rng.uniform(6, 20)))
        if rate is not None:
            # Reshared far outside the audience: follows scale with the post's interactions.
            audience = account.followers_start + int((genuine[: v.day] - loss[: v.day]).sum())
            lift = max(1, round(rate * viral_interactions(account, audience, v.multiplier)))
        same_day = round(lift * rng.uniform(0.55, 0.75))
        genuine[v.day] += same_day
        if v.day + 1 < days:
            genuine[v.day + 1] += lift - same_day
        series.virals.append(ViralOutcome(v, lift if v.day + 1 < days else same_day))

    for b in bursts:
        before = genuine[max(0, b.start - 28) : b.start]
        normal = float(before.mean()) if len(before) else float(expected[b.start])
        total = max(int(rng.integers(min_bought, 4 * min_bought)), int(b.factor * normal))
        if b.days <= 2:
            first = total if b.days == 1 else round(total * rng.uniform(0.55, 0.8))
            bought[b.start] += first
            if b.days > 1:
                bought[b.start + 1] += total - first
        else:  # a drip: the seller spreads the order evenly-ish over the week
            spread = rng.multinomial(total, rng.dirichlet(np.full(b.days, 8.0)))
            bought[b.start : b.start + b.days] += spread
        # The platform later removes a share of them, in lumps over the next 2-4 weeks.
        end = b.start + b.days - 1
        p_start = end + int(rng.integers(3, 8))
        p_end = end + int(rng.integers(14, 29))
        share = rng.uniform(0.2, 0.6)
        window = np.arange(p_start, p_end + 1)
        weights = rng.dirichlet(np.full(len(window), 0.4))
        lumps = rng.multinomial(round(total * share), weights)
        inside = window < days
        purge[window[inside]] += lumps[inside]
        lost = int(lumps[inside].sum())
        visible = window[inside][lumps[inside] > 0]
        series.bursts.append(
            BurstOutcome(
                b,
                followers=total,
                normal_daily_gain=round(normal, 2),
                lost_later=lost,
                purge_start=int(visible[0]) if len(visible) else None,
                purge_end=int(visible[-1]) if len(visible) else None,
            )
        )
    if plan is not None:
        _spans_and_purges(series, plan, rng)
    return series


def _spans_and_purges(series: GrowthSeries, plan: EventPlan, rng: np.random.Generator) -> None:
    expected, genuine = series.expected_gain, series.genuine_gain
    for event in (*plan.giveaways, *plan.campaigns):
        window = slice(event.start, event.start + event.days)
        # Real people: at least a handful a day even where organic growth is near zero.
        mean = np.maximum(expected[window] * event.lift, 3.0) * rng.uniform(0.7, 1.3, event.days)
        extra = rng.poisson(mean)
        genuine[window] += extra
        if isinstance(event, Giveaway):
            series.comments_mult[window] = event.comments_multiplier
            series.impressions_mult[window] = 1.5  # entrants share the post
        else:
            series.impressions_mult[window] = event.impressions_multiplier
            series.paid_gain[window] += extra  # LinkedIn reports these as paidFollowerGain
        series.spans.append(SpanOutcome(event, int(extra.sum())))
    for p in plan.purges:
        audience = int(series.followers[p.day - 1]) if p.day else series.account.followers_start
        normal = float(np.median(expected))
        lost = min(max(int(audience * p.share), int(5 * normal) + 3), max(audience - 1, 0))
        series.cleanup_loss[p.day] += lost
        series.purges.append(PurgeOutcome(p, lost))


@dataclass
class ProfileCounters:
    """The account's own public_metrics besides followers and tweets, end of each day."""

    following: np.ndarray
    listed: np.ndarray
    likes: np.ndarray


def simulate_counters(series: GrowthSeries, rng: np.random.Generator) -> ProfileCounters:
    account = series.account
    days = len(series.genuine_gain)
    follow = rng.poisson(0.4, days) - rng.poisson(0.25, days)
    following = np.maximum(account.following_start + np.cumsum(follow), 0)
    # Lists pick up people who are read, so they track genuine gains only.
    listed = account.listed_start + np.cumsum(rng.poisson(series.genuine_gain * 0.003))
    likes = account.likes_start + np.cumsum(rng.poisson(rng.uniform(0.5, 6), days))
    return ProfileCounters(following, listed, likes)
