"""The checks step alone on a built home, in one process: all rows vs one new day vs nothing.

    python -m benchmarks.checks_step COPY_OF_A_BUILT_HOME [NEW_DAY]

Run it on a COPY: it rewrites the home's check record and build record. The home must have
been built with ``realreach run`` (lake validated, marts validated at the last build) and
NEW_DAY (default: the newest lake date) must be its last day. Measured, in this order:

* GX's import, paid once;
* ``all_rows``: every suite on every row (what each run did before checks on what changed);
* ``new_day``: the state right after that day's ingest and an incremental build — its lake
  files not validated yet and every account's mart rows from that day on rewritten (the
  interface of ``expectations.build_changes``) — spike stage, then quality stage;
* ``nothing``: both stages again with nothing new.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq


def main(root: Path, new_day: str | None = None) -> dict[str, float | int | bool]:
    started, cpu = time.perf_counter(), time.process_time()
    import great_expectations  # noqa: F401  (timed: the import GX costs once per process)

    out: dict[str, float | int | bool] = {
        "gx_import_s": round(time.perf_counter() - started, 1),
        "gx_import_cpu_s": round(time.process_time() - cpu, 1),
    }
    from expectations.build_changes import changes_path, last_build_path
    from expectations.checks import QUALITY, SPIKES, run_checks
    from expectations.validated import Validated
    from realreach_core.home import Home

    home = Home(root.resolve())
    day = new_day or max(p.name[5:] for p in home.lake.glob("platform=*/kind=*/date=*"))

    def timed(name: str, action) -> None:
        # CPU seconds beside wall seconds: on a shared machine the wall clock mostly measures
        # the neighbours (GX's work is one thread; DuckDB's copies may add a little more).
        t, cpu = time.perf_counter(), time.process_time()
        report = action()
        out[f"{name}_s"] = round(time.perf_counter() - t, 1)
        out[f"{name}_cpu_s"] = round(time.process_time() - cpu, 1)
        out[f"{name}_validated"] = bool(report.validated)

    timed("all_rows", lambda: run_checks(home))
    record = Validated.load(home)
    record.lake = {
        kind: {f for f in files if not f.startswith(f"date={day}/")}
        for kind, files in record.lake.items()
    }
    record.save(home)
    seq = json.loads(last_build_path(home).read_text())["seq"]
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        accounts = con.execute(
            "select distinct platform, cast(account_id as varchar) from marts.dim_accounts"
        ).fetchall()
    pq.write_table(
        pa.table(
            {
                "platform": [p for p, _ in accounts],
                "account_id": [a for _, a in accounts],
                "from_date": pa.array([dt.date.fromisoformat(day)] * len(accounts), pa.date32()),
            }
        ),
        changes_path(home),
    )
    last_build_path(home).write_text(json.dumps({"mode": "incremental", "seq": seq + 1}))
    out["changed_accounts"] = len(accounts)
    timed("new_day_spikes", lambda: run_checks(home, stage=SPIKES, only_changed=True))
    timed("new_day_quality", lambda: run_checks(home, stage=QUALITY, only_changed=True))
    timed("nothing_spikes", lambda: run_checks(home, stage=SPIKES, only_changed=True))
    timed("nothing_quality", lambda: run_checks(home, stage=QUALITY, only_changed=True))
    return out


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), *sys.argv[2:3])))
