"""`make bench`: ingestion and the whole build at the outside set's shape, side by side.

For each size (accounts × 1 year, ``--sizes``; default 200 and 1000) one run lands the year
(a week held back) with ``realreach generate --scenario scale`` and measures, in the same run so
the machine's noise falls on every contender alike:

* the floor: a bare ``json.loads`` of every landing file on one core, and the other decoders
  (orjson, msgspec, pyarrow.json) — the figures ingestion's decoder was chosen by;
* DuckDB ``read_json`` per landing kind into an in-memory table;
* realreach's full build: ingest, dbt build, checks (GX + alerts), each in its own process;
* one new day (every account's next pull), then the held-back week landing late (a backfill);
* dlt with its defaults loading the same files into DuckDB — at 200 accounts only, last, and
  only when the machine has the memory for it (it needed 13 GB there).

Every step runs as a child process; its peak RSS comes from ``os.wait4`` (the child and the
processes it waited for, such as dbt's). Results: bench-results/bench.json and a printed table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAYS = 365
# The year ends the day before yesterday, so "one new day" is yesterday's pulls and the
# freshness checks see data as recent as a daily team's.
START = datetime.now(UTC).date() - timedelta(days=DAYS + 1)
BACKFILL = range(200, 207)  # the week held back from the year and landed after the new day
NEW_DAY = DAYS  # day index of "one new day"
DLT_MAX_ACCOUNTS = 200
#: dlt needed 13.0 GB at 200 accounts: it starts only with this much memory available, and is
#: stopped (and reported as such, with how long it had run) if it grows past what was
#: available minus a margin left for the other engineers' work on the machine.
DLT_NEEDS_GIB = 6.0
DLT_MARGIN_GIB = 2.0
DLT_FILES = "dlt-files.txt"  # the year's files, listed before the new day and week land


# ---------------------------------------------------------------- steps (run in a child)


def _json_files(landing: Path) -> list[Path]:
    return sorted(p for p in landing.rglob("*.json") if p.is_file())


def step_decoders(home: Path) -> dict:
    """Read + decode every landing JSON file, one core, per decoder (the parse floor)."""
    import json as std_json

    import msgspec
    import orjson
    import pyarrow.json as pj

    files = _json_files(home / "landing")
    decoder = msgspec.json.Decoder()
    results: dict[str, float] = {}
    for name, decode in (
        ("json.loads", lambda raw: std_json.loads(raw)),
        ("orjson", orjson.loads),
        ("msgspec", decoder.decode),
    ):
        started = time.perf_counter()
        for path in files:
            decode(path.read_bytes())
        results[f"{name}_s"] = round(time.perf_counter() - started, 2)
    # pyarrow.json reads newline-delimited objects into a table: one file at a time here,
    # as ingestion must (each file's provenance and verdict are its own).
    started = time.perf_counter()
    failed = 0
    for path in files:
        try:
            pj.read_json(path)
        except Exception:  # a shape it cannot read (a top-level list): counted, not fatal
            failed += 1
    results["pyarrow.json_s"] = round(time.perf_counter() - started, 2)
    results["pyarrow.json_failed_files"] = failed
    results["files"] = len(files)
    results["bytes"] = sum(p.stat().st_size for p in files)
    return results


def step_duckdb_read_json(home: Path) -> dict:
    """DuckDB's read_json per landing kind (all of a kind's files at once) into a table."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 2")
    rows = 0
    kinds = 0
    started = time.perf_counter()
    for folder in sorted((home / "landing").glob("*/*")):
        if not folder.is_dir() or not any(folder.glob("*.json")):
            continue
        kinds += 1
        table = f"{folder.parent.name}_{folder.name}"
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_json('{folder}/*.json', "
            "union_by_name = true, maximum_object_size = 268435456)"
        )
        rows += con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return {"seconds": round(time.perf_counter() - started, 2), "kinds": kinds, "rows": rows}


def _home(home: Path):
    from realreach_core.home import Home

    return Home(home).ensure()


