"""Comparing detected spikes with a generator's labels (what was really injected).

Two uses: ``evaluate`` is the one-line summary the CLI prints after a run on generated data;
``score_run`` is the full scoring of ``make eval`` (benchmarks/eval.py): precision, recall and F1
for "bought" per scenario type, false-positive rate on spikes real activity explains, detection
delay — for our detector and, side by side, the mean ± 3σ baseline (``baseline_spikes``).

Matching rule (both detectors): a flagged spike finds a labelled event when it is on the same
account and its days overlap the event's days widened by one day each side (daily data blurs the
edges: a burst at 23:00 shows up in the next day's count).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

SLACK = timedelta(days=1)
EXPLAINED_TYPES = ("viral_post", "giveaway", "paid_campaign")
# Burst size buckets, by factor = bought per day / normal daily gain (labels.md).
FACTOR_BUCKETS = (
    ("~2x", 0.0, 5.0),
    ("~10x", 5.0, 30.0),
    ("~100x", 30.0, 250.0),
    ("~500x", 250.0, math.inf),
)
DETECTOR_MODELS = "int_followers_baselined+"  # the spike models, for a replay
BASELINE_WINDOW_DAYS = 14
BASELINE_SIGMAS = 3.0


@dataclass
class Detection:
    bursts: int = 0
    bursts_found: int = 0
    viral: int = 0
    viral_flagged: int = 0
    missed: list[dict[str, Any]] = field(default_factory=list)
    wrongly_flagged: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"injected bursts found {self.bursts_found}/{self.bursts}; "
            f"viral posts wrongly flagged {self.viral_flagged}/{self.viral}"
        )


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def event_days(event: dict[str, Any]) -> tuple[date, date]:
    if "date" in event and event.get("date"):
        day = _day(event["date"])
        return day, day
    return _day(event["start"]), _day(event["end"])


def _overlaps(spike: dict[str, Any], start: date, end: date) -> bool:
    return _day(spike["spike_start"]) <= end + SLACK and _day(spike["spike_end"]) >= start - SLACK


def evaluate(labels_path: Path, spikes: list[dict[str, Any]]) -> Detection:
    labels = json.loads(labels_path.read_text())
    suspicious = [s for s in spikes if s["verdict"] == "suspicious"]
    result = Detection()
    for event in labels.get("events", []):
        mine = [
            s
            for s in suspicious
            if s["platform"] == event.get("platform") and s["account_id"] == event.get("account_id")
        ]
        if event["type"] == "bought_followers":
            result.bursts += 1
            start, end = event_days(event)
            if any(_overlaps(s, start, end) for s in mine):
                result.bursts_found += 1
            else:
                result.missed.append(event)
        elif event["type"] == "viral_post":
            result.viral += 1
            day = _day(event["date"])
            if any(_overlaps(s, day, day + SLACK) for s in mine):
                result.viral_flagged += 1
                result.wrongly_flagged.append(event)
    return result


# ---------------------------------------------------------------------------------------------
# make eval


def factor_bucket(factor: float | None) -> str:
    if factor is None:
        return "unknown"
    for name, low, high in FACTOR_BUCKETS:
        if low <= factor < high:
            return name
    return "unknown"


def bought_factor(event: dict[str, Any]) -> float | None:
    """bought per day ÷ normal daily gain; older labels lack `factor`, so derive it."""
    if event.get("factor") is not None:
        return float(event["factor"])
    start, end = event_days(event)
    normal = event.get("normal_daily_gain")
    if not normal or not event.get("followers"):
        return None
    return float(event["followers"]) / ((end - start).days + 1) / max(float(normal), 0.5)


def bought_shape(event: dict[str, Any]) -> str:
    if event.get("shape"):
        return "drip" if event["shape"] == "drip" else "1-2 day burst"
    start, end = event_days(event)
    return "drip" if (end - start).days + 1 >= 3 else "1-2 day burst"


@dataclass
class Counts:
    """Per group: labelled bought events found / missed, suspicious spikes matching nothing."""

    events: int = 0
    found: int = 0
    false_spikes: int = 0
    true_spikes: int = 0

    def as_dict(self, with_precision: bool) -> dict[str, Any]:
        recall = self.found / self.events if self.events else None
        out: dict[str, Any] = {"bought": self.events, "found": self.found, "recall": _r(recall)}
        if with_precision:
            flagged = self.true_spikes + self.false_spikes
            precision = self.true_spikes / flagged if flagged else None
            f1 = (
                2 * precision * recall / (precision + recall)
                if precision is not None and recall is not None and precision + recall > 0
                else None
            )
            out.update(
                flagged=flagged,
                false_flags=self.false_spikes,
                precision=_r(precision),
                f1=_r(f1),
            )
        return out


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass
class RunScore:
    """One detector on one labelled run: raw matches, aggregated later across runs."""

    bought: list[dict[str, Any]] = field(default_factory=list)  # each: event facts + found
    explained: list[dict[str, Any]] = field(default_factory=list)  # each: type + flagged
    purges: list[dict[str, Any]] = field(default_factory=list)
    spikes: list[dict[str, Any]] = field(default_factory=list)  # suspicious: + matched, group


def _key(row: dict[str, Any]) -> tuple[str, str]:
    return str(row["platform"]), str(row["account_id"])


def score_run(labels: dict[str, Any], suspicious: list[dict[str, Any]]) -> RunScore:
    """Match one run's suspicious spikes with its labels (see the module doc for the rule)."""
    accounts = {_key(a): a for a in labels.get("accounts", [])}
    by_account: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for spike in suspicious:
        by_account[_key(spike)].append(spike)
    score = RunScore()
    matched: set[int] = set()
    for event in labels.get("events", []):
        if event["type"] == "missing_pull" or "account_id" not in event:
            continue
        key = _key(event)
        start, end = event_days(event)
        hits = [s for s in by_account.get(key, []) if _overlaps(s, start, end)]
        account = accounts.get(key, {})
        facts = {
            "platform": key[0],
            "account_id": key[1],
            "start": start.isoformat(),
            "end": end.isoformat(),
            "size_class": account.get("size_class", "unknown"),
        }
        if event["type"] == "bought_followers":
            matched.update(id(s) for s in hits)
            factor = bought_factor(event)
            score.bought.append(
                {
                    **facts,
                    "factor": None if factor is None else round(factor, 1),
                    "factor_bucket": factor_bucket(factor),
                    "shape": bought_shape(event),
                    "followers": event.get("followers"),
                    "found": bool(hits),
                }
            )
        elif event["type"] in EXPLAINED_TYPES:
            score.explained.append({**facts, "type": event["type"], "flagged": bool(hits)})
        elif event["type"] == "purge":
            score.purges.append({**facts, "flagged": bool(hits)})
    for spike in suspicious:
        account = accounts.get(_key(spike), {})
        score.spikes.append(
            {
                "platform": spike["platform"],
                "account_id": str(spike["account_id"]),
                "spike_start": str(spike["spike_start"])[:10],
                "spike_end": str(spike["spike_end"])[:10],
                "size_class": account.get("size_class", "unknown"),
                "matched": id(spike) in matched,
            }
        )
    return score


