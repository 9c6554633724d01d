"""Data-quality checks of the raw zone and the marts, and the suspicious-spike verdict (GX).

``run_checks`` validates every suite in ``expectations/suites`` (the repo files are the source
of truth) against frozen copies of its table, builds Data Docs under ``<home>/gx/data_docs``
and persists a summary in ``<home>/state/checks/latest.json`` for the alert step.

Two checkpoints run, then Data Docs are built once for the run's results: GX 1.x applies a checkpoint's
result_format to all of its validation definitions (overriding any per-expectation format),
and the spike verdict needs COMPLETE results indexed by (platform, account_id, spike_start),
columns the other tables do not have.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from expectations import gx_context
from expectations.build_changes import INCREMENTAL, read_last_build
from expectations.lake_suites import FRESH_KINDS
from expectations.snapshots import LakeDelta, Snapshot, snapshot_lake_kind, snapshot_marts
from expectations.validated import Validated, kind_key, lake_files
from ingestion.schemas import NATURAL_KEYS
from realreach_core.contract import ALERTED_VERDICT, SPIKE_FIELDS
from realreach_core.files import atomic_target, atomic_write_text
from realreach_core.home import Home
from realreach_core.jsonable import dumps, to_jsonable
from realreach_core.locking import exclusive
from realreach_core.settings import Settings, load_settings

log = logging.getLogger(__name__)

QUALITY_CHECKPOINT = "realreach_quality"
SPIKES_CHECKPOINT = "realreach_spikes"
FRESHNESS_PARAMETER = "observed_at_fresh_since"
DEFAULT_FRESHNESS_HOURS = Settings().freshness_hours  # one default: the settings object
DEFAULT_KEEP_RUNS = Settings().gx_keep_runs


@dataclass
class SuiteResult:
    name: str
    success: bool
    evaluated: int
    failed: int
    failed_expectations: list[str]
    note: str = ""  # why a suite was skipped or could not run
    purpose: str = "quality"  # "quality" (failure = bad data) or "spikes" (failure = a finding)


@dataclass
class CheckReport:
    suites: list[SuiteResult]
    data_quality_ok: bool
    suspicious_spikes: list[dict]
    data_docs_index: Path | None
    checked_at: str = ""
    freshness_hours: float = DEFAULT_FRESHNESS_HOURS
    notes: list[str] = field(default_factory=list)
    validated: bool = True  # False: nothing had changed, no suite ran (and GX was not loaded)


def latest_path(home: Home) -> Path:
    return home.state / "checks" / "latest.json"


def freshness_hours_from_env(env: dict[str, str] | None = None) -> float:
    """REALREACH_FRESHNESS_HOURS through the one settings object (validated there)."""
    return load_settings(env).freshness_hours


# Stages of a check run: the spike mart and its own suites first (alerts may go out as soon
# as they passed), then the slower quality suites of the lake and the other marts.
ALL, SPIKES, QUALITY = "all", "spikes", "quality"
SPIKES_TABLE = "follower_spikes"

# Expectations judged row by row: on a delta they need only the new or rewritten rows. Every
# other kind (uniqueness, column max, column set) is judged on the whole table.
ROW_LEVEL = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_match_regex",
        "expect_column_pair_values_a_to_be_greater_than_b",
    }
)
TABLE_SUFFIX = "__table"


def in_stage(spec: gx_context.SuiteSpec, stage: str) -> bool:
    spiky = spec.source == "marts" and spec.table == SPIKES_TABLE
    return stage == ALL or (stage == SPIKES) == spiky


@dataclass
class Scope:
    """What one suite validates this run: ``all`` rows, a ``delta`` or nothing (``unchanged``)."""

    mode: str  # "all" | "delta" | "unchanged"
    lake: LakeDelta | None = None  # lake suites: the new files (and the older ones)
    changes: Path | None = None  # mart suites: the build's changed accounts
    files: list[str] = field(default_factory=list)  # lake files this run covers (to record)
    seq: int | None = None  # mart suites: the build covered


def run_checks(
    home: Home,
    *,
    now: dt.datetime | None = None,
    freshness_hours: float | None = None,
    stage: str = ALL,
    only_changed: bool = False,
    defer_docs: bool = False,
) -> CheckReport:
    """Validate lake and marts, find suspicious spikes, build Data Docs, persist the result.

    ``stage`` picks the suites (``spikes``: the follower_spikes mart's; ``quality``: the rest).
    ``only_changed`` validates what is new since the last check: lake files not validated yet
    (``expectations.validated``) and the mart rows the last build rewrote
    (``expectations.build_changes``); with nothing new nothing runs, and GX is not imported.
    Both phases of a ``CheckRun``, one after the other (``realreach run`` runs the first while
    dbt builds). ``defer_docs``: the Data Docs pages of this run are drawn by
    ``draw_deferred_docs`` (the spike stage: ~0.4 s at 200 accounts that the alerts need not
    wait for)."""
    run = CheckRun(
        home, now=now, freshness_hours=freshness_hours, stage=stage, only_changed=only_changed,
        defer_docs=defer_docs,
    )  # fmt: skip
    try:
        run.validate_lake()
        return run.finish()
    finally:
        run.close()


class CheckRun:
    """One check run in two phases, so the pipeline can run the first beside the dbt build.

    ``validate_lake``: the stage's lake suites. They read only lake files (the new ingest
    batches), never the warehouse, so ``realreach run`` calls it in a thread while the dbt
    worker builds the rest of the marts (DuckDB's single writer keeps the mart suites out until
    then). ``finish``: the other suites (call it after the build), Data Docs built once for the
    results of both phases, the record of what passed and ``latest.json``; the report is the
    one a single pass gives (same suites, results, files and verdict).

    The checks lock is held from the first phase to ``finish`` (or ``close``, on failure). One GX
    context serves both phases, one phase at a time, never from two threads at once: GX keeps
    the context last opened in a process-wide global (``project_manager``) that validation
    definitions, checkpoints and validators fall back to, so a second context working in
    another thread at the same time could read or write the first one's stores. The caller
    joins the thread of the first phase before calling ``finish``."""

    def __init__(
        self,
        home: Home,
        *,
        now: dt.datetime | None = None,
        freshness_hours: float | None = None,
        stage: str = ALL,
        only_changed: bool = False,
        defer_docs: bool = False,
    ) -> None:
        if stage not in (ALL, SPIKES, QUALITY):
            raise ValueError(f"unknown check stage {stage!r}")
        self.home, self.stage, self.only_changed = home, stage, only_changed
        self.defer_docs = defer_docs
        self.now = _as_utc(now or dt.datetime.now(dt.UTC))
        settings = load_settings()
        self.hours = freshness_hours if freshness_hours is not None else settings.freshness_hours
        self.keep = settings.gx_keep_runs
        self.every = gx_context.load_suite_specs()
        self.specs = [s for s in self.every if in_stage(s, stage)]
        #: perf_counter() when the lake phase started and ended (what ran beside the build)
        self.lake_started: float | None = None
        self.lake_finished: float | None = None
        self._lock = contextlib.ExitStack()
        self._record: Validated | None = None
        self._scopes: dict[str, Scope] = {}
        self._gx: _Validations | None = None  # opened by the first phase with work to do
        self._unchanged: dict[str, SuiteResult] = {}

    def validate_lake(self) -> None:
        """Phase one: the lake suites of the stage (none for the spike stage)."""
        assert self._record is None, "validate_lake runs once, before finish"
        self.lake_started = time.perf_counter()
        # The GX context and its stores are files: two concurrent runs would corrupt each other.
        self._lock.enter_context(exclusive(latest_path(self.home).with_name(".run.lock")))
        self._record = Validated.load(self.home)
        self._validate([s for s in self.specs if s.source == "lake"])
        self.lake_finished = time.perf_counter()

    def finish(self) -> CheckReport:
        """Phase two and the report: the suites that read the warehouse, after the build."""
        try:
            if self._record is None:
                self.validate_lake()
            assert self._record is not None
            self._validate([s for s in self.specs if s.source != "lake"])
            home, specs, scopes = self.home, self.specs, self._scopes
            ran = any(scope.mode != "unchanged" for scope in scopes.values())
            if self._gx is None:
                report = _unchanged(specs, self.now, self.hours)
            else:
                report, spikes_snapshot = self._gx.report(
                    home, specs, self._unchanged, draw_docs=not self.defer_docs
                )
                _keep_audited_spikes(home, report, spikes_snapshot)
                _remember(home, self._record, specs, scopes, report)
            report = _merge_latest(home, report, specs, self.stage)
            if ran:
                _write_latest(home, report)
                if self.defer_docs and self._gx is not None and self._gx.documented:
                    _DEFERRED_DOCS[home.root] = _DeferredDocs(
                        self._gx.documented, report, self._gx.docs_limit
                    )
                elif report.data_docs_index is not None:
                    add_offline_index(report.data_docs_index, report)
        finally:
            self.close()
        log.info(
            "checks (%s%s): %d suites, data quality %s, %d suspicious spikes",
            self.stage,
            ", what changed" if self.only_changed else "",
            len(report.suites),
            "ok" if report.data_quality_ok else "FAILED",
            len(report.suspicious_spikes),
        )
        return report

    def close(self) -> None:
        """Releases the checks lock (``finish`` does; call it when ``finish`` is not reached)."""
        self._lock.close()

    def _validate(self, specs: list[gx_context.SuiteSpec]) -> None:
        assert self._record is not None
        scopes = _plan(self.home, specs, self._record, only_changed=self.only_changed)
        self._scopes.update(scopes)
        units, unchanged = _take_snapshots(self.home, specs, scopes)
        for name, purpose in unchanged:
            self._unchanged[name] = SuiteResult(
                name, True, 0, 0, [], note=UNCHANGED_NOTE, purpose=purpose
            )
        if not units:
            return
        if self._gx is None:
            self._gx = _Validations(
                self.home, self.now, self.hours, self.keep, all_specs=len(self.every)
            )
        self._gx.validate(self.home, units, scopes)


@dataclass
class _DeferredDocs:
    identifiers: list[Any]  # GX's result and suite identifiers of the run
    report: CheckReport
    docs_limit: int


#: Data Docs a run left to draw, per home, in this process (``run_checks(defer_docs=True)``).
#: Lost with the process: those results then have no page until their suite runs again.
_DEFERRED_DOCS: dict[Path, _DeferredDocs] = {}


def draw_deferred_docs(home: Home) -> Path | None:
    """The Data Docs pages ``run_checks(..., defer_docs=True)`` left, and the offline index;
    the index page (None when there was nothing to draw)."""
    deferred = _DEFERRED_DOCS.pop(home.root, None)
    if deferred is None:
        return None
    with exclusive(latest_path(home).with_name(".run.lock")):
        context = gx_context.open_context(home, docs_results_limit=deferred.docs_limit)
        context.build_data_docs(
            site_names=[gx_context.DOCS_SITE], resource_identifiers=deferred.identifiers
        )
        index = gx_context_docs_index(home)
        if index is not None:
            add_offline_index(index, deferred.report)
    return index


def latest_suspicious_spikes(home: Home) -> list[dict]:
    """The suspicious spikes found by the last ``run_checks`` of this home ([] if none ran)."""
    path = latest_path(home)
    if not path.exists():
        log.warning("no check results at %s yet: no spikes to alert", path)
        return []
    try:
        return list(json.loads(path.read_text())["suspicious_spikes"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: unreadable check results ({exc!r})") from exc


UNCHANGED_NOTE = "nothing new since its last passing validation; not validated again"


def _unchanged(specs: list[gx_context.SuiteSpec], now: dt.datetime, hours: float) -> CheckReport:
    return CheckReport(
        suites=[
            SuiteResult(s.name, True, 0, 0, [], note=UNCHANGED_NOTE, purpose=s.purpose)
            for s in specs
        ],
        data_quality_ok=True,
        suspicious_spikes=[],
        data_docs_index=None,
        checked_at=now.isoformat(),
        freshness_hours=hours,
        notes=["nothing changed since the last check: no validation ran"],
        validated=False,
    )


def _plan(
    home: Home, specs: list[gx_context.SuiteSpec], record: Validated, *, only_changed: bool
) -> dict[str, Scope]:
    """Per suite, what it validates this run (a cheap look at files: no GX, no table scan)."""
    last = read_last_build(home)
    spike_tables = {s.table for s in specs if s.source == "marts" and s.purpose == "spikes"}
    scopes: dict[str, Scope] = {}
    for spec in specs:
        if spec.source == "lake":
            platform, kind = spec.lake_kind
            files = lake_files(home, platform, kind)
            done = record.lake.get(kind_key(platform, kind), set())
            new = [f for f in files if f not in done]
            if not only_changed:
                scopes[spec.name] = Scope("all", files=files)
            elif not new:
                scopes[spec.name] = Scope("unchanged")
            else:
                folder = home.lake / f"platform={platform}" / f"kind={kind}"
                delta = LakeDelta(
                    new=[folder / f for f in new],
                    old=[folder / f for f in files if f in done],
                    natural_key=tuple(NATURAL_KEYS.get((platform, kind), ())),
                    newest_column="observed_at" if (platform, kind) in FRESH_KINDS else None,
                )
                scopes[spec.name] = Scope("delta", lake=delta, files=files)
            continue
        validated_seq = record.marts.get(spec.table)
        if not only_changed or last.seq is None or last.everything:
            mode = "unchanged" if only_changed and _same(last.seq, validated_seq) else "all"
            scopes[spec.name] = Scope(mode, seq=last.seq)
        elif last.seq == validated_seq:
            scopes[spec.name] = Scope("unchanged", seq=last.seq)
        elif (
            last.mode == INCREMENTAL
            and validated_seq == last.seq - 1
            and spec.table not in spike_tables  # alerts take every row of the spike mart
        ):
            scopes[spec.name] = Scope("delta", changes=last.changes, seq=last.seq)
        else:  # a build in between was never validated (a crash, a failed suite): all rows
            scopes[spec.name] = Scope("all", seq=last.seq)
    # Suites of one table go together: a mart's quality suite and its spike verdict see the
    # same rows, and an unchanged table is only skipped when all its suites are.
    by_table: dict[str, list[str]] = {}
    for spec in specs:
        if spec.source == "marts":
            by_table.setdefault(spec.table, []).append(spec.name)
    for names in by_table.values():
        modes = {scopes[n].mode for n in names}
        if len(modes) > 1:
            for n in names:
                scopes[n] = Scope("all", seq=scopes[n].seq)
    return scopes


def _same(seq: int | None, validated: int | None) -> bool:
    return seq is not None and seq == validated


@dataclass
class _Unit:
    """One GX validation: a suite (or its row- or table-level part) on one snapshot."""

    spec: gx_context.SuiteSpec
    gx_name: str
    expectations: list[dict]
    snapshot: Snapshot


class _Validations:
    """The GX side of a check run: its context, then each phase's validations (one checkpoint
    run per purpose, results stored under the run's one run id), then Data Docs built once for
    all of them and the report."""

    def __init__(self, home: Home, now: dt.datetime, hours: float, keep: int, all_specs: int):
        import great_expectations as gx
        from great_expectations.core.run_identifier import RunIdentifier

        self.gx = gx
        # A fresh context per run: no checkpoint, validation definition or asset of a previous
        # run (or of a suite since removed from the repo) is in it.
        self.docs_limit = keep * all_specs * 2
        self.context = gx_context.open_context(home, docs_results_limit=self.docs_limit)
        gx_context.prune_results(home, keep=max(1, keep - 1))
        self.datasource = self.context.data_sources.add_pandas(gx_context.DATASOURCE)
        self.now, self.hours = now, hours
        self.run_id = RunIdentifier(
            run_name=f"realreach-{now:%Y%m%dT%H%M%SZ}", run_time=dt.datetime.now(dt.UTC)
        )
        self.results: dict[str, SuiteResult] = {}
        self.notes: list[str] = []
        self.assets: dict[Path, Any] = {}
        self.redraw: set[str] = set()  # suites whose docs page is missing or out of date
        self.documented: list[Any] = []
        self.spike_results: list[tuple[gx_context.SuiteSpec, Snapshot, Any]] = []

    def validate(self, home: Home, units: list[_Unit], scopes: dict[str, Scope]) -> None:
        gx, context, results = self.gx, self.context, self.results
        planned: dict[str, list[Any]] = {"quality": [], "spikes": []}
        for unit in units:
            spec, snap = unit.spec, unit.snapshot
            skip = _skip_reason(spec, snap, scopes[spec.name])
            if skip:
                results[spec.name] = SuiteResult(
                    spec.name, success=snap.path is not None, evaluated=0,
                    failed=0 if snap.path else 1,
                    failed_expectations=[] if snap.path else [f"table marts.{spec.table} exists"],
                    note=skip, purpose=spec.purpose,
                )  # fmt: skip
                self.notes.append(f"{spec.name}: {skip}")
                continue
            assert snap.path is not None
            suite, rewritten = gx_context.save_suite(context, _suite_from_spec(gx, spec, unit))
            if rewritten or not gx_context.suite_page(home, unit.gx_name).exists():
                self.redraw.add(unit.gx_name)
            if snap.path not in self.assets:
                asset = self.datasource.add_parquet_asset(snap.name, path=snap.path)
                self.assets[snap.path] = asset.add_batch_definition_whole_dataframe(
                    gx_context.BATCH_DEFINITION
                )
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=unit.gx_name, data=self.assets[snap.path], suite=suite)
            )
            planned[spec.purpose].append((unit, definition))

        parameters = {FRESHNESS_PARAMETER: self.now - dt.timedelta(hours=self.hours)}
        by_gx_name = {unit.gx_name: unit for unit in units}
        for purpose, checkpoint_name in (
            ("quality", QUALITY_CHECKPOINT),
            ("spikes", SPIKES_CHECKPOINT),
        ):
            if not planned[purpose]:
                continue
            result_format: dict[str, Any] = {"result_format": "SUMMARY"}
            if purpose == "spikes":
                index_columns = list(
                    dict.fromkeys(c for u, _ in planned[purpose] for c in u.spec.index_columns)
                )
                result_format = {"result_format": "COMPLETE"}
                if index_columns:
                    result_format["unexpected_index_column_names"] = index_columns
            # No UpdateDataDocsAction: it rebuilds the docs index (reading every stored result)
            # once per validation, two thirds of the step's time at 200 accounts; the pages of
            # this run are built once, by ``report``. add_or_update: the second phase runs a
            # checkpoint of the same name on its own validations.
            checkpoint = context.checkpoints.add_or_update(
                gx.Checkpoint(
                    name=checkpoint_name,
                    validation_definitions=[d for _, d in planned[purpose]],
                    actions=[],
                    result_format=result_format,
                )
            )
            outcome = checkpoint.run(expectation_parameters=parameters, run_id=self.run_id)
            for key in outcome.run_results:
                self.documented.append(key)
                if key.expectation_suite_identifier.name in self.redraw:
                    self.documented.append(key.expectation_suite_identifier)
            for validation in outcome.run_results.values():
                unit = by_gx_name[validation.suite_name]
                part = _suite_result(validation)
                part.name, part.purpose = unit.spec.name, purpose
                results[unit.spec.name] = _combine(results.get(unit.spec.name), part)
                if purpose == "spikes":
                    self.spike_results.append((unit.spec, unit.snapshot, validation))

    def report(
        self,
        home: Home,
        specs: list[gx_context.SuiteSpec],
        unchanged: dict[str, SuiteResult],
        *,
        draw_docs: bool = True,
    ) -> tuple[CheckReport, Snapshot | None]:
        """Data Docs for every validation of the run (unless left to ``draw_deferred_docs``),
        then the run's report."""
        results = {**unchanged, **self.results}
        notes = self.notes
        if self.documented and draw_docs:
            self.context.build_data_docs(
                site_names=[gx_context.DOCS_SITE], resource_identifiers=self.documented
            )
        spikes: list[dict] = []
        spikes_snapshot = None
        for spec, snap, validation in self.spike_results:
            found, problem = _suspicious_spikes(spec, snap, validation)
            spikes.extend(found)
            if problem:
                notes.append(f"{spec.name}: {problem}")
                results[spec.name].note = problem
            elif spec.table == SPIKES_TABLE:
                spikes_snapshot = snap
        ordered = [results[spec.name] for spec in specs]
        spike_suites_ran = all(
            not results[s.name].note or results[s.name].note == UNCHANGED_NOTE
            for s in specs
            if s.purpose == "spikes"
        )
        index = gx_context_docs_index(home)
        return CheckReport(
            suites=ordered,
            data_quality_ok=spike_suites_ran
            and all(r.success for spec, r in zip(specs, ordered, strict=True) if spec.purpose != "spikes"),
            suspicious_spikes=spikes,
            data_docs_index=index,
            checked_at=self.now.isoformat(),
            freshness_hours=self.hours,
            notes=notes,
        ), spikes_snapshot  # fmt: skip


