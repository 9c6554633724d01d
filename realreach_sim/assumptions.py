"""The simulator's assumptions about the world, as parameters instead of constants.

A detector tuned on one generator learns that generator's constants. ``make eval`` therefore
varies them on a grid (benchmarks/eval.py): how noisy organic growth is, how many people follow
per interaction on a post that goes viral, how often absolute counts are pulled, how big
purchases are. ``Assumptions()`` is what the generator always did: same arguments, same bytes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

CADENCES = ("daily", "weekly", "missing")
DEFAULT_NOISE_ALPHA = 1 / 6  # negative binomial shape 6: what the generator used before
WEEK_DAYS = 7


@dataclass(frozen=True)
class Assumptions:
    # Organic daily gains: negative binomial with variance mu + alpha * mu^2 (shape 1/alpha);
    # alpha 0 is Poisson. Real accounts reach a coefficient of variation near 1 (alpha 1).
    noise_alpha: float = DEFAULT_NOISE_ALPHA
    # Genuine follows a viral post brings, per interaction on it (likes, reposts, replies,
    # quotes). None keeps the original rule (6-20 normal days' gain, whatever the interactions):
    # reshared far outside the audience, a small account can gain more follows than likes.
    viral_follows_per_interaction: float | None = None
    # "daily": an absolute count on every pull. "weekly": absolute counts (LinkedIn networkSizes,
    # Instagram followers_count, Facebook page_follows) only once a week while daily gains are
    # still reported; X reports no gains, so it keeps daily counts. "missing": daily pulls with
    # a share of days not pulled at all (every platform).
    cadence: str = "daily"
    missing_share: float = 0.15  # of the quiet days, under cadence "missing"
    # Scenario "eval": bought per day relative to a normal day, drawn log-uniform in this range.
    # None keeps the scenario's own range.
    purchase_factors: tuple[float, float] | None = None
    # New X followers the pull client reads per pull, newest first (3 pages of 1000; X's
    # default page is 100).
    x_followers_per_pull: int = 3000

    def __post_init__(self) -> None:
        if self.noise_alpha < 0:
            raise ValueError(f"noise_alpha must be >= 0 (0 = Poisson), got {self.noise_alpha}")
        if self.cadence not in CADENCES:
            raise ValueError(f"unknown cadence {self.cadence!r}; available: {', '.join(CADENCES)}")
        if not 0 <= self.missing_share < 1:
            raise ValueError(f"missing_share must be in [0, 1), got {self.missing_share}")
        if (
            self.viral_follows_per_interaction is not None
            and self.viral_follows_per_interaction <= 0
        ):
            raise ValueError("viral_follows_per_interaction must be positive")
        if self.x_followers_per_pull < 1:
            raise ValueError(f"x_followers_per_pull must be >= 1, got {self.x_followers_per_pull}")
        if self.purchase_factors is not None:
            low, high = self.purchase_factors
            if not 0 < low <= high:
                raise ValueError(f"purchase_factors must be 0 < low <= high, got {low}, {high}")

    @property
    def is_default(self) -> bool:
        return self == USUAL

    @property
    def noise_shape(self) -> float | None:
        """Negative binomial shape; None for Poisson."""
        return None if self.noise_alpha == 0 else 1.0 / self.noise_alpha

    def count_every(self, platform: str) -> int:
        """Days between absolute follower counts of ``platform`` (1 = every pull)."""
        return WEEK_DAYS if self.cadence == "weekly" and platform != "x" else 1

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if out["purchase_factors"] is not None:
            out["purchase_factors"] = list(out["purchase_factors"])
        return out


def is_anchor_day(day: int, days: int, every: int) -> bool:
    """Whether an absolute count is reported for ``day`` (first and last day always are)."""
    return every <= 1 or day % every == 0 or day == days - 1


USUAL = Assumptions()  # what the generator always did
