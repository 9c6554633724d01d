"""An oracle detector: it knows each account's true organic distribution.

It shows what a cell allows at all. Per account and day the simulator drew the organic gain
from a known negative binomial (or Poisson) with a known mean; the oracle also knows the lifts
that real activity added (viral posts, giveaways, campaigns) and takes them out, so what is left
is organic noise plus any purchase. It flags a day whose gain exceeds the organic 1-in-10,000
upper quantile, and a 7-day window whose sum exceeds that quantile of the window's sum (a drip
adds only a few normal days a day). Episodes are built like the baseline's and called
"suspicious". Where even this oracle misses purchases (small ones on a heavy-tailed account),
no detector working from the counts can be asked to find them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np

# flagged days -> episodes exactly as the baseline's (one rule for every detector scored)
from realreach_sim.evaluation import episodes

TAIL = 1e-4  # one false day in 10,000 organic account-days
WINDOW_DAYS = 7


def _upper(mean: np.ndarray, var: np.ndarray, tail: float) -> np.ndarray:
    """Upper ``tail`` quantile of counts with this mean and variance (NB, or Poisson)."""
    from scipy import stats  # Great Expectations' dependency; only the evaluation needs it

    mean = np.maximum(mean, 1e-9)
    extra = var - mean
    out = np.empty_like(mean)
    poisson = extra <= 1e-12 * np.maximum(mean, 1)
    out[poisson] = stats.poisson.isf(tail, mean[poisson])
    nb = ~poisson
    shape = mean[nb] ** 2 / extra[nb]
    out[nb] = stats.nbinom.isf(tail, shape, shape / (shape + mean[nb]))
    return out


def oracle_days(
    expected: np.ndarray, gains: np.ndarray, shape: float | None, tail: float = TAIL
) -> np.ndarray:
    """Indexes of days the oracle flags, given the true organic means ``expected``, the NB
    ``shape`` (None = Poisson) and the gains to judge (organic + bought)."""
    expected = np.asarray(expected, dtype=float)
    gains = np.asarray(gains, dtype=float)
    alpha = 0.0 if shape is None else 1.0 / shape
    var = expected + alpha * expected**2
    flagged = gains > _upper(expected, var, tail)
    if len(gains) >= WINDOW_DAYS:
        kernel = np.ones(WINDOW_DAYS)
        means = np.convolve(expected, kernel, "valid")
        # Days are independent given their means: variances add.
        limits = _upper(means, np.convolve(var, kernel, "valid"), tail)
        # Flagged days count as ordinary: while a window's sum is still too big, flag its
        # most excessive day (the fewest days that explain it, not the whole window).
        rest = np.where(flagged, expected, gains)
        while True:
            over = np.flatnonzero(np.convolve(rest, kernel, "valid") > limits)
            if not len(over):
                break
            window = slice(over[0], over[0] + WINDOW_DAYS)
            day = over[0] + int(np.argmax(rest[window] - expected[window]))
            flagged[day] = True
            rest[day] = expected[day]
    return np.flatnonzero(flagged)


def oracle_spikes(sim: Any) -> list[dict[str, Any]]:
    """Suspicious episodes of the oracle over every account of a ``Simulation``."""
    spikes = []
    for ps in sim.platforms.values():
        for series in ps.growth:
            gains = series.organic_gain + series.bought_gain
            days = oracle_days(series.expected_gain, gains, series.noise_shape)
            flagged = [sim.start + timedelta(days=int(d)) for d in days]
            for start, end in episodes(flagged):
                spikes.append(
                    {
                        "platform": ps.platform,
                        "account_id": series.account.account_id,
                        "spike_start": start,
                        "spike_end": end,
                        "verdict": "suspicious",
                    }
                )
    return spikes