def aggregate(scores: list[RunScore]) -> dict[str, Any]:
    """Precision/recall/F1 overall, per platform and size class (which own false flags too);
    recall per burst size and shape (a false flag has no size); false-positive rates."""
    bought = [b for s in scores for b in s.bought]
    spikes = [x for s in scores for x in s.spikes]
    explained = [e for s in scores for e in s.explained]
    purges = [p for s in scores for p in s.purges]

    def counts(keep_event, keep_spike) -> Counts:
        c = Counts()
        for b in bought:
            if keep_event(b):
                c.events += 1
                c.found += b["found"]
        for x in spikes:
            if keep_spike(x):
                if x["matched"]:
                    c.true_spikes += 1
                else:
                    c.false_spikes += 1
        return c

    out: dict[str, Any] = {
        "overall": counts(lambda b: True, lambda x: True).as_dict(True),
        "by_platform": {},
        "by_size_class": {},
        "by_factor": {},
        "by_shape": {},
    }
    for platform in sorted({b["platform"] for b in bought} | {x["platform"] for x in spikes}):
        out["by_platform"][platform] = counts(
            lambda b, p=platform: b["platform"] == p, lambda x, p=platform: x["platform"] == p
        ).as_dict(True)
    for size in ("tiny", "small", "medium", "large", "huge", "unknown"):
        c = counts(lambda b, s=size: b["size_class"] == s, lambda x, s=size: x["size_class"] == s)
        if c.events or c.false_spikes:
            out["by_size_class"][size] = c.as_dict(True)
    for name in [n for n, _, _ in FACTOR_BUCKETS] + ["unknown"]:
        c = counts(lambda b, n=name: b["factor_bucket"] == n, lambda x: False)
        if c.events:
            out["by_factor"][name] = c.as_dict(False)
    for shape in ("1-2 day burst", "drip"):
        c = counts(lambda b, s=shape: b["shape"] == s, lambda x: False)
        if c.events:
            out["by_shape"][shape] = c.as_dict(False)
    fp: dict[str, Any] = {}
    for kind in (*EXPLAINED_TYPES, "purge"):
        rows = purges if kind == "purge" else [e for e in explained if e["type"] == kind]
        if rows:
            flagged = sum(r["flagged"] for r in rows)
            fp[kind] = {"events": len(rows), "flagged": flagged, "rate": _r(flagged / len(rows))}
    all_explained = [e for e in explained]
    if all_explained:
        flagged = sum(e["flagged"] for e in all_explained)
        fp["all explained"] = {
            "events": len(all_explained),
            "flagged": flagged,
            "rate": _r(flagged / len(all_explained)),
        }
    out["false_positive_rate"] = fp
    out["missed"] = [b for b in bought if not b["found"]]
    out["false_flags"] = [x for x in spikes if not x["matched"]]
    return out


