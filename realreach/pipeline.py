"""One pass of the pipeline: ingest → dbt build → spike checks → alerts → quality checks →
publish → report.

The CLI calls ``run_pipeline``; Airflow runs the same steps in its DAGs (the spike checks and
the alerts inside the build task, between its two parts, as here).
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from realreach_core.home import Home
from realreach_core.locking import LockTimeout, exclusive, wait_bound
from realreach_core.memory import release_unused

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
    report: Any = None  # realreach.report.ReportResult
    #: time.perf_counter() marks: "rest_started"/"rest_finished" (the build's second part),
    #: "lake_started"/"lake_finished" (the lake suites, when they ran beside it)
    timings: dict[str, float] = field(default_factory=dict)


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


def _build_step(
    progress: Progress,
    build: Callable[[Callable[[Any], None]], Any],
    between: Callable[[], None],
    timings: dict[str, float] | None = None,
) -> Any:
    """The dbt build step, in two parts when the build calls back between its alert path and
    the rest: ``[dbt build: alert path]``, then ``between`` (its own steps), then ``[dbt build:
    the rest]``; one ``[dbt build]`` otherwise. Each part's time is its own; ``timings`` gets
    when the rest started and finished."""
    timings = {} if timings is None else timings
    progress("[dbt build] …")
    part = {"name": "dbt build", "since": time.perf_counter()}

    def after_alert_path(_report: Any) -> None:
        progress(f"[dbt build: alert path] done in {time.perf_counter() - part['since']:.1f}s")
        between()
        progress("[dbt build: the rest] …")
        part.update(name="dbt build: the rest", since=time.perf_counter())
        timings["rest_started"] = part["since"]

    try:
        result = build(after_alert_path)
    except (PipelineError, LockTimeout):
        raise
    except Exception as exc:  # one clear message naming the step, as _step does
        raise PipelineError(str(part["name"]), f"{type(exc).__name__}: {exc}") from exc
    finished = time.perf_counter()
    if "rest_started" in timings:
        timings["rest_finished"] = finished
    progress(f"[{part['name']}] done in {finished - part['since']:.1f}s")
    return result


class _LakeChecksBeside:
    """The quality checks' lake suites in a thread while the dbt worker builds the rest.

    They read only the lake's new batches, never the warehouse dbt holds; the parent process
    only waits on the worker's pipe meanwhile, so they take no turn from dbt but the CPU they
    use. ``finish`` waits for them, then runs the mart suites (after the build) and returns the
    one quality report, as ``run_checks`` would. ``before`` runs first in the same thread (the
    spike suites' Data Docs pages, left for after the alerts). The thread is the only user of
    GX while it runs (see ``CheckRun``: GX's current context is process-wide)."""

    def __init__(
        self, run: Any, progress: Progress, before: Callable[[], object] | None = None
    ) -> None:
        self.run, self.before = run, before
        self.error: BaseException | None = None
        # In the caller's context: the lock waits stay bounded by ``run --wait`` (wait_bound).
        context = contextvars.copy_context()
        self.thread = threading.Thread(
            target=context.run, args=(self._work, progress), name="lake-checks", daemon=True
        )
        self.thread.start()

    def _work(self, progress: Progress) -> None:
        try:
            if self.before is not None:
                self.before()
            self.run.validate_lake()
        except BaseException as exc:  # re-raised by finish, as the quality checks' failure
            self.error = exc
            return
        # not a "[step] done in" line: it overlaps the build's, which the bench adds up
        progress(
            "  lake suites checked beside the build in "
            f"{self.run.lake_finished - self.run.lake_started:.1f}s"
        )

    def wait(self) -> None:
        self.thread.join()

    def finish(self) -> Any:
        self.wait()
        if self.error is not None:
            self.run.close()
            raise self.error
        return self.run.finish()


def _say_unchanged(report: Any, progress: Progress) -> None:
    if not report.validated:
        progress("  nothing new to validate")


def _say_ingested(ingest: Any, progress: Progress) -> None:
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


def warm_up_checks() -> None:
    """Imports Great Expectations in a thread while other steps work (its import is ~3 s of
    CPU, mostly waiting on nothing else); run_checks then finds it imported."""

    def load() -> None:
        # on failure the checks step imports it again and reports what is wrong
        with contextlib.suppress(Exception):
            import great_expectations  # noqa: F401

    threading.Thread(target=load, name="warm-up-gx", daemon=True).start()


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
    alert_since: date | None = None,
) -> PipelineReport:
    """One run per home at a time (state/run.lock). A run that has to wait says for whom
    (``notice``) and gives up after ``wait`` seconds (LockTimeout); the same bound applies to
    the steps' own locks, which Airflow tasks take too."""
    home.ensure()
    with wait_bound(wait, notice), exclusive(home.state / "run.lock", purpose="realreach run"):
        return _run(
            home, progress, rebuild=rebuild, settle_seconds=settle_seconds, alert_since=alert_since
        )


def report_is_current(home: Home) -> bool:
    """The report's index is newer than every published mart file (and bi.duckdb)."""
    from realreach.report.build import report_folder

    index = report_folder(home) / "index.html"
    if not index.exists():
        return False
    drawn = index.stat().st_mtime_ns
    published = [*home.marts_export.glob("*.parquet"), home.bi_database]
    return all(path.exists() and path.stat().st_mtime_ns <= drawn for path in published)


def _run(
    home: Home,
    progress: Progress,
    *,
    rebuild: bool,
    settle_seconds: float,
    alert_since: date | None = None,
) -> PipelineReport:
    from realreach.dbt_worker import DbtWorker

    started = time.perf_counter()
    home.ensure()
    # Start-up is paid while other work goes on: dbt's worker imports dbt and parses the
    # project while the ingest works, and Great Expectations is imported while dbt builds (in
    # a thread: this process only waits for dbt then). About 3 s each, on the alert path.
    # (Started after the ingest on a first build instead, it saved no memory at 200 accounts,
    # 2.06 against 2.07 GB at the peak, and cost the full parse's 5 s after the ingest.)
    # It starts before this function's other imports (~0.35 s), which it need not wait for.
    with DbtWorker(home) as dbt:
        from expectations.checks import QUALITY, SPIKES, CheckRun, draw_deferred_docs, run_checks
        from ingestion.run import ingest_landing
        from realreach.alerts import raise_alerts
        from realreach.report import write_report
        from realreach.transform import build_marts, publish_marts

        ingest = _step(
            "ingest", progress, lambda: ingest_landing(home, settle_seconds=settle_seconds)
        )
        _say_ingested(ingest, progress)
        release_unused()  # the dbt worker builds next: the run's peak is their sum
        # What is new is validated (lake batches not yet validated, mart rows the build
        # rewrote); a rebuild validates everything again.
        changed = not rebuild
        raised: list[Any] = []

        def spikes_then_alerts() -> None:
            # The spike mart's own suites first: alerts go out as soon as they passed, from
            # the rows they audited (state/checks/follower_spikes.parquet), before the rest of
            # the build and the slower quality suites.
            spikes = _step(
                "spike checks",
                progress,
                lambda: run_checks(home, stage=SPIKES, only_changed=changed, defer_docs=True),
            )
            _say_unchanged(spikes, progress)
            raised.append(_step("alerts", progress, lambda: raise_alerts(home, since=alert_since)))

        beside: list[_LakeChecksBeside] = []
        timings: dict[str, float] = {}

        def spikes_alerts_then_lake_checks() -> None:
            spikes_then_alerts()
            # The quality checks' lake suites read no warehouse: they run while dbt builds
            # the rest (their lock and GX context are free: the spike checks are done), after
            # the spike suites' Data Docs pages, which the alerts did not wait for.
            beside.append(
                _LakeChecksBeside(
                    CheckRun(home, stage=QUALITY, only_changed=changed),
                    progress,
                    before=lambda: draw_deferred_docs(home),
                )
            )

        # write-audit-publish: build the warehouse, check it, and only then replace the exports
        try:
            build = _build_step(
                progress,
                lambda between: build_marts(
                    home,
                    force=rebuild,
                    publish=False,
                    dbt=dbt,
                    on_alert_path=between,
                    on_dbt_start=warm_up_checks,  # nothing built: nothing validated, no GX
                ),
                spikes_alerts_then_lake_checks,
                timings,
            )
        except BaseException:
            for lake in beside:  # the build failed: nothing is published; free the checks lock
                lake.wait()
                lake.run.close()
            raise
    if build.skipped:
        progress("  nothing changed since the last build: marts kept as they are")
    if not raised:  # nothing was built: the checks say so, the alert journal is looked at
        spikes_then_alerts()
    alerts = raised[0]

    def quality_checks() -> Any:  # nothing was built: no lake checks ran beside a build
        draw_deferred_docs(home)
        return run_checks(home, stage=QUALITY, only_changed=changed)

    # After the build: the mart suites (and the lake suites' results, when they ran beside it);
    # the step's time is what the run waits for the checks after the build.
    checks = _step("quality checks", progress, beside[0].finish if beside else quality_checks)
    if beside and beside[0].run.lake_started is not None:
        timings.update(lake_started=beside[0].run.lake_started)
        timings.update(lake_finished=beside[0].run.lake_finished)
    _say_unchanged(checks, progress)
    if checks.data_quality_ok:
        _step("publish", progress, lambda: publish_marts(home, build))
    elif not build.skipped:
        progress("  data-quality suites failed: the exports and bi.duckdb keep the last good marts")
    # the report is drawn from the published marts, after alerts, so it shows what they say
    report = None
    if not (home.marts_export / "dim_accounts.parquet").exists():  # nothing published yet
        pass
    elif report_is_current(home):
        # it is drawn from the published marts alone: redrawing it unchanged cost 3 s at 200
        # accounts and 12 s at 1,000 on a run with nothing new
        progress("  report: the published marts have not changed since it was drawn")
    else:
        report = _step("report", progress, lambda: write_report(home))
        progress(f"  {report.index}")
    elapsed = time.perf_counter() - started
    return PipelineReport(ingest, build, checks, alerts, elapsed, report, timings)
