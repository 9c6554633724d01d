"""Who follows an account on each day, one follower at a time, for exports that list them all.

Archive ``follower.js`` (X) and "Download your information" ``followers_1.json`` (Instagram) are
complete follower lists, so they need identities that persist between exports: a follower who
stays is in every later list, one who leaves (unfollow, platform purge) disappears. Counts agree
with the growth series day by day. Only accounts up to ``LEDGER_CAP`` followers get a ledger:
listing millions of followers in every export would dwarf everything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from realreach_sim.accounts import DAY_MS
from realreach_sim.ids import day_start_ms
from realreach_sim.model import GrowthSeries

LEDGER_CAP = 20_000  # at most this many followers on any day
PRE_START = -1  # join day of the followers the account already had


@dataclass(frozen=True)
class Ledger:
    join_day: np.ndarray  # day index the follower arrived (PRE_START for older followers)
    leave_day: np.ndarray  # day index they left (a large number if they stayed)
    followed_ms: np.ndarray  # when they followed
    bought: np.ndarray  # bool

    def present(self, day: int) -> np.ndarray:
        """Indexes of the followers at the end of ``day``, newest first (as exports list them)."""
        idx = np.flatnonzero((self.join_day <= day) & (self.leave_day > day))
        return idx[np.argsort(-self.followed_ms[idx], kind="stable")]


def fits(series: GrowthSeries) -> bool:
    return int(series.followers.max()) <= LEDGER_CAP


def build_ledger(
    series: GrowthSeries, start: date, created_ms: int, rng: np.random.Generator
) -> Ledger:
    days = len(series.expected_gain)
    start_ms = day_start_ms(start)
    n0 = series.account.followers_start
    joins = [np.full(n0, PRE_START)]
    bought = [np.zeros(n0, dtype=bool)]
    times = [np.sort(rng.integers(created_ms, start_ms, n0))]
    for d in range(days):
        genuine, fake = int(series.genuine_gain[d]), int(series.bought_gain[d])
        day_ms = start_ms + d * DAY_MS
        joins.append(np.full(genuine + fake, d))
        bought.append(np.r_[np.zeros(genuine, dtype=bool), np.ones(fake, dtype=bool)])
        # Genuine follows spread over the day; a seller delivers in a few hours' rush.
        rush = day_ms + int(rng.integers(0, 18 * 3600_000))
        times.append(
            np.r_[
                rng.integers(day_ms, day_ms + DAY_MS, genuine),
                rush + rng.integers(0, 4 * 3600_000, fake),
            ]
        )
    join_day = np.concatenate(joins)
    is_bought = np.concatenate(bought)
    followed = np.concatenate(times).astype(np.int64)
    leave = np.full(len(join_day), np.iinfo(np.int64).max)
    for d in range(days):
        here = (join_day <= d) & (leave > d)
        # Unfollows and clean-ups hit real followers; purges of a purchase hit the bought ones.
        real = np.flatnonzero(here & ~is_bought & (join_day < d))
        fake = np.flatnonzero(here & is_bought)
        n_real = min(int(series.organic_loss[d] + series.cleanup_loss[d]), len(real))
        n_fake = min(int(series.purge_loss[d]), len(fake))
        leave[rng.choice(real, n_real, replace=False)] = d
        leave[rng.choice(fake, n_fake, replace=False)] = d
    return Ledger(join_day, leave, followed, is_bought)
