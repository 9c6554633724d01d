"""Account-level daily activity (reach, views, profile visits, interactions) from one simulation.

Daily insights of Instagram, Facebook and LinkedIn are derived here from the same growth series
and posts the per-post files show, so they move together: a viral post or giveaway lifts the day's
interactions, a paid campaign lifts reach and impressions with its follows, bought followers lift
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from realreach_sim.accounts import DAY_MS
from realreach_sim.ids import day_start_ms
from realreach_sim.model import GrowthSeries
from realreach_sim.posts import METRIC_NAMES, Post


@dataclass(frozen=True)
class DailyActivity:
    posts: np.ndarray
    impressions: np.ndarray  # views of content
    reach: np.ndarray  # unique accounts reached (< impressions)
    likes: np.ndarray
    comments: np.ndarray
    shares: np.ndarray
    clicks: np.ndarray
    profile_views: np.ndarray
    website_clicks: np.ndarray

    @property
    def engagements(self) -> np.ndarray:
        return self.likes + self.comments + self.shares + self.clicks


def _credited(post: Post, d: int, days: int, start_ms: int) -> list[tuple[int, tuple[int, ...]]]:
    """The post's metrics by the day they arrive in.

    Most posts get nearly everything within hours, so all counts to their own day; a giveaway's
    contest post collects entrants' comments over the whole giveaway, credited day by day.
    """
    if not post.event_post or post.tau <= 0.5:
        return [(d, post.final)]
    credited: list[tuple[int, tuple[int, ...]]] = []
    before = (0,) * len(post.final)
    for day in range(d, days):
        if day == days - 1:
            now = post.final
        else:
            at = post.metrics_at(start_ms + (day + 1) * DAY_MS)
            now = tuple(at[name] for name in METRIC_NAMES)
        credited.append((day, tuple(b - a for a, b in zip(before, now, strict=True))))
        before = now
        if now == post.final:
            break
    return credited


def daily_activity(
    growth: GrowthSeries, posts: list[Post], start: date, rng: np.random.Generator
) -> DailyActivity:
    days = len(growth.expected_gain)
    start_ms = day_start_ms(start)
    per_day = np.zeros((days, 6))  # posts, impressions, likes, comments, shares, clicks-ish
    for post in posts:
        d = int((post.created_ms - start_ms) // DAY_MS)
        if 0 <= d < days:
            per_day[d, 0] += 1
            for day, metrics in _credited(post, d, days, start_ms):
                retweets, replies, likes, _quotes, impressions, bookmarks = metrics
                per_day[day, 1:] += (impressions, likes, replies, retweets, bookmarks)
    audience = np.maximum(growth.real_audience, 1).astype(float)
    # Content seen outside posts of that day (older posts, profile, stories): a steady floor.
    floor = rng.poisson(0.05 * audience**0.85 * growth.impressions_mult + 1)
    impressions = per_day[:, 1].astype(np.int64) + floor
    reach = (impressions * rng.uniform(0.55, 0.8, days)).astype(np.int64)
    # People look at the profile before they follow: visits track genuine follows and reach.
    profile_views = rng.poisson(0.02 * reach + 2.5 * growth.genuine_gain + 0.5)
    website_clicks = rng.binomial(profile_views, 0.08)
    clicks = per_day[:, 5].astype(np.int64) + rng.binomial(impressions, 0.002)
    return DailyActivity(
        posts=per_day[:, 0].astype(np.int64),
        impressions=impressions,
        reach=reach,
        likes=per_day[:, 2].astype(np.int64),
        comments=per_day[:, 3].astype(np.int64),
        shares=per_day[:, 4].astype(np.int64),
        clicks=clicks,
        profile_views=profile_views,
        website_clicks=website_clicks,
    )
