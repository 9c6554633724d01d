"""make eval: the bought-follower detector on a grid of simulator assumptions.

A detector tuned on one generator learns that generator's constants, so every cell of the grid
(realreach_sim.grid) changes them: organic noise (Poisson; negative binomial alpha 0.2, 0.6,
1.0), genuine follows per interaction on viral posts (0.2, 1, 5), pull cadence (daily counts;
weekly counts with daily gains; missing days). Purchases are 3x-500x a normal day, 1-2-day
bursts and 5-7-day drips, in every cell. Each cell is one labelled landing folder (scenario
"eval", every X account with a twin on each other platform) with at least 150 purchases and
150 legit events (viral posts, giveaways, paid campaigns, purges), built by the real ingestion
and `dbt build` in a temporary home of its own, then scored three ways:

- realreach: marts.follower_spikes; a purchase is found only when called `suspicious`; a legit
  event with a `suspicious` spike on it is a false positive;
- baseline: mean + 3 sigma of the previous 14 days' gains over fct_followers_daily;
- oracle: knows each account's true organic distribution (realreach_sim.oracle): the ceiling of
  the cell. A cell whose oracle F1 is low is one no detector can pass.

Plus count accuracy: the share of account-days whose fct_followers_daily.followers is within
max(1, 0.1%) of the true count.

Seeds: cell k uses seed 1001 + k (report, default) or 1 + k (--tune): tune on those, never
report them. Results: bench-results/eval.json and bench-results/eval.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from realreach_sim.evaluation import (  # noqa: E402
    baseline_spikes,
    cell_score,
    count_accuracy,
    pooled_score,
    score_run,
)
from realreach_sim.grid import (  # noqa: E402
    DESIGNS,
    MIN_LEGIT,
    MIN_PURCHASES,
    PURCHASE_FACTORS,
    REPORT_SEED_BASE,
    TUNE_SEED_BASE,
    Cell,
    accounts_for,
    grid_design,
)

END = date(2026, 6, 30)  # fixed, so a seed means the same data on every machine and day
PLATFORMS = ("x", "instagram", "facebook", "linkedin")
ROSTER = "every platform"
DETECTORS = ("realreach", "baseline", "oracle")
SCORED_MODELS = "+follower_spikes +fct_followers_daily +dim_accounts"  # + what their tests join
# Targets of issue 9.
TARGET_CELL_F1 = 0.9  # in every cell where the oracle reaches ORACLE_PASSABLE
ORACLE_PASSABLE = 0.95
TARGET_POOLED_F1 = 0.95
TARGET_LEGIT_FP = 0.02
TARGET_COUNTS = 0.99  # share of exact days, where net daily changes are reported


def _query(home: Any, sql: str) -> list[dict[str, Any]]:
    import duckdb

    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def run_cell(cell: Cell, seed: int, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    from ingestion.run import ingest_landing
    from realreach.transform import build_marts
    from realreach_core.home import Home
    from realreach_sim.generator import generate
    from realreach_sim.oracle import oracle_spikes

    started = time.perf_counter()
    if args.accounts:
        accounts, planned = args.accounts, None
    else:
        accounts, planned = accounts_for(cell, seed, args.days, END, PLATFORMS,
                                         minimum=(args.min_purchases, args.min_legit))  # fmt: skip
    root = workdir / f"cell-{cell.index:02d}-seed-{seed}"
    if root.exists():
        shutil.rmtree(root)  # only ever a folder this script made under its own workdir
    home = Home(root).ensure()
    labels_path = home.root / "labels.json"  # beside the landing folder, not in it
    generated = generate(
        home.landing, accounts=accounts, days=args.days, seed=seed, end=END,
        labels_path=labels_path, scenario="eval", assumptions=cell.assumptions,
        label_counts=True, roster=ROSTER, platforms=PLATFORMS,
    )  # fmt: skip
    t_gen = time.perf_counter()
    labels = json.loads(labels_path.read_text())
    ingest = ingest_landing(home)
    t_ingest = time.perf_counter()
    # Only what the score reads and everything upstream of it (dbt's own tests included);
    # build_marts takes the home's build lock like every build.
    build_marts(home, force=True, select=SCORED_MODELS)
    t_build = time.perf_counter()
    ours = _query(
        home,
        "select platform, account_id, spike_start, spike_end, verdict "
        "from marts.follower_spikes where verdict = 'suspicious'",
    )
    daily = _query(home, "select * from marts.fct_followers_daily")
    assert generated.simulation is not None
    spikes = {
        "realreach": ours,
        "baseline": baseline_spikes(daily),
        "oracle": oracle_spikes(generated.simulation),
    }
    scores = {name: score_run(labels, s) for name, s in spikes.items()}
    counts = count_accuracy(labels, daily)
    if not args.keep:
        shutil.rmtree(root)  # a cell's landing folder is hundreds of MB
    elapsed = time.perf_counter() - started
    result = {
        "cell": cell.index,
        "name": cell.name,
        "noise": cell.noise,
        "viral_follows_per_interaction": cell.viral_follows,
        "cadence": cell.cadence,
        "assumptions": cell.assumptions.as_dict(),
        "seed": seed,
        "accounts": generated.accounts,
        "x_accounts": accounts,
        "planned_events": planned,
        "files": ingest.files_ingested,
        "quarantined": ingest.files_quarantined,
        "scores": {name: cell_score(s) for name, s in scores.items()},
        "counts": counts,
        "timing_s": {
            "generate": round(t_gen - started, 1),
            "ingest": round(t_ingest - t_gen, 1),
            "dbt_build": round(t_build - t_ingest, 1),
            "total": round(elapsed, 1),
        },
    }
    s = result["scores"]
    print(
        f"cell {cell.index:2d} seed {seed} [{cell.name}]: {generated.accounts} accounts, "
        f"{s['realreach']['bought']} purchases / {s['realreach']['legit']} legit; F1 realreach "
        f"{_f(s['realreach']['f1'])}, baseline {_f(s['baseline']['f1'])}, oracle "
        f"{_f(s['oracle']['f1'])}; {elapsed:.0f}s (dbt {t_build - t_ingest:.0f}s)",
        flush=True,
    )
    return result, scores


def _f(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _ci(d: dict[str, Any], key: str) -> str:
    low, high = d.get(f"{key}_ci") or (None, None)
    value = d.get(key if key != "legit_fp" else "legit_fp_rate")
    if value is None:
        return "–"
    if low is None:
        return _f(value)
    return f"{value:.2f} [{low:.2f}, {high:.2f}]"


def summarize(cells: list[dict[str, Any]], pooled: dict[str, Any]) -> dict[str, Any]:
    """Worst cell, pooled counts per platform and cadence, and the issue's targets."""
    ours = [c for c in cells if c["scores"]["realreach"]["f1"] is not None]
    worst = min(ours, key=lambda c: c["scores"]["realreach"]["f1"], default=None)
    passable = [c for c in ours if (c["scores"]["oracle"]["f1"] or 0) >= ORACLE_PASSABLE]
    counts: dict[str, dict[str, dict[str, Any]]] = {}
    for c in cells:
        for platform, tally in c["counts"].items():
            slot = counts.setdefault(c["cadence"], {}).setdefault(platform, {"days": 0, "exact": 0})
            slot["days"] += tally["days"]
            slot["exact"] += tally["exact"]
    for by_platform in counts.values():
        for slot in by_platform.values():
            slot["share"] = round(slot["exact"] / slot["days"], 4) if slot["days"] else None
    weekly = counts.get("weekly", {})
    targets = {
        f"F1 >= {TARGET_CELL_F1} in every cell where the oracle reaches {ORACLE_PASSABLE}": all(
            c["scores"]["realreach"]["f1"] >= TARGET_CELL_F1 for c in passable
        ),
        f"pooled F1 >= {TARGET_POOLED_F1}": (pooled["realreach"]["f1"] or 0) >= TARGET_POOLED_F1,
        f"legit called suspicious <= {TARGET_LEGIT_FP:.0%} in every cell": all(
            (c["scores"]["realreach"]["legit_fp_rate"] or 0) <= TARGET_LEGIT_FP for c in cells
        ),
        f"weekly counts: LinkedIn and Facebook days exact >= {TARGET_COUNTS:.0%}": all(
            (weekly.get(p, {}).get("share") or 0) >= TARGET_COUNTS for p in ("linkedin", "facebook")
        ),
    }
    return {
        "worst_cell": None
        if worst is None
        else {"cell": worst["cell"], "name": worst["name"], **worst["scores"]["realreach"]},
        "cells_oracle_passable": [c["cell"] for c in passable],
        "counts_by_cadence": counts,
        "targets_met": targets,
    }