def step_ingest(home: Path) -> dict:
    from ingestion.run import ingest_landing

    started = time.perf_counter()
    report = ingest_landing(_home(home))
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "files_ingested": report.files_ingested,
        "files_skipped": report.files_skipped,
        "files_quarantined": report.files_quarantined,
        "rows": report.rows,
        "lake_files": len(report.lake_files),
    }


def step_build(home: Path) -> dict:
    from realreach.transform import build_marts

    started = time.perf_counter()
    report = build_marts(_home(home))
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "ok": report.ok,
        "models": report.models_ok,
        "tests_passed": report.tests_passed,
        "skipped": report.skipped,
    }


def step_checks(home: Path) -> dict:
    from expectations.checks import run_checks
    from realreach.alerts import raise_alerts

    started = time.perf_counter()
    h = _home(home)
    checks = run_checks(h)
    checked = time.perf_counter() - started
    raise_alerts(h, checks.suspicious_spikes)
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "checks_s": round(checked, 2),
        "suites": len(checks.suites),
        "data_quality_ok": checks.data_quality_ok,
        "suspicious_spikes": len(checks.suspicious_spikes),
        "failed": [f"{s.name}: {', '.join(s.failed_expectations)[:200]}"
                   for s in checks.suites if not s.success and s.purpose == "quality"],
    }  # fmt: skip


def step_dlt(home: Path) -> dict:
    """dlt with its defaults: one resource per landing kind, each file's JSON as it is."""
    import dlt
    import orjson

    by_kind: dict[str, list[Path]] = {}
    for line in (home / DLT_FILES).read_text().splitlines():
        path = Path(line)
        by_kind.setdefault(f"{path.parent.parent.name}_{path.parent.name}", []).append(path)

    def kind(name: str, paths: list[Path]):
        def rows():
            for path in paths:
                yield orjson.loads(path.read_bytes())

        return dlt.resource(rows, name=name)

    pipeline = dlt.pipeline(
        pipeline_name="bench",
        pipelines_dir=str(home / "dlt_pipelines"),
        destination=dlt.destinations.duckdb(str(home / "dlt.duckdb")),
        dataset_name="landing",
    )
    started = time.perf_counter()
    info = pipeline.run([kind(name, paths) for name, paths in sorted(by_kind.items())])
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "dlt_version": dlt.__version__,
        "load_packages": len(info.load_packages),
    }


STEPS = {
    "decoders": step_decoders,
    "duckdb_read_json": step_duckdb_read_json,
    "ingest": step_ingest,
    "build": step_build,
    "checks": step_checks,
    "dlt": step_dlt,
}


# ---------------------------------------------------------------- the driver


def _mem_available_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 2**20
    return 0.0


def _rss_gib(pid: int) -> float:
    """RSS of ``pid`` and its descendants, from /proc."""
    total = 0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return total / 2**20 + sum(_rss_gib(int(child)) for child in children)


