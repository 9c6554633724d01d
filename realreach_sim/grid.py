"""The assumption grid ``make eval`` measures on, and how many accounts fill one cell.

Levels (issue 9): organic noise Poisson or negative binomial with variance mu + alpha mu^2,
alpha 0.2 / 0.6 / 1.0; follows per interaction on viral posts 0.2 / 1 / 5; pull cadence daily
counts / weekly counts with daily gains / missing days. Purchases 3x-500x a normal day, 1-2-day
bursts and 5-7-day drips, in every cell.

The full product is 4 x 3 x 3 = 36 cells; at the size a cell needs (>= 150 purchases and >= 150
legit events) that does not fit the time budget on two shared cores. The default "latin"
design takes the 12 cells noise x viral and assigns the cadence by a Latin square
(cadence index = (noise index + viral index) mod 3): every level of every factor appears, every
pair of levels of any two factors appears at least once, and each noise and each viral level
meets every cadence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import product

from realreach_sim.assumptions import CADENCES, Assumptions

NOISE_LEVELS: tuple[tuple[str, float], ...] = (
    ("poisson", 0.0),
    ("nb a=0.2", 0.2),
    ("nb a=0.6", 0.6),
    ("nb a=1.0", 1.0),
)
VIRAL_LEVELS: tuple[float, ...] = (0.2, 1.0, 5.0)
CADENCE_LEVELS: tuple[str, ...] = CADENCES
PURCHASE_FACTORS = (3.0, 500.0)  # bought per day relative to a normal day
# One default-size page (X's max_results default, 100) of the newest new X followers per
# pull, not 3 pages of 1000: a purchase's sample is as telling (the detector needs 20), and
# X follower profiles were most of a cell's bytes and ingest time (640 of 890 MB).
X_FOLLOWERS_PER_PULL = 100
DESIGNS = ("latin", "full")
MIN_PURCHASES = 150
MIN_LEGIT = 150
LEGIT_TYPES = ("viral_post", "giveaway", "paid_campaign", "purge")
TUNE_SEED_BASE = 1  # cell k uses seed base + k: tuning seeds 1, 2, ...
REPORT_SEED_BASE = 1001  # ... and reported seeds 1001, 1002, ...: never the same data


@dataclass(frozen=True)
class Cell:
    index: int
    noise: str
    alpha: float
    viral_follows: float
    cadence: str

    @property
    def name(self) -> str:
        return f"{self.noise} | viral {self.viral_follows:g}/interaction | {self.cadence}"

    @property
    def assumptions(self) -> Assumptions:
        return Assumptions(
            noise_alpha=self.alpha,
            viral_follows_per_interaction=self.viral_follows,
            cadence=self.cadence,
            purchase_factors=PURCHASE_FACTORS,
            x_followers_per_pull=X_FOLLOWERS_PER_PULL,
        )

    def seed(self, base: int) -> int:
        return base + self.index


def grid_design(design: str = "latin") -> list[Cell]:
    """The cells of ``design`` ("latin": 12 cells, see the module doc; "full": all 36)."""
    if design not in DESIGNS:
        raise ValueError(f"unknown design {design!r}; available: {', '.join(DESIGNS)}")
    cells = []
    for i, (noise, alpha) in enumerate(NOISE_LEVELS):
        for j, viral in enumerate(VIRAL_LEVELS):
            cadences = CADENCE_LEVELS if design == "full" else (CADENCE_LEVELS[(i + j) % 3],)
            for cadence in cadences:
                cells.append(Cell(len(cells), noise, alpha, viral, cadence))
    return cells


def design_coverage(cells: list[Cell]) -> dict[str, set]:
    """Levels and level pairs the cells cover (what a fractional design must not lose)."""
    factors = {
        "noise": [c.noise for c in cells],
        "viral": [c.viral_follows for c in cells],
        "cadence": [c.cadence for c in cells],
    }
    out: dict[str, set] = {name: set(values) for name, values in factors.items()}
    for a, b in (("noise", "viral"), ("noise", "cadence"), ("viral", "cadence")):
        out[f"{a} x {b}"] = set(zip(factors[a], factors[b], strict=True))
    return out


def full_pairs() -> dict[str, set]:
    return {
        "noise x viral": set(product([n for n, _ in NOISE_LEVELS], VIRAL_LEVELS)),
        "noise x cadence": set(product([n for n, _ in NOISE_LEVELS], CADENCE_LEVELS)),
        "viral x cadence": set(product(VIRAL_LEVELS, CADENCE_LEVELS)),
    }


def event_counts(sim) -> tuple[int, int]:
    """(purchases, legit events) a simulation holds, before anything is written."""
    bought = legit = 0
    for ps in sim.platforms.values():
        bought += len(ps.plan.bursts)
        legit += len(ps.plan.virals) + len(ps.plan.giveaways)
        legit += len(ps.plan.campaigns) + len(ps.plan.purges)
    return bought, legit


def accounts_for(
    cell: Cell,
    seed: int,
    days: int,
    end: date,
    platforms: tuple[str, ...],
    start_accounts: int = 16,
    step: int = 1,
    minimum: tuple[int, int] = (MIN_PURCHASES, MIN_LEGIT),
) -> tuple[int, tuple[int, int]]:
    """The fewest accounts (from ``start_accounts`` in ``step``s) whose simulation holds at
    least ``minimum`` purchases and legit events: simulating is cheap, building is not."""
    from realreach_sim.generator import simulate

    start = end - timedelta(days=days - 1)
    n = start_accounts
    while True:
        sim = simulate(accounts=n, days=days, seed=seed, start=start, platforms=platforms,
                       scenario="eval", assumptions=cell.assumptions)  # fmt: skip
        counts = event_counts(sim)
        if counts[0] >= minimum[0] and counts[1] >= minimum[1]:
            return n, counts
        n += step
