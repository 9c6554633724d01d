"""`make bench`: ingestion over many small exports, and the whole pipeline on generated data.

Numbers go to bench-results/bench.json and are printed as a table. Each scenario runs in a
fresh process so peak memory (ru_maxrss) belongs to that scenario alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _tiny_tweet_pages(landing: Path, files: int) -> None:
    """`files` timeline pages of 1-3 tweets each, spread over accounts and days."""
    folder = landing / "x" / "tweets"
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(files):
        account, day = 1000 + n % 50, n // 50
        tweets = [
            {
                "id": str(10**15 + n * 3 + k),
                "author_id": str(account),
                "created_at": f"2026-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}T12:00:00.000Z",
                "text": "hello",
                "public_metrics": {"retweet_count": k, "reply_count": 1, "like_count": 5 + k,
                                   "quote_count": 0, "impression_count": 100 + n},
            }
            for k in range(1 + n % 3)
        ]  # fmt: skip
        stamp = f"2026{1 + day // 28 % 12:02d}{1 + day % 28:02d}T{n % 24:02d}0000Z"
        (folder / f"{account}_{stamp}_{n:05d}.json").write_text(json.dumps({"data": tweets}))


def scenario_ingest_small_files(files: int) -> dict:
    from ingestion.run import ingest_landing
    from realreach_core.home import Home

    with tempfile.TemporaryDirectory() as tmp:
        home = Home(Path(tmp)).ensure()
        _tiny_tweet_pages(home.landing, files)
        started = time.perf_counter()
        first = ingest_landing(home)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        again = ingest_landing(home)
        rerun = time.perf_counter() - started
        import duckdb

        started = time.perf_counter()
        con = duckdb.connect()
        glob = home.landing / "x" / "tweets" / "*.json"
        n = con.execute(f"select count(*) from read_json('{glob}')").fetchall()[0][0]
        duck = time.perf_counter() - started
        return {
            "files": files,
            "rows": first.rows,
            "ingest_s": round(cold, 2),
            "files_per_s": round(files / cold),
            "rerun_all_skipped_s": round(rerun, 2),
            "rerun_ingested": again.files_ingested,
            "lake_files_written": len(first.lake_files),
            "duckdb_read_json_glob_s": round(duck, 2),
            "duckdb_read_json_pages": n,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }


def scenario_pipeline(accounts: int, days: int, seed: int) -> dict:
    from realreach.pipeline import run_pipeline
    from realreach_core.home import Home
    from realreach_sim import generate

    with tempfile.TemporaryDirectory() as tmp:
        home = Home(Path(tmp)).ensure()
        started = time.perf_counter()
        generate(
            home.landing,
            accounts=accounts,
            days=days,
            seed=seed,
            labels_path=home.root / "labels.json",
        )
        generated = time.perf_counter() - started
        files = sum(1 for p in home.landing.rglob("*") if p.is_file())
        timings: dict[str, float] = {}
        last = [time.perf_counter()]

        def progress(line: str) -> None:
            if line.endswith("…"):
                last[0] = time.perf_counter()
            elif " done in " in line:
                timings[line.split("]")[0].strip("[")] = round(time.perf_counter() - last[0], 2)

        report = run_pipeline(home, progress=progress)
        rerun_started = time.perf_counter()
        run_pipeline(home, progress=lambda _: None)
        return {
            "accounts": accounts,
            "days": days,
            "landing_files": files,
            "rows": report.ingest.rows,
            "generate_s": round(generated, 2),
            **{f"{step}_s": t for step, t in timings.items()},
            "pipeline_s": round(report.elapsed_s, 2),
            "rerun_nothing_new_s": round(time.perf_counter() - rerun_started, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }


SCENARIOS = {
    "ingest_18k_small_files": (scenario_ingest_small_files, {"files": 18_000}),
    "pipeline_demo_8x90": (scenario_pipeline, {"accounts": 8, "days": 90, "seed": 7}),
    "pipeline_20x365": (scenario_pipeline, {"accounts": 20, "days": 365, "seed": 11}),
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", help="run one scenario in this process (used internally)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results" / "bench.json")
    args = parser.parse_args()
    if args.only:
        func, kwargs = SCENARIOS[args.only]
        print(json.dumps(func(**kwargs)))
        return 0
    results = {}
    for name in SCENARIOS:
        done = subprocess.run(
            [sys.executable, __file__, "--only", name], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            results[name] = {
                "error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"
            }
        else:
            results[name] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{name}: {json.dumps(results[name])}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {args.out}")
    return 0 if all("error" not in r for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
