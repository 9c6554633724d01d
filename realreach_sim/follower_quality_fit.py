"""Fits the follower-quality logistic model OFFLINE and writes its coefficients into dbt.

The model runs in dbt (``int_follower_profiles_scored``) from ``seeds/follower_quality_*.csv``;
nothing is trained at run time. This script is how those seeds were made, so anyone can refit
and see the cross-validated figures:

    python -m realreach_sim.follower_quality_fit --labelled ../shared/data/labelled-followers \
        [--write]

Features are the X API v2 user-object signals, each transformed the same way in SQL (the
``FEATURES`` list is the contract between this file and the model). Inputs are standardised
inside the fit and the coefficients mapped back to raw feature units, so the SQL is a plain
dot product. L2-regularised logistic regression, Newton's method, numpy only.

Left out on purpose: the default avatar. In the labelled data no genuine and 2 of 665 purchased
profiles have one, so any weight for it would be fitted noise; it still shows in ``reasons``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "dbt_project" / "seeds"
COEFFICIENTS_CSV = SEEDS / "follower_quality_coefficients.csv"
ERROR_RATES_CSV = SEEDS / "follower_quality_error_rates.csv"
DEFAULT_THRESHOLD = 0.5  # dbt var follower_quality_threshold; read from dbt_project.yml
L2 = 1.0  # on standardised inputs; enough to keep collinear log-counts stable
FOLDS = 5
REPEATS = 10

_DIGITS = re.compile(r"\d")


@dataclass(frozen=True)
class Profile:
    followers: int
    following: int
    tweets: int
    likes: int | None
    listed: int
    age_days: float
    default_avatar: bool
    has_bio: bool
    has_location: bool
    has_url: bool
    name: str
    username: str


def _ln1p(x: float | None) -> float:
    return math.log1p(max(x or 0, 0))


# (name, how it is computed from a profile, what it means). dbt repeats each formula in SQL.
FEATURES: list[tuple[str, Callable[[Profile], float], str]] = [
    ("ln_followers", lambda p: _ln1p(p.followers), "ln(1 + followers_count)"),
    ("ln_following", lambda p: _ln1p(p.following), "ln(1 + following_count)"),
    (
        "ln_follow_ratio",
        lambda p: math.log((p.following + 1) / (p.followers + 1) ** 2),
        "ln((following + 1) / (followers + 1)^2): the published single-rule signal",
    ),
    ("ln_posts", lambda p: _ln1p(p.tweets), "ln(1 + tweet_count)"),
    ("ln_likes", lambda p: _ln1p(p.likes), "ln(1 + like_count)"),
    ("ln_listed", lambda p: _ln1p(p.listed), "ln(1 + listed_count)"),
    ("ln_age_days", lambda p: _ln1p(p.age_days), "ln(1 + account age in days when first seen)"),
    ("has_bio", lambda p: float(p.has_bio), "non-empty description"),
    ("has_location", lambda p: float(p.has_location), "non-empty location"),
    ("has_url", lambda p: float(p.has_url), "profile url set"),
    ("name_has_space", lambda p: float(" " in p.name.strip()), "display name has two words"),
    (
        "username_digits",
        lambda p: float(min(len(_DIGITS.findall(p.username)), 8)),
        "digits in the username (capped at 8)",
    ),
]


def profile_from_user(user: Mapping[str, Any], seen: datetime) -> Profile:
    metrics = user.get("public_metrics") or {}
    created = datetime.fromisoformat(str(user["created_at"]).replace("Z", "+00:00"))
    avatar = str(user.get("profile_image_url") or "")
    return Profile(
        followers=int(metrics.get("followers_count") or 0),
        following=int(metrics.get("following_count") or 0),
        tweets=int(metrics.get("tweet_count") or metrics.get("post_count") or 0),
        likes=metrics.get("like_count"),
        listed=int(metrics.get("listed_count") or 0),
        age_days=max((seen - created).total_seconds() / 86400, 0),
        default_avatar=avatar == "" or "default_profile_images" in avatar,
        has_bio=bool(str(user.get("description") or "").strip()),
        has_location=bool(str(user.get("location") or "").strip()),
        has_url=bool(str(user.get("url") or "").strip()),
        name=str(user.get("name") or ""),
        username=str(user.get("username") or ""),
    )


def matrix(profiles: list[Profile]) -> np.ndarray:
    return np.array([[f(p) for _, f, _ in FEATURES] for p in profiles], dtype=float)


def load_followers_dir(folder: Path) -> tuple[list[str], list[Profile]]:
    """Follower ids and profiles from X followers pages named ``<acct>_<YYYYMMDDTHHMMSSZ>...``."""
    ids, profiles = [], []
    for path in sorted(folder.glob("*.json")):
        stamp = path.stem.split("_")[1]
        seen = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        for user in json.loads(path.read_text()).get("data", []):
            ids.append(str(user["id"]))
            profiles.append(profile_from_user(user, seen))
    return ids, profiles


@dataclass(frozen=True)
class Model:
    intercept: float
    weights: np.ndarray  # per raw feature

    def probability(self, x: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-(self.intercept + x @ self.weights)))


def fit(x: np.ndarray, genuine: np.ndarray, l2: float = L2) -> Model:
    """Logistic regression of P(genuine); L2 on standardised weights (not the intercept)."""
    mean, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd == 0] = 1
    z = np.c_[np.ones(len(x)), (x - mean) / sd]
    beta = np.zeros(z.shape[1])
    penalty = np.r_[0.0, np.full(z.shape[1] - 1, l2)]
    for _ in range(100):
        p = 1 / (1 + np.exp(-(z @ beta)))
        grad = z.T @ (p - genuine) + penalty * beta
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    weights = beta[1:] / sd
    return Model(float(beta[0] - (mean * weights).sum()), weights)


def mcc(truth_fake: np.ndarray, flagged: np.ndarray) -> float:
    tp = float((truth_fake & flagged).sum())
    tn = float((~truth_fake & ~flagged).sum())
    fp = float((~truth_fake & flagged).sum())
    fn = float((truth_fake & ~flagged).sum())
    denom = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return (tp * tn - fp * fn) / denom if denom else 0.0


@dataclass(frozen=True)
class CrossValidation:
    mcc_mean: float
    mcc_sd: float
    sensitivity: float  # share of fake profiles flagged
    specificity: float  # share of genuine profiles passed
    n: int
    n_fake: int


def cross_validate(
    x: np.ndarray, fake: np.ndarray, threshold: float, seed: int = 7
) -> CrossValidation:
    """Repeated stratified k-fold: each fold scored by a model fit on the other folds."""
    rng = np.random.default_rng(seed)
    scores: list[float] = []
    tp = tn = n_fake = n_genuine = 0
    for _ in range(REPEATS):
        fold = np.empty(len(x), dtype=int)
        for cls in (True, False):
            idx = np.flatnonzero(fake == cls)
            fold[rng.permutation(idx)] = np.arange(len(idx)) % FOLDS
        for k in range(FOLDS):
            test = fold == k
            model = fit(x[~test], (~fake[~test]).astype(float))
            flagged = model.probability(x[test]) < threshold
            scores.append(mcc(fake[test], flagged))
            tp += int((fake[test] & flagged).sum())
            tn += int((~fake[test] & ~flagged).sum())
            n_fake += int(fake[test].sum())
            n_genuine += int((~fake[test]).sum())
    return CrossValidation(
        float(np.mean(scores)),
        float(np.std(scores, ddof=1)),
        tp / n_fake,
        tn / n_genuine,
        len(x),
        int(fake.sum()),
    )


def threshold_from_project() -> float:
    text = (REPO / "dbt_project" / "dbt_project.yml").read_text()
    found = re.search(r"^\s*follower_quality_threshold:\s*([0-9.]+)", text, re.M)
    return float(found.group(1)) if found else DEFAULT_THRESHOLD


def load_labelled(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    ids, profiles = load_followers_dir(folder / "landing" / "x" / "followers")
    labels = json.loads((folder / "labels.json").read_text())
    fake = np.array([bool(labels[i]) for i in ids])
    return matrix(profiles), fake


def write_seeds(model: Model, cv: CrossValidation, threshold: float, x: np.ndarray) -> None:
    """Coefficients per raw feature, with ``neutral`` = the feature's mean in the labelled data:
    dbt puts that value in when the pull did not include the signal, so an unknown signal
    moves a profile towards neither side."""
    SEEDS.mkdir(parents=True, exist_ok=True)
    with COEFFICIENTS_CSV.open("w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["term", "coefficient", "neutral", "meaning"])
        writer.writerow(["intercept", f"{model.intercept:.6f}", "1", "log-odds of genuine at zero"])
        for (name, _, meaning), weight, mean in zip(
            FEATURES, model.weights, x.mean(axis=0), strict=True
        ):
            writer.writerow([name, f"{weight:.6f}", f"{mean:.6f}", meaning])
    with ERROR_RATES_CSV.open("w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["threshold", "sensitivity", "specificity", "cv_mcc", "cv_mcc_sd", "n"])
        writer.writerow(
            [
                threshold,
                f"{cv.sensitivity:.4f}",
                f"{cv.specificity:.4f}",
                f"{cv.mcc_mean:.4f}",
                f"{cv.mcc_sd:.4f}",
                cv.n,
            ]
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--labelled", type=Path, default=REPO.parent / "shared/data/labelled-followers"
    )
    parser.add_argument("--write", action="store_true", help="rewrite the dbt seeds")
    args = parser.parse_args(argv)
    threshold = threshold_from_project()
    x, fake = load_labelled(args.labelled)
    cv = cross_validate(x, fake, threshold)
    model = fit(x, (~fake).astype(float))
    in_sample = mcc(fake, model.probability(x) < threshold)
    print(f"{cv.n} profiles ({cv.n_fake} purchased), threshold {threshold}")
    print(
        f"cross-validated MCC {cv.mcc_mean:.3f} ± {cv.mcc_sd:.3f} ({REPEATS}x{FOLDS}-fold); "
        f"sensitivity {cv.sensitivity:.3f}, specificity {cv.specificity:.3f}; "
        f"in-sample MCC {in_sample:.3f}"
    )
    for (name, _, _), weight in zip(FEATURES, model.weights, strict=True):
        print(f"  {name:16s} {weight:+.3f}")
    if args.write:
        write_seeds(model, cv, threshold, x)
        print(f"wrote {COEFFICIENTS_CSV.relative_to(REPO)} and {ERROR_RATES_CSV.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