def _combine(before: SuiteResult | None, part: SuiteResult) -> SuiteResult:
    """A suite validated in two parts (row-level on the delta, table-level on the table)."""
    if before is None:
        return part
    return SuiteResult(
        part.name,
        success=before.success and part.success,
        evaluated=before.evaluated + part.evaluated,
        failed=before.failed + part.failed,
        failed_expectations=before.failed_expectations + part.failed_expectations,
        note="row-level expectations on the rows the build rewrote, the others on the table",
        purpose=part.purpose,
    )


def _keep_audited_spikes(home: Home, report: CheckReport, snapshot: Snapshot | None) -> None:
    """The spike mart as its suites passed it, for alerts; kept as it was when they failed."""
    if snapshot is None or snapshot.path is None:
        return
    own = [r for r in report.suites if r.name.endswith(SPIKES_TABLE)]
    if not own or not all(r.success or r.purpose == "spikes" for r in own):
        log.warning("the follower_spikes suites failed: alerts keep the last audited spikes")
        return
    target = home.audited_spikes
    with atomic_target(target, durable=True) as tmp:
        shutil.copyfile(snapshot.path, tmp)


def _remember(
    home: Home,
    record: Validated,
    specs: list[gx_context.SuiteSpec],
    scopes: dict[str, Scope],
    report: CheckReport,
) -> None:
    """Record what passed: only that is skipped next time (failed data is checked again)."""
    by_name = {r.name: r for r in report.suites}
    tables: dict[str, bool] = {}
    for spec in specs:
        scope, result = scopes[spec.name], by_name[spec.name]
        if scope.mode == "unchanged":
            continue
        passed = result.success or (spec.purpose == "spikes" and not result.note)
        if spec.source == "lake":
            if passed:
                key = kind_key(*spec.lake_kind)
                record.lake[key] = record.lake.get(key, set()) | set(scope.files)
        else:
            tables[spec.table] = tables.get(spec.table, True) and passed and scope.seq is not None
    for spec in specs:
        if spec.source == "marts" and scopes[spec.name].mode != "unchanged":
            seq = scopes[spec.name].seq
            if tables.get(spec.table) and seq is not None:
                record.marts[spec.table] = seq
            else:
                record.marts.pop(spec.table, None)
    record.save(home)