def run_step(name: str, home: Path, *, rss_limit_gib: float | None = None) -> dict:
    """``name`` in a child process: its JSON result, wall seconds and peak RSS (MB)."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, __file__, "--step", name, "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stopped: list[str] = []
    if rss_limit_gib is not None:

        def watch() -> None:
            while child.poll() is None:
                if _rss_gib(child.pid) > rss_limit_gib:
                    stopped.append(f"stopped at {rss_limit_gib:.1f} GiB RSS (memory guard)")
                    child.kill()
                    return
                time.sleep(0.5)

        threading.Thread(target=watch, daemon=True).start()
    out, err = child.communicate()
    # wait4 would race communicate(); RUSAGE_CHILDREN's max is over all children so far, so
    # the child reports its own peak (self and its own children) in its result instead.
    wall = time.perf_counter() - started
    if child.returncode != 0 or not out.strip():
        tail = (err or "").strip().splitlines()[-1:] or ["failed"]
        return {"error": stopped[0] if stopped else tail[0], "wall_s": round(wall, 2)}
    result = json.loads(out.strip().splitlines()[-1])
    result["wall_s"] = round(wall, 2)
    return result


def _child_main(name: str, home: Path) -> int:
    result = STEPS[name](home)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result["peak_rss_mb"] = round(max(own, kids) / 1024)
    print(json.dumps(result))
    return 0


def _phase(home: Path, label: str, log) -> dict:
    """ingest → dbt build → checks, each in its own process, as `realreach run` orders them."""
    steps = {name: run_step(name, home) for name in ("ingest", "build", "checks")}
    total = sum(s.get("wall_s", 0) for s in steps.values())
    peak = max(s.get("peak_rss_mb", 0) for s in steps.values())
    for name, result in steps.items():
        log(f"  {label} {name}: {json.dumps(result)}")
    return {**steps, "total_s": round(total, 2), "peak_rss_mb": peak}


def bench_size(accounts: int, work: Path, *, dlt: bool, log) -> dict:
    from realreach_sim.scale import write_scale

    home = work / f"home-{accounts}"
    shutil.rmtree(home, ignore_errors=True)
    landing = home / "landing"
    year = [d for d in range(DAYS) if d not in BACKFILL]
    started = time.perf_counter()
    landed = write_scale(landing, accounts=accounts, days=year, start=START, seed=accounts)
    result: dict = {
        "accounts": accounts,
        "generate": {"seconds": round(time.perf_counter() - started, 2), "files": landed.files,
                     "mb": round(landed.bytes / 1e6, 1)},
    }  # fmt: skip
    log(f"[{accounts}] generated {landed}")
    if dlt:
        (home / DLT_FILES).write_text("\n".join(map(str, _json_files(landing))) + "\n")
    result["decoders"] = run_step("decoders", home)
    log(f"[{accounts}] decoders: {json.dumps(result['decoders'])}")
    result["duckdb_read_json"] = run_step("duckdb_read_json", home)
    log(f"[{accounts}] duckdb read_json: {json.dumps(result['duckdb_read_json'])}")
    result["full_build"] = _phase(home, f"[{accounts}] full build", log)
    result["rerun_nothing_new"] = run_step("ingest", home)
    log(f"[{accounts}] rerun ingest: {json.dumps(result['rerun_nothing_new'])}")
    day = write_scale(landing, accounts=accounts, days=[NEW_DAY], start=START, seed=accounts,
                      registry=False)  # fmt: skip
    result["new_day"] = {"files": day.files, **_phase(home, f"[{accounts}] new day", log)}
    week = write_scale(landing, accounts=accounts, days=BACKFILL, start=START, seed=accounts,
                       registry=False)  # fmt: skip
    result["backfill_week"] = {"files": week.files, **_phase(home, f"[{accounts}] week", log)}
    if not dlt:  # else kept for dlt, which runs after every size is done
        shutil.rmtree(home, ignore_errors=True)
    return result


def _run_dlt(home: Path, accounts: int, log) -> dict:
    if accounts > DLT_MAX_ACCOUNTS:
        return {"skipped": f"dlt runs at {DLT_MAX_ACCOUNTS} accounts or fewer (13 GB at 200)"}
    available = _mem_available_gib()
    if available < DLT_NEEDS_GIB:
        log(f"[{accounts}] dlt skipped: {available:.1f} GiB available, needs {DLT_NEEDS_GIB}")
        return {"skipped": f"{available:.1f} GiB available, dlt needs ~{DLT_NEEDS_GIB} GiB"}
    # Only the year's files: the same set the full build ingested first.
    result = run_step("dlt", home, rss_limit_gib=available - DLT_MARGIN_GIB)
    log(f"[{accounts}] dlt: {json.dumps(result)}")
    return result


def _row(name: str, cells: list[str]) -> str:
    return f"| {name} | " + " | ".join(cells) + " |"


def _fmt(step: dict | None, key: str = "wall_s") -> str:
    if not step:
        return "—"
    if "error" in step:
        return f"error: {step['error'][:40]}"
    if isinstance(step.get("skipped"), str):  # a step not run (dbt's own `skipped` is a bool)
        return f"skipped: {step['skipped'][:40]}"
    rss = step.get("peak_rss_mb")
    return f"{step[key]:.1f} s" + (f" ({rss} MB)" if rss else "")


def table(results: dict) -> str:
    sizes = [r for r in results["sizes"].values() if "error" not in r]
    head = "| step | " + " | ".join(f"{r['accounts']} accounts" for r in sizes) + " |"
    lines = [head, "|---|" + "---|" * len(sizes)]
    lines.append(_row("landing files / MB", [
        f"{r['generate']['files']:,} / {r['generate']['mb']}" for r in sizes]))  # fmt: skip
    for decoder in ("json.loads", "orjson", "msgspec", "pyarrow.json"):
        lines.append(_row(f"floor: read + {decoder}, 1 core", [
            f"{r['decoders'].get(decoder + '_s', '—')} s" for r in sizes]))  # fmt: skip
    lines.append(_row("DuckDB read_json per kind", [_fmt(r["duckdb_read_json"]) for r in sizes]))
    for phase, label in (("full_build", "full build"), ("new_day", "one new day"),
                         ("backfill_week", "backfilled week")):  # fmt: skip
        for step in ("ingest", "build", "checks"):
            lines.append(_row(f"{label}: {step}", [_fmt(r[phase].get(step)) for r in sizes]))
        lines.append(_row(f"{label}: total (peak RSS)", [
            f"{r[phase]['total_s']:.1f} s ({r[phase]['peak_rss_mb']} MB)" for r in sizes]))  # fmt: skip
    lines.append(_row("rerun, nothing new: ingest", [_fmt(r["rerun_nothing_new"]) for r in sizes]))
    lines.append(_row("dlt (defaults) → DuckDB", [_fmt(r.get("dlt")) for r in sizes]))
    for r in sizes:
        ingest = r["full_build"]["ingest"].get("wall_s")
        floor = r["decoders"].get("json.loads_s")
        dlt = (r.get("dlt") or {}).get("wall_s")
        ratios = {"ingest_vs_json_loads_floor": round(ingest / floor, 2) if ingest and floor else None,
                  "dlt_vs_ingest": round(dlt / ingest, 2) if dlt and ingest else None}  # fmt: skip
        r["ratios"] = ratios
        lines.append(f"\n{r['accounts']} accounts: " + json.dumps(ratios))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--step", choices=sorted(STEPS), help="(internal) run one step here")
    parser.add_argument("--home", type=Path, help="(internal) the home a step works on")
    parser.add_argument("--sizes", default="200,1000", help="accounts per run, comma-separated")
    parser.add_argument("--no-dlt", action="store_true", help="leave dlt out")
    parser.add_argument("--work", type=Path, default=ROOT / "bench-results" / "work")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results" / "bench.json")
    args = parser.parse_args()
    if args.step:
        return _child_main(args.step, args.home)

    def log(line: str) -> None:
        print(line, flush=True)

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results: dict = {"machine": {"cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()},
                     "sizes": {}}  # fmt: skip
    # dlt last of all: it is the memory hog, and nothing after it should pay for its mess.
    with_dlt = {a for a in sizes if a <= DLT_MAX_ACCOUNTS and not args.no_dlt}
    for accounts in sizes:
        try:
            results["sizes"][str(accounts)] = bench_size(
                accounts, args.work, dlt=accounts in with_dlt, log=log
            )
        except Exception as exc:  # one size failing still reports the others
            results["sizes"][str(accounts)] = {"error": f"{type(exc).__name__}: {exc}"}
            log(f"[{accounts}] failed: {exc}")
    for accounts in sorted(with_dlt):
        home = args.work / f"home-{accounts}"
        entry = results["sizes"][str(accounts)]
        if "error" not in entry:
            entry["dlt"] = _run_dlt(home, accounts, log)
        shutil.rmtree(home, ignore_errors=True)
    results["machine"]["load_avg_at_end"] = os.getloadavg()
    printed = table(results)
    print(printed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {args.out}")
    return 0 if all("error" not in r for r in results["sizes"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