def markdown(result: dict[str, Any]) -> str:
    cells = result["cells"]
    lines = [
        f"Design {result['design']} ({len(cells)} cells), {result['seed_kind']} seeds "
        f"{', '.join(str(c['seed']) for c in cells)} (tuning seeds are "
        f"{result['tune_seeds']}; report seeds {result['report_seeds']}), "
        f"{result['days']} days, purchases {PURCHASE_FACTORS[0]:g}x-{PURCHASE_FACTORS[1]:g}x a "
        f"normal day; {result['elapsed_s'] / 60:.1f} min",
        "",
        "| # | noise | viral follows / interaction | cadence | purchases / legit | "
        "realreach F1 [95%] | P [95%] | R [95%] | legit called suspicious [95%] | "
        "oracle F1 | baseline F1 | baseline legit FP |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in cells:
        o, b, k = c["scores"]["realreach"], c["scores"]["baseline"], c["scores"]["oracle"]
        lines.append(
            f"| {c['cell']} | {c['noise']} | {c['viral_follows_per_interaction']:g} | "
            f"{c['cadence']} | {o['bought']} / {o['legit']} | {_ci(o, 'f1')} | "
            f"{_ci(o, 'precision')} | {_ci(o, 'recall')} | {_ci(o, 'legit_fp')} | "
            f"{_ci(k, 'f1')} | {_ci(b, 'f1')} | {_f(b['legit_fp_rate'])} |"
        )
    p = result["pooled"]
    o, b, k = p["realreach"], p["baseline"], p["oracle"]
    lines.append(
        f"| all | pooled | | | {o['bought']} / {o['legit']} | {_ci(o, 'f1')} | "
        f"{_ci(o, 'precision')} | {_ci(o, 'recall')} | {_ci(o, 'legit_fp')} | "
        f"{_ci(k, 'f1')} | {_ci(b, 'f1')} | {_f(b['legit_fp_rate'])} |"
    )
    s = result["summary"]
    w = s["worst_cell"]
    lines += ["", f"Worst cell (realreach F1): {w['cell']} [{w['name']}] F1 {_ci(w, 'f1')}" if w
              else "Worst cell: –"]  # fmt: skip
    lines += [
        f"Cells the oracle passes (F1 >= {ORACLE_PASSABLE}): "
        f"{', '.join(map(str, s['cells_oracle_passable'])) or 'none'}",
        "",
        "Count accuracy: share of account-days whose fct_followers_daily.followers is within "
        "max(1, 0.1%) of the true count",
        "",
        "| cadence | " + " | ".join(PLATFORMS) + " |",
        "|---|" + "---|" * len(PLATFORMS),
    ]
    for cadence, by_platform in s["counts_by_cadence"].items():
        cols = []
        for platform in PLATFORMS:
            slot = by_platform.get(platform)
            cols.append(
                "–" if not slot else f"{slot['share']:.3f} ({slot['exact']}/{slot['days']})"
            )
        lines.append(f"| {cadence} | " + " | ".join(cols) + " |")
    lines += ["", "Targets (issue 9):"]
    lines += [f"- {name}: {'met' if ok else 'NOT met'}" for name, ok in s["targets_met"].items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--design", choices=DESIGNS, default="latin")
    parser.add_argument(
        "--tune", action="store_true",
        help=f"the tuning seeds ({TUNE_SEED_BASE} + cell) instead of the report seeds",
    )  # fmt: skip
    parser.add_argument("--cells", type=int, nargs="+", help="only these cell numbers")
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument(
        "--accounts", type=int, default=None,
        help="X accounts per cell (default: the fewest that hold the minimum events)",
    )  # fmt: skip
    parser.add_argument("--min-purchases", type=int, default=MIN_PURCHASES)
    parser.add_argument("--min-legit", type=int, default=MIN_LEGIT)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results" / "eval.json")
    parser.add_argument(
        "--workdir", type=Path, default=None,
        help="make the temporary homes under this (new) folder instead of the system temp",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep each cell's home (--workdir)")
    args = parser.parse_args(argv)
    if args.keep and not args.workdir:
        parser.error("--keep needs --workdir")
    if args.workdir and args.workdir.exists() and any(args.workdir.iterdir()):
        parser.error(f"--workdir {args.workdir} is not empty: the evaluation builds only in homes "
                     "of its own")  # fmt: skip

    cells = grid_design(args.design)
    if args.cells:
        cells = [c for c in cells if c.index in set(args.cells)]
    base = TUNE_SEED_BASE if args.tune else REPORT_SEED_BASE
    started = time.perf_counter()
    results, all_scores = [], {name: [] for name in DETECTORS}
    with tempfile.TemporaryDirectory(prefix="realreach-eval-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for cell in cells:
            result, scores = run_cell(cell, cell.seed(base), workdir, args)
            results.append(result)
            for name in DETECTORS:
                all_scores[name].append(scores[name])
    n_cells = len(grid_design(args.design))
    pooled = {name: pooled_score(all_scores[name]) for name in DETECTORS}
    result = {
        "design": args.design,
        "seed_kind": "tuning" if args.tune else "report",
        "tune_seeds": f"{TUNE_SEED_BASE}-{TUNE_SEED_BASE + n_cells - 1}",
        "report_seeds": f"{REPORT_SEED_BASE}-{REPORT_SEED_BASE + n_cells - 1}",
        "days": args.days,
        "roster": ROSTER,
        "minimum_per_cell": {"purchases": args.min_purchases, "legit": args.min_legit},
        "elapsed_s": round(time.perf_counter() - started, 1),
        "cells": results,
        "pooled": pooled,
    }
    result["summary"] = summarize(results, pooled)
    table = markdown(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, default=str) + "\n")
    args.out.with_suffix(".md").write_text(table + "\n")
    print()
    print(table)
    print(f"\nwritten to {args.out} and {args.out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