def _merge_latest(
    home: Home, report: CheckReport, specs: list[gx_context.SuiteSpec], stage: str
) -> CheckReport:
    """One stage's report completed with the other stage's last results (latest.json holds
    both), and unchanged suites with the findings they had: the spikes of an unchanged spike
    mart are still the spikes."""
    try:
        previous = json.loads(latest_path(home).read_text())
    except (OSError, ValueError):
        previous = {}
    mine = {s.name for s in specs}
    others = [
        SuiteResult(**{k: v for k, v in s.items() if k in SuiteResult.__dataclass_fields__})
        for s in previous.get("suites", [])
        if isinstance(s, dict) and s.get("name") not in mine and stage != ALL
    ]
    ran_spikes = any(
        s.purpose == "spikes" and r.note != UNCHANGED_NOTE
        for s, r in zip(specs, report.suites, strict=True)
    )
    spikes = report.suspicious_spikes
    if not ran_spikes:
        spikes = list(previous.get("suspicious_spikes", []))
    suites = report.suites + others
    quality = [r for r in suites if r.purpose != "spikes"]
    return dataclasses.replace(
        report,
        suites=suites,
        suspicious_spikes=spikes,
        data_quality_ok=report.data_quality_ok and all(r.success for r in quality),
        data_docs_index=report.data_docs_index or gx_context_docs_index(home),
    )


