"""Data-quality checks of the raw zone and the marts, and the suspicious-spike verdict (GX).

``run_checks`` validates every suite in ``expectations/suites`` (the repo files are the source
of truth) against frozen copies of its table, builds Data Docs under ``<home>/gx/data_docs``
and persists a summary in ``<home>/state/checks/latest.json`` for the alert step.

Two checkpoints run, both with an UpdateDataDocsAction: GX 1.x applies a checkpoint's
result_format to all of its validation definitions (overriding any per-expectation format),
and the spike verdict needs COMPLETE results indexed by (platform, account_id, spike_start),
columns the other tables do not have.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from expectations import gx_context
from expectations.snapshots import Snapshot, snapshot_lake_kind, snapshot_marts
from realreach_core.contract import SPIKE_FIELDS
from realreach_core.files import atomic_write_text
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


def latest_path(home: Home) -> Path:
    return home.state / "checks" / "latest.json"


def freshness_hours_from_env(env: dict[str, str] | None = None) -> float:
    """REALREACH_FRESHNESS_HOURS through the one settings object (validated there)."""
    return load_settings(env).freshness_hours


def run_checks(
    home: Home, *, now: dt.datetime | None = None, freshness_hours: float | None = None
) -> CheckReport:
    """Validate lake and marts, find suspicious spikes, build Data Docs, persist the result."""
    now = _as_utc(now or dt.datetime.now(dt.UTC))
    settings = load_settings()
    hours = freshness_hours if freshness_hours is not None else settings.freshness_hours
    keep = settings.gx_keep_runs
    specs = gx_context.load_suite_specs()
    # The GX context and its stores are files: two concurrent runs would corrupt each other.
    with exclusive(latest_path(home).with_name(".run.lock")):
        report = _run_locked(home, specs, now=now, hours=hours, keep=keep)
        _write_latest(home, report)
    log.info(
        "checks: %d suites, data quality %s, %d suspicious spikes",
        len(report.suites),
        "ok" if report.data_quality_ok else "FAILED",
        len(report.suspicious_spikes),
    )
    return report


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


def _run_locked(
    home: Home, specs: list[gx_context.SuiteSpec], *, now: dt.datetime, hours: float, keep: int
) -> CheckReport:
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.core.run_identifier import RunIdentifier

    snapshots = _take_snapshots(home, specs)
    context = gx_context.open_context(home, docs_results_limit=keep * len(specs))
    gx_context.reset_runtime_objects(context, [QUALITY_CHECKPOINT, SPIKES_CHECKPOINT])
    gx_context.prune_results(home, keep=max(1, keep - 1))
    datasource = context.data_sources.add_pandas(gx_context.DATASOURCE)

    results: dict[str, SuiteResult] = {}
    notes: list[str] = []
    planned: dict[str, list[Any]] = {"quality": [], "spikes": []}
    assets: dict[Path, Any] = {}
    for spec in specs:
        snap = snapshots[spec.name]
        suite = context.suites.add_or_update(_suite_from_spec(gx, spec))
        skip = _skip_reason(spec, snap)
        if skip:
            results[spec.name] = SuiteResult(
                spec.name, success=snap.path is not None, evaluated=0,
                failed=0 if snap.path else 1,
                failed_expectations=[] if snap.path else [f"table marts.{spec.table} exists"],
                note=skip,
            )  # fmt: skip
            notes.append(f"{spec.name}: {skip}")
            continue
        assert snap.path is not None
        if snap.path not in assets:
            asset = datasource.add_parquet_asset(snap.name, path=snap.path)
            assets[snap.path] = asset.add_batch_definition_whole_dataframe(
                gx_context.BATCH_DEFINITION
            )
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=spec.name, data=assets[snap.path], suite=suite)
        )
        planned[spec.purpose].append((spec, definition))

    run_id = RunIdentifier(
        run_name=f"realreach-{now:%Y%m%dT%H%M%SZ}", run_time=dt.datetime.now(dt.UTC)
    )
    parameters = {FRESHNESS_PARAMETER: now - dt.timedelta(hours=hours)}
    spike_results = []
    for purpose, checkpoint_name in (
        ("quality", QUALITY_CHECKPOINT),
        ("spikes", SPIKES_CHECKPOINT),
    ):
        if not planned[purpose]:
            continue
        result_format: dict[str, Any] = {"result_format": "SUMMARY"}
        if purpose == "spikes":
            index_columns = list(
                dict.fromkeys(c for s, _ in planned[purpose] for c in s.index_columns)
            )
            result_format = {"result_format": "COMPLETE"}
            if index_columns:
                result_format["unexpected_index_column_names"] = index_columns
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=checkpoint_name,
                validation_definitions=[d for _, d in planned[purpose]],
                actions=[UpdateDataDocsAction(name="update_data_docs", site_names=[gx_context.DOCS_SITE])],
                result_format=result_format,
            )
        )  # fmt: skip
        outcome = checkpoint.run(expectation_parameters=parameters, run_id=run_id)
        for validation in outcome.run_results.values():
            results[validation.suite_name] = _suite_result(validation)
            results[validation.suite_name].purpose = purpose
            if purpose == "spikes":
                spec = next(s for s, _ in planned[purpose] if s.name == validation.suite_name)
                spike_results.append((spec, snapshots[spec.name], validation))

    spikes: list[dict] = []
    for spec, snap, validation in spike_results:
        found, problem = _suspicious_spikes(spec, snap, validation)
        spikes.extend(found)
        if problem:
            notes.append(f"{spec.name}: {problem}")
            results[spec.name].note = problem
    ordered = [results[spec.name] for spec in specs]
    spike_suites_ran = all(not results[s.name].note for s in specs if s.purpose == "spikes")
    index = gx_context_docs_index(home)
    return CheckReport(
        suites=ordered,
        data_quality_ok=spike_suites_ran
        and all(r.success for spec, r in zip(specs, ordered, strict=True) if spec.purpose != "spikes"),
        suspicious_spikes=spikes,
        data_docs_index=index,
        checked_at=now.isoformat(),
        freshness_hours=hours,
        notes=notes,
    )  # fmt: skip


def gx_context_docs_index(home: Home) -> Path | None:
    index = home.data_docs / "index.html"
    return index if index.exists() else None


def _take_snapshots(home: Home, specs: list[gx_context.SuiteSpec]) -> dict[str, Snapshot]:
    by_suite: dict[str, Snapshot] = {}
    lake_kinds = sorted({s.lake_kind for s in specs if s.source == "lake"})
    lake = {
        kind: snapshot_lake_kind(home, *kind, keep=_columns_read(specs, "lake", kind))
        for kind in lake_kinds
    }
    tables = sorted({s.table for s in specs if s.source == "marts"})
    keep = {table: _columns_read(specs, "marts", table) for table in tables}
    marts = snapshot_marts(home, tables, keep) if tables else {}
    for spec in specs:
        by_suite[spec.name] = lake[spec.lake_kind] if spec.source == "lake" else marts[spec.table]
    return by_suite


def _columns_read(specs: list[gx_context.SuiteSpec], source: str, table: Any) -> set[str] | None:
    """Columns the suites of one table read values of; None (all) where spikes are taken from
    it, since alerts carry every field of a suspicious spike."""
    mine = [
        s
        for s in specs
        if s.source == source and (s.lake_kind if source == "lake" else s.table) == table
    ]
    if any(s.purpose == "spikes" for s in mine):
        return None
    return set().union(*(s.value_columns for s in mine))


def _skip_reason(spec: gx_context.SuiteSpec, snap: Snapshot) -> str:
    if snap.path is None:
        return f"table marts.{spec.table} does not exist in the warehouse"
    if snap.rows == 0 and spec.source == "lake":
        # Nothing ingested for this kind (e.g. no follower pulls): nothing to check, and a
        # freshness verdict on no data would only say that the kind is not used.
        return f"lake table {spec.table} has no rows yet; skipped"
    return ""


def _suite_from_spec(gx: Any, spec: gx_context.SuiteSpec) -> Any:
    doc = spec.document
    return gx.ExpectationSuite(
        name=spec.name,
        expectations=[dict(e) for e in doc["expectations"]],
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
    """Full rows of the spikes GX found unexpected, looked up by the index columns GX returned."""
    import pandas as pd

    keys: list[tuple[str, ...]] = []
    for item in validation.results:
        info = item.exception_info or {}
        raised = info.get("raised_exception") or any(
            isinstance(v, dict) and v.get("raised_exception") for v in info.values()
        )
        if raised:
            return [], f"spike verdict could not be evaluated: {_exception_message(info)}"
        for entry in (item.result or {}).get("unexpected_index_list") or []:
            if not isinstance(entry, dict):
                return [], "spike verdict returned no index columns"
            keys.append(tuple(_key_text(entry[c]) for c in spec.index_columns))
    if not keys:
        return [], ""
    assert snap.path is not None
    frame = pd.read_parquet(snap.path)
    rows = {
        tuple(_key_text(v) for v in key): record
        for key, record in zip(
            frame[spec.index_columns].itertuples(index=False, name=None),
            frame.to_dict(orient="records"),
            strict=True,
        )
    }
    spikes = []
    for key in dict.fromkeys(keys):  # unique, in GX's order
        record = rows[key]
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


def _key_text(value: Any) -> str:
    value = to_jsonable(value)
    return value if isinstance(value, str) else json.dumps(value)


def _as_utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _write_latest(home: Home, report: CheckReport) -> None:
    # The alert step reads this after a restart: durable, and whole or not at all.
    atomic_write_text(latest_path(home), dumps(report, indent=2), durable=True)
