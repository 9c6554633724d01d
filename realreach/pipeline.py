"""One pass of the pipeline: ingest → dbt build → data-quality checks → alerts.

The CLI calls ``run_pipeline``; Airflow runs the same steps as separate tasks.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from realreach_core.home import Home
from realreach_core.locking import LockTimeout, exclusive, wait_bound

Progress = Callable[[str], None]


class PipelineError(RuntimeError):
    """A step failed; ``step`` names it and the message says what went wrong."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"{step} failed: {message}")
        self.step = step


@dataclass
class PipelineReport:
    ingest: Any
    build: Any
    checks: Any
    alerts: Any
    elapsed_s: float


def _step(name: str, progress: Progress, action: Callable[[], Any]) -> Any:
    progress(f"[{name}] …")
    started = time.perf_counter()
    try:
        result = action()
    except (PipelineError, LockTimeout):
        raise
    except Exception as exc:  # any failure becomes one clear message naming the step
        raise PipelineError(name, f"{type(exc).__name__}: {exc}") from exc
    progress(f"[{name}] done in {time.perf_counter() - started:.1f}s")
    return result


def _stderr(message: str) -> None:
    print(f"realreach: {message}", file=sys.stderr, flush=True)


def run_pipeline(
    home: Home,
    progress: Progress = print,
    *,
    rebuild: bool = False,
    wait: float | None = None,
    notice: Progress = _stderr,
    settle_seconds: float = 0.0,
) -> PipelineReport:
    """One run per home at a time (state/run.lock). A run that has to wait says for whom
    (``notice``) and gives up after ``wait`` seconds (LockTimeout); the same bound applies to
    the steps' own locks, which Airflow tasks take too."""
    home.ensure()
    with wait_bound(wait, notice), exclusive(home.state / "run.lock", purpose="realreach run"):
        return _run(home, progress, rebuild=rebuild, settle_seconds=settle_seconds)


def _run(home: Home, progress: Progress, *, rebuild: bool, settle_seconds: float) -> PipelineReport:
    from expectations.checks import run_checks
    from ingestion.run import ingest_landing
    from realreach.alerts import raise_alerts
    from realreach.transform import build_marts

    started = time.perf_counter()
    home.ensure()
    ingest = _step("ingest", progress, lambda: ingest_landing(home, settle_seconds=settle_seconds))
    progress(
        f"  {ingest.files_ingested} new file(s), {ingest.rows:,} rows; "
        f"{ingest.files_skipped} already ingested; {ingest.files_quarantined} quarantined"
        + (
            f"; {ingest.files_waiting} still being written, left for the next run"
            if ingest.files_waiting
            else ""
        )
    )
    for path, reason in ingest.quarantined[:10]:
        progress(f"  quarantined {path}: {reason}")
    build = _step("dbt build", progress, lambda: build_marts(home, force=rebuild))
    if build.skipped:
        progress("  nothing changed since the last build: marts kept as they are")
    checks = _step("checks", progress, lambda: run_checks(home))
    alerts = _step("alerts", progress, lambda: raise_alerts(home, checks.suspicious_spikes))
    return PipelineReport(ingest, build, checks, alerts, time.perf_counter() - started)