OFFLINE_MARK = "<!-- realreach offline index -->"


def add_offline_index(index: Path, report: CheckReport) -> None:
    """GX's index page draws its table with jQuery and bootstrap-table from CDNs, so offline it
    is blank. Appended here: the same list as plain HTML (each suite's latest result and its
    expectations, pass or fail on data quality), shown only when those scripts did not load,
    and the spike findings as findings (handle, score, reasons), never as a failed suite."""
    from html import escape

    html = index.read_text(encoding="utf-8")
    html = html.split(OFFLINE_MARK)[0].rstrip()
    if html.endswith("</html>"):
        html = html[: -len("</html>")].rstrip()
    if html.endswith("</body>"):
        html = html[: -len("</body>")].rstrip()
    docs = index.parent
    rows = []
    for suite in report.suites:
        results = sorted(
            (docs / "validations" / suite.name).rglob("*.html"), key=lambda p: p.stat().st_mtime
        )
        latest = results[-1].relative_to(docs).as_posix() if results else None
        status = "passed" if suite.success else f"FAILED ({suite.failed} of {suite.evaluated})"
        if suite.note:
            status += f" — {suite.note}"
        link = f'<a href="{escape(latest)}">latest result</a>' if latest else "no result"
        rows.append(
            f'<tr><td><a href="expectations/{escape(suite.name)}.html">{escape(suite.name)}</a>'
            f"</td><td>{escape(status)}</td><td>{link}</td></tr>"
        )
    findings = "".join(
        f"<tr><td>{escape(str(s.get('handle') or s.get('account_id')))}</td>"
        f"<td>{escape(str(s.get('platform')))}</td><td>{escape(str(s.get('spike_start')))}</td>"
        f"<td>{escape(str(s.get('suspicion_score')))}</td>"
        f"<td>{escape(str(s.get('reasons')))}</td></tr>"
        for s in report.suspicious_spikes
    )
    block = f"""
{OFFLINE_MARK}
<div id="realreach-offline" style="display:none; margin: 24px; font-family: sans-serif">
<h2>Data quality suites (offline view)</h2>
<table border="1" cellpadding="4"><tr><th>suite</th><th>data quality</th><th>result</th></tr>
{"".join(rows)}</table>
</div>
<div id="realreach-findings" style="margin: 24px; font-family: sans-serif">
<h2>Findings: suspicious follower spikes</h2>
<p>Results of the detector, not failures of the pipeline; the report and the alerts say more.</p>
<table border="1" cellpadding="4"><tr><th>account</th><th>platform</th><th>from</th>
<th>score</th><th>why</th></tr>{findings or '<tr><td colspan="5">none</td></tr>'}</table>
</div>
<script>
if (!window.jQuery || !window.jQuery.fn || !window.jQuery.fn.bootstrapTable) {{
  document.getElementById('realreach-offline').style.display = 'block';
}}
</script>
</body></html>
"""
    atomic_write_text(index, html + "\n" + block)