def delay_summary(delays: list[dict[str, Any]]) -> dict[str, Any]:
    """delays: per bought event {factor, delay_days or None (not found within the replay)}."""

    def stats(rows: list[dict[str, Any]]) -> dict[str, Any]:
        known = [r["delay_days"] for r in rows if r["delay_days"] is not None]
        within = sum(1 for d in known if d <= 1)
        return {
            "bursts": len(rows),
            "found_within_1_day": within,
            "share_within_1_day": _r(within / len(rows)) if rows else None,
            "median_delay_days": statistics.median(known) if known else None,
            "max_delay_days": max(known) if known else None,
        }

    big = [r for r in delays if r.get("factor") is not None and r["factor"] >= 10]
    return {"all bursts": stats(delays), "bursts >= 10x": stats(big)}


# ---------------------------------------------------------------------------------------------
# The baseline: mean ± 3σ of the previous 14 days' gains, the default of common dbt anomaly tests


def baseline_spikes(daily: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Days whose gain exceeds mean + 3σ of the previous 14 days, merged into episodes like ours
    (at most one normal day between flagged days). Gain = gross `followers_gained` where the
    platform reports it, else `net_followers`. σ = 0 (a flat account) makes the z-score
    undefined, as a SQL test dividing by a zero stddev would: such a day is not flagged. Each
    episode is called "suspicious": the baseline has no notion of an explanation. Each spike
    carries `first_flagged` (the first day it would have been in the marts)."""
    by_account: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in daily:
        by_account[_key(row)].append(row)
    spikes: list[dict[str, Any]] = []
    for key, rows in by_account.items():
        rows.sort(key=lambda r: _day(r["date"]))
        gains = [
            r["followers_gained"] if r.get("followers_gained") is not None else r["net_followers"]
            for r in rows
        ]
        flagged: list[date] = []
        for i, row in enumerate(rows):
            window = [g for g in gains[max(0, i - BASELINE_WINDOW_DAYS) : i] if g is not None]
            if gains[i] is None or len(window) < BASELINE_WINDOW_DAYS:
                continue
            mean = statistics.fmean(window)
            sigma = statistics.stdev(window)
            if sigma > 0 and (gains[i] - mean) / sigma > BASELINE_SIGMAS:
                flagged.append(_day(row["date"]))
        for start, end in episodes(flagged):
            spikes.append(
                {
                    "platform": key[0],
                    "account_id": key[1],
                    "spike_start": start,
                    "spike_end": end,
                    "first_flagged": start,
                    "verdict": "suspicious",
                }
            )
    return spikes


def episodes(days: list[date], max_gap_days: int = 1) -> list[tuple[date, date]]:
    """Flagged days at most ``max_gap_days`` apart as (first, last) episodes."""
    episodes: list[tuple[date, date]] = []
    for day in sorted(days):
        if episodes and (day - episodes[-1][1]).days <= max_gap_days + 1:
            episodes[-1] = (episodes[-1][0], day)
        else:
            episodes.append((day, day))
    return episodes


# ---------------------------------------------------------------------------------------------
# Replay: the detector as it stood on an earlier evening


def replay_detector(home: Any, as_of: dict[str, str]) -> None:
    """`dbt run` of the spike models with each listed account ('platform:account_id') cut at its
    ISO date (dbt var detect_as_of): what follower_spikes said that evening. Overwrites those
    models' tables in the home's warehouse (a full refresh of them: the incremental ones would
    otherwise apply the last build's changes again) and marks the warehouse's build watermark
    as of another project, so the next normal build is a full one and restores them."""
    from realreach.transform import dbt_executable
    from realreach_core.home import DBT_PROJECT_DIR

    base = home.state / "dbt"
    cmd = [
        str(dbt_executable()), "run", "--select", DETECTOR_MODELS,
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(base / "target"), "--log-path", str(base / "logs"),
        "--no-use-colors", "--full-refresh", "--vars", json.dumps({"detect_as_of": as_of}),
    ]  # fmt: skip
    env = {
        **os.environ,
        "REALREACH_HOME": str(home.root),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    from realreach.locking import exclusive

    # The same lock as every build of this home: a replay never races a build's writer.
    with exclusive(home.state / "build.lock"):
        done = subprocess.run(cmd, env=env, cwd=DBT_PROJECT_DIR, capture_output=True, text=True)
        if done.returncode == 0:
            import duckdb

            from realreach.build_state import STATE_TABLE

            with duckdb.connect(str(home.warehouse)) as con:
                con.execute(
                    f"update main.{STATE_TABLE} set project_hash = ?",
                    ["replayed by the evaluation"],
                )
    if done.returncode != 0:
        raise RuntimeError(f"replay dbt run failed for {home.root}:\n{done.stdout[-3000:]}")


# ---------------------------------------------------------------------------------------------
# The assumption grid: intervals, per-account resampling, count accuracy

Z95 = 1.959964


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float | None, float | None]:
    """Wilson score interval of a proportion (None, None when n = 0)."""
    if n <= 0:
        return None, None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class AccountTally:
    """One account's part of a detector's score, the unit the bootstrap resamples."""

    bought: int = 0
    found: int = 0
    true_spikes: int = 0
    false_spikes: int = 0
    legit: int = 0
    legit_flagged: int = 0


def tallies(score: RunScore) -> dict[tuple[str, str], AccountTally]:
    out: dict[tuple[str, str], AccountTally] = defaultdict(AccountTally)
    for b in score.bought:
        t = out[_key(b)]
        t.bought += 1
        t.found += b["found"]
    for x in score.spikes:
        t = out[_key(x)]
        if x["matched"]:
            t.true_spikes += 1
        else:
            t.false_spikes += 1
    for e in (*score.explained, *score.purges):
        t = out[_key(e)]
        t.legit += 1
        t.legit_flagged += e["flagged"]
    return dict(out)


def f1_of(t: AccountTally) -> float | None:
    flagged = t.true_spikes + t.false_spikes
    if not t.bought or not flagged:
        return 0.0 if t.bought else None
    p, r = t.true_spikes / flagged, t.found / t.bought
    return 2 * p * r / (p + r) if p + r else 0.0


def _sum(rows: list[AccountTally]) -> AccountTally:
    total = AccountTally()
    for r in rows:
        for name in total.__dataclass_fields__:
            setattr(total, name, getattr(total, name) + getattr(r, name))
    return total


def bootstrap_f1(
    rows: list[AccountTally], resamples: int = 2000, seed: int = 0
) -> tuple[float | None, float | None]:
    """95% percentile interval of F1, resampling accounts (events on one account are not
    independent: one account's noise makes or breaks several of its calls)."""
    import numpy as np

    if not rows:
        return None, None
    arr = np.array([[r.bought, r.found, r.true_spikes, r.false_spikes] for r in rows], dtype=float)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(rows), size=(resamples, len(rows)))
    sums = arr[picks].sum(axis=1)  # resamples x 4
    bought, found, true, false = sums.T
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(true + false > 0, true / (true + false), 0.0)
        r = np.where(bought > 0, found / bought, np.nan)
        f1 = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
    f1 = f1[~np.isnan(r)]
    if not len(f1):
        return None, None
    return float(np.percentile(f1, 2.5)), float(np.percentile(f1, 97.5))


def cell_score(score: RunScore) -> dict[str, Any]:
    """Precision, recall, F1 of "bought" and legit events called suspicious, each with its
    95% interval (Wilson; F1: bootstrap over accounts)."""
    rows = list(tallies(score).values())
    t = _sum(rows)
    flagged = t.true_spikes + t.false_spikes
    precision = t.true_spikes / flagged if flagged else None
    recall = t.found / t.bought if t.bought else None
    f1 = f1_of(t)
    return {
        "bought": t.bought,
        "found": t.found,
        "flagged": flagged,
        "false_flags": t.false_spikes,
        "precision": _r(precision),
        "precision_ci": [_r(v) for v in wilson(t.true_spikes, flagged)],
        "recall": _r(recall),
        "recall_ci": [_r(v) for v in wilson(t.found, t.bought)],
        "f1": _r(f1),
        "f1_ci": [_r(v) for v in bootstrap_f1(rows)],
        "legit": t.legit,
        "legit_flagged": t.legit_flagged,
        "legit_fp_rate": _r(t.legit_flagged / t.legit) if t.legit else None,
        "legit_fp_ci": [_r(v) for v in wilson(t.legit_flagged, t.legit)],
    }


def pooled_score(scores: list[RunScore]) -> dict[str, Any]:
    """cell_score over several runs at once (accounts of different runs stay apart)."""
    merged = RunScore()
    for n, s in enumerate(scores):
        tag = f"#{n}:"
        merged.bought += [{**b, "account_id": tag + b["account_id"]} for b in s.bought]
        merged.spikes += [{**x, "account_id": tag + x["account_id"]} for x in s.spikes]
        merged.explained += [{**e, "account_id": tag + e["account_id"]} for e in s.explained]
        merged.purges += [{**p, "account_id": tag + p["account_id"]} for p in s.purges]
    return cell_score(merged)


def count_accuracy(
    labels: dict[str, Any], daily: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Per platform: days whose reconstructed follower count is within max(1, 0.1%) of the
    truth (labels' followers_daily), out of every labelled account-day (a day the marts lack
    counts as wrong)."""
    start = date.fromisoformat(labels["start"])
    truth: dict[tuple[str, str], list[int]] = {
        _key(a): a["followers_daily"] for a in labels["accounts"] if "followers_daily" in a
    }
    built: dict[tuple[str, str, int], Any] = {}
    for row in daily:
        d = (_day(row["date"]) - start).days
        built[(str(row["platform"]), str(row["account_id"]), d)] = row.get("followers")
    out: dict[str, dict[str, Any]] = {}
    for (platform, account), counts in truth.items():
        c = out.setdefault(platform, {"days": 0, "exact": 0})
        for d, true in enumerate(counts):
            got = built.get((platform, account, d))
            c["days"] += 1
            if got is not None and abs(float(got) - true) <= max(1.0, 0.001 * true):
                c["exact"] += 1
    for c in out.values():
        c["share"] = _r(c["exact"] / c["days"]) if c["days"] else None
    return dict(sorted(out.items()))