def gx_context_docs_index(home: Home) -> Path | None:
    index = home.data_docs / "index.html"
    return index if index.exists() else None


def _take_snapshots(
    home: Home, specs: list[gx_context.SuiteSpec], scopes: dict[str, Scope]
) -> tuple[list[_Unit], list[tuple[str, str]]]:
    """The GX validations of this run, each with its frozen rows, and the suites left alone."""
    live = [s for s in specs if scopes[s.name].mode != "unchanged"]
    unchanged = [(s.name, s.purpose) for s in specs if scopes[s.name].mode == "unchanged"]
    lake_kinds = sorted({s.lake_kind for s in live if s.source == "lake"})
    lake = {}
    for kind in lake_kinds:
        scope = next(scopes[s.name] for s in live if s.source == "lake" and s.lake_kind == kind)
        lake[kind] = snapshot_lake_kind(
            home, *kind, keep=_columns_read(live, "lake", kind), delta=scope.lake
        )
    whole = sorted({s.table for s in live if s.source == "marts" and scopes[s.name].mode == "all"})
    # Not opened without a mart to copy: the lake phase runs while dbt holds the warehouse.
    marts = (
        snapshot_marts(home, whole, {t: _columns_read(live, "marts", t) for t in whole})
        if whole
        else {}
    )
    units: list[_Unit] = []
    changed: dict[Path, list[str]] = {}
    for spec in live:
        scope = scopes[spec.name]
        if spec.source == "lake":
            units.append(_Unit(spec, spec.name, _expectations(spec), lake[spec.lake_kind]))
        elif scope.mode == "all":
            units.append(_Unit(spec, spec.name, _expectations(spec), marts[spec.table]))
        else:
            assert scope.changes is not None
            changed.setdefault(scope.changes, []).append(spec.table)
    for changes, tables in changed.items():
        mine = [s for s in live if s.source == "marts" and s.table in tables]
        rows = snapshot_marts(
            home, tables, {t: _columns_read(mine, "marts", t, "rows") for t in tables},
            changes=changes,
        )  # fmt: skip
        table_level = snapshot_marts(
            home, tables, {t: _columns_read(mine, "marts", t, "table") for t in tables},
            suffix=TABLE_SUFFIX,
        )  # fmt: skip
        for spec in mine:
            by_row = [e for e in _expectations(spec) if e["type"] in ROW_LEVEL]
            by_table = [e for e in _expectations(spec) if e["type"] not in ROW_LEVEL]
            if by_row:
                units.append(_Unit(spec, spec.name, by_row, rows[spec.table]))
            if by_table or not by_row:
                units.append(
                    _Unit(spec, spec.name + TABLE_SUFFIX, by_table, table_level[spec.table])
                )
    return units, unchanged


def _expectations(spec: gx_context.SuiteSpec) -> list[dict]:
    return [dict(e) for e in spec.document["expectations"]]


def _columns_read(
    specs: list[gx_context.SuiteSpec],
    source: str,
    table: Any,
    part: str = "all",
) -> set[str] | None:
    """Columns the suites of one table read values of; None (all) where spikes are taken from
    it, since alerts carry every field of a suspicious spike. ``part``: of the row-level
    expectations only ("rows"), of the others only ("table"), or of all ("all")."""
    mine = [
        s
        for s in specs
        if s.source == source and (s.lake_kind if source == "lake" else s.table) == table
    ]
    if any(s.purpose == "spikes" for s in mine):
        return None
    if part == "all":
        return set().union(*(s.value_columns for s in mine))
    columns: set[str] = set()
    for spec in mine:
        for expectation in spec.document.get("expectations", []):
            is_row = expectation.get("type") in ROW_LEVEL
            if is_row == (part == "rows"):
                columns |= gx_context.columns_of(expectation)
    return columns


def _skip_reason(spec: gx_context.SuiteSpec, snap: Snapshot, scope: Scope) -> str:
    if snap.path is None:
        return f"table marts.{spec.table} does not exist in the warehouse"
    if snap.rows == 0 and spec.source == "lake":
        # Nothing ingested for this kind (e.g. no follower pulls): nothing to check, and a
        # freshness verdict on no data would only say that the kind is not used.
        return f"lake table {spec.table} has no rows yet; skipped"
    return ""


def _suite_from_spec(gx: Any, spec: gx_context.SuiteSpec, unit: _Unit) -> Any:
    doc = spec.document
    return gx.ExpectationSuite(
        name=unit.gx_name,
        expectations=unit.expectations,
        meta=dict(doc.get("meta") or {}),
        notes=doc.get("notes"),
    )


def _describe(config: Any) -> str:
    kwargs = config.kwargs
    target = kwargs.get("column") or kwargs.get("column_list") or kwargs.get("column_set")
    if isinstance(target, list | tuple):
        target = ",".join(map(str, target))
    return f"{config.type}({target})" if target else config.type


def _suite_result(validation: Any) -> SuiteResult:
    stats = validation.statistics
    failed = [_describe(r.expectation_config) for r in validation.results if not r.success]
    return SuiteResult(
        name=validation.suite_name,
        success=bool(validation.success),
        evaluated=int(stats["evaluated_expectations"]),
        failed=int(stats["unsuccessful_expectations"]),
        failed_expectations=failed,
    )


def _suspicious_spikes(
    spec: gx_context.SuiteSpec, snap: Snapshot, validation: Any
) -> tuple[list[dict], str]:
    """The suspicious rows of the snapshot the suite validated, every field as it is: findings
    read from the data, not reconstructed from a validation's unexpected-index list (a spike
    found is a result, never a failed expectation)."""
    import pyarrow.parquet as pq

    for item in validation.results:
        info = item.exception_info or {}
        raised = info.get("raised_exception") or any(
            isinstance(v, dict) and v.get("raised_exception") for v in info.values()
        )
        if raised:
            return [], f"spike verdict could not be evaluated: {_exception_message(info)}"
    assert snap.path is not None
    spikes = []
    for record in pq.read_table(snap.path).to_pylist():
        if record.get("verdict") != ALERTED_VERDICT:
            continue
        wanted = [c for c in SPIKE_FIELDS if c in record] + [
            c for c in record if c not in SPIKE_FIELDS
        ]
        spikes.append({c: to_jsonable(record[c]) for c in wanted})
    return spikes, ""


def _exception_message(info: dict) -> str:
    if info.get("exception_message"):
        return str(info["exception_message"])
    for value in info.values():
        if isinstance(value, dict) and value.get("exception_message"):
            return str(value["exception_message"])
    return "unknown error"


def _as_utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _write_latest(home: Home, report: CheckReport) -> None:
    # The alert step reads this after a restart: durable, and whole or not at all.
    atomic_write_text(latest_path(home), dumps(report, indent=2), durable=True)
