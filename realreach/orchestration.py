"""What the Airflow DAGs in ``dags/`` call: assets, default task arguments and task bodies.

The DAG files only wire tasks and assets; every decision lives here so it can be read and
tested without a scheduler. Airflow parses DAG files every few seconds, so this module imports
nothing heavy at the top: the pipeline steps (pyarrow, dbt, Great Expectations) are imported
inside the task bodies, which run in the worker.

Asset design. Data arriving starts everything: the LANDING asset has an ``AssetWatcher``
whose trigger (``realreach.landing_watch``) runs in the triggerer and fires when a complete
new export appears in ``<home>/landing``. From there the DAGs are chained by assets:

    (landing watch) --LANDING--> realreach_ingest
        ingest_and_build: ingest -> alert path -> spike suites -> alerts -> the rest
            --LAKE--> (what arrived: lineage and the UI)
            --MARTS--> realreach_checks (quality suites, publish)
            --SPIKES--> realreach_alerts (what is still owed, the report)
    realreach_transform: the same build, run by hand (no schedule)

Alerts wait neither for the rest of the build nor for the quality suites, and nothing on
their path crosses a task boundary: ``ingest_and_build`` starts the dbt worker, ingests while
it starts, builds the alert path (every node the spike mart is built from, and its own
tests), validates the spike mart with its own suites, writes the audited rows to
``<home>/state/checks/follower_spikes.parquet`` and delivers the new alerts, all in one task
and one dbt worker, as ``realreach run`` does; then it builds the rest. As separate tasks
(ingest, then a build DAG on LAKE, as until 2026-12) each boundary cost an asset hop, a task
start-up and dbt's start-up after the ingest instead of beside it. The alerts DAG, on
SPIKES, then delivers what is still owed (with the tasks' retries) and redraws the report;
``realreach_checks`` runs the quality suites and publishes the marts for BI.

There is one LAKE asset, not one per platform kind: the build reads what changed from the
ingestion manifest (not from events), so finer assets would only add queue rows. What
arrived (files, rows per ``platform/kind``, platforms) travels in its event's ``extra``,
where the UI shows it. URIs use a custom ``x-`` scheme, which Airflow stores verbatim (no provider
normaliser), and name the stage, not a machine path: a deployment serves one
``REALREACH_HOME``, read from the environment when a task runs.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import Asset, AssetWatcher
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from realreach.landing_watch import DEFAULT_SETTLE_SECONDS, LandingFileTrigger
from realreach_core.home import Home
from realreach_core.jsonable import to_jsonable
from realreach_core.settings import load_settings

log = logging.getLogger(__name__)

ASSET_GROUP = "realreach"


def landing_asset(home: Home | None = None) -> Asset:
    """LANDING, watched by our trigger. The watched folder is fixed when the DAG file is
    parsed (the dag-processor's ``REALREACH_HOME``): it is part of the trigger's identity."""
    settings = load_settings()
    home = home or Home.resolve(None)
    trigger = LandingFileTrigger(
        directory=str(home.landing),
        poll_seconds=settings.landing_poll_seconds,
        settle_seconds=(
            DEFAULT_SETTLE_SECONDS
            if settings.landing_settle_seconds is None
            else settings.landing_settle_seconds
        ),
    )
    return Asset(
        name="realreach_landing",
        uri="x-realreach://landing",
        group=ASSET_GROUP,
        watchers=[AssetWatcher(name="realreach_landing_watch", trigger=trigger)],
    )


LANDING = landing_asset()
LAKE = Asset(name="realreach_lake", uri="x-realreach://lake", group=ASSET_GROUP)
MARTS = Asset(name="realreach_marts", uri="x-realreach://marts", group=ASSET_GROUP)
SPIKES = Asset(name="realreach_spikes", uri="x-realreach://spikes", group=ASSET_GROUP)
CHECKS = Asset(name="realreach_checks", uri="x-realreach://checks", group=ASSET_GROUP)
ALERTS = Asset(name="realreach_alerts", uri="x-realreach://alerts", group=ASSET_GROUP)

# A fixed date in the past: with catchup off only the latest interval ever runs.
START_DATE = datetime(2026, 1, 1, tzinfo=UTC)

# Transient trouble (a BI tool holding DuckDB's lock, a webhook that is down) clears up with
# time, so every task retries with growing pauses: 30 s, 60 s, 120 s, capped at 10 min.
DEFAULT_ARGS: dict[str, Any] = {
    "owner": "realreach",
    "retries": 3,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=10),
}

# What every realreach DAG shares. One run at a time per DAG: dbt is DuckDB's single writer,
# ingestion and alerts.jsonl take file locks, and a queue of runs would only repeat work.
DAG_DEFAULTS: dict[str, Any] = {
    "start_date": START_DATE,
    "catchup": False,
    "max_active_runs": 1,
    "default_args": DEFAULT_ARGS,
    "tags": ["realreach"],
}

# Asset-event extras are stored in the metadata DB and shown in the UI: keep lists short.
MAX_LISTED_FILES = 50

# Airflow connections that, when defined, win over the REALREACH_* alert variables.
WEBHOOK_CONN_ID = "realreach_webhook"
SLACK_CONN_ID = "realreach_slack"
SMTP_CONN_ID = "realreach_smtp"


def current_home() -> Home:
    """The home named by ``REALREACH_HOME`` in the task's environment."""
    return Home.resolve(None).ensure()


def count(value: Any) -> int:
    """Report fields that count things: ints, lists of things, or counts per channel."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, Mapping):
        return sum(count(v) for v in value.values())
    return len(value)


def _log_report(step: str, report: Any) -> dict[str, Any]:
    data = to_jsonable(report)
    log.info("%s report: %s", step, json.dumps(data, sort_keys=True, default=str))
    return data


# --- realreach_ingest: ingest, then build -----------------------------------------------------


def ingest_extra(report: Any) -> dict[str, Any]:
    """What arrived, as the LAKE event's extra."""
    new_files = [str(f) for f in report.new_files]
    rows_by_kind = {str(k): int(v) for k, v in sorted(report.rows_by_kind.items())}
    return {
        "files_ingested": int(report.files_ingested),
        "files_skipped": int(report.files_skipped),
        "files_quarantined": int(report.files_quarantined),
        "rows": sum(rows_by_kind.values()),
        "rows_by_kind": rows_by_kind,
        "kinds": sorted(k for k, v in rows_by_kind.items() if v),
        "platforms": sorted(report.platforms),
        "files": new_files[:MAX_LISTED_FILES],
        "files_truncated": len(new_files) > MAX_LISTED_FILES,
    }


def ingest_and_build(outlet_events: Any, triggering_asset_events: Any = None) -> dict[str, Any]:
    """Ingest new landing files, then build what they changed: alert path, spike suites,
    alerts, the rest (``build``'s body), all in this one task.

    Everything on the alert's path is one task: a task boundary costs a DAG run created from
    an asset event, a task process started and dbt's start-up paid after the ingest instead
    of beside it — seconds each, more than the ingest of a new day. The dbt worker starts in
    the task's first moment and imports and parses while the files are read.

    The landing watch's events say what it saw; ingestion reads the whole landing folder
    anyway, so files that arrived after the event (or while the previous run was busy) are
    taken too, and the manifest skips what was already ingested. Nothing new and nothing
    left to build (a build that failed earlier is retried here): skipped, no events.
    """
    from realreach.dbt_worker import DbtWorker

    home = current_home()
    with DbtWorker(home) as dbt:
        from ingestion.run import ingest_landing
        from realreach.transform import warehouse_behind

        for event in describe_triggering_events(triggering_asset_events):
            log.info("landing event: %s", json.dumps(event, sort_keys=True))
        # In-process: a spawned parse worker re-runs the task runner's __main__ and dies under
        # Airflow's task supervisor (BrokenProcessPool, seen in tests/test_airflow_e2e.py).
        report = ingest_landing(home, workers=1)
        _log_report("ingest", report)
        for path, reason in report.quarantined:
            # A bad file is the sender's problem, not a task failure: it waits in quarantine
            # with its .error.json, and the other files go on.
            log.warning("quarantined %s: %s", path, reason)
        if not report.files_ingested and not warehouse_behind(home):
            raise AirflowSkipException(
                f"nothing new in landing ({report.files_skipped} already ingested, "
                f"{report.files_quarantined} quarantined) and the warehouse is built from "
                "the whole lake: no events, no build"
            )
        ingested = ingest_extra(report)
        outlet_events[LAKE].extra = ingested
        built = _build(home, dbt, outlet_events)
    return {"ingest": ingested, "build": built}


# --- realreach_transform ----------------------------------------------------------------------


def describe_triggering_events(triggering_asset_events: Any) -> list[dict[str, Any]]:
    """The lake events this run answers, newest last, for the log."""
    if not triggering_asset_events:
        return []
    return [
        {"asset": getattr(asset, "uri", str(asset)), "extra": to_jsonable(event.extra)}
        for asset, events in triggering_asset_events.items()
        for event in events
    ]


@dataclasses.dataclass(frozen=True)
class NodeResult:
    """One node of dbt's run_results.json, as the task log shows it."""

    unique_id: str
    status: str
    seconds: float
    rows: int | None  # rows written (adapter) or, for a mart, rows exported; None if unknown
    message: str | None

    @property
    def resource(self) -> str:
        return self.unique_id.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.unique_id.split(".")[-1 if self.resource != "test" else -2]

    def line(self) -> str:
        rows = "" if self.rows is None else f"  rows={self.rows:,}"
        failing = f"  {self.message}" if self.status in ("fail", "error", "warn") else ""
        return f"{self.resource:<9} {self.name:<50} {self.status:<8} {self.seconds:6.2f}s{rows}{failing}"


def dbt_node_results(run_results: Path, mart_rows: Mapping[str, int]) -> list[NodeResult]:
    """dbt's structured results (run_results.json), slowest first."""
    data = json.loads(run_results.read_text())
    nodes = []
    for result in data.get("results", []):
        unique_id = str(result["unique_id"])
        rows = (result.get("adapter_response") or {}).get("rows_affected")
        if rows is None or rows < 0:  # dbt-duckdb does not report it: count the export
            rows = (
                mart_rows.get(unique_id.split(".")[-1]) if unique_id.startswith("model.") else None
            )
        if unique_id.startswith("test.") and result.get("failures") is not None:
            rows = int(result["failures"])  # a test's rows are its failing rows
        nodes.append(
            NodeResult(
                unique_id=unique_id,
                status=str(result.get("status")),
                seconds=float(result.get("execution_time") or 0.0),
                rows=rows,
                message=result.get("message"),
            )
        )
    return sorted(nodes, key=lambda n: -n.seconds)


def log_dbt_results(home: Home) -> list[NodeResult]:
    """Every node's status, time and rows in the task log, slowest first."""
    import pyarrow.parquet as pq

    from realreach.transform import dbt_dirs

    target, _ = dbt_dirs(home)
    run_results = target / "run_results.json"
    if not run_results.exists():
        log.warning("dbt wrote no %s", run_results)
        return []
    mart_rows = {
        p.stem: pq.ParquetFile(p).metadata.num_rows for p in home.marts_export.glob("*.parquet")
    }
    nodes = dbt_node_results(run_results, mart_rows)
    by_status: dict[str, int] = {}
    for node in nodes:
        by_status[node.status] = by_status.get(node.status, 0) + 1
    log.info("dbt run_results.json: %d nodes %s; slowest first:", len(nodes), by_status)
    for node in nodes:
        log.info("dbt %s", node.line())
    return nodes


def build_extra(report: Any, home: Home) -> dict[str, Any]:
    exported = [Path(p) for p in report.exported]
    return {
        "models_ok": count(report.models_ok),
        "tests_passed": count(report.tests_passed),
        "tests_failed": count(report.tests_failed),
        "elapsed_s": round(float(report.elapsed_s), 3),
        # Relative to the home: extras outlive machines and say nothing about their disks.
        "exported": [
            p.relative_to(home.root).as_posix() if p.is_relative_to(home.root) else p.name
            for p in exported
        ],
    }


def build(outlet_events: Any, triggering_asset_events: Any = None) -> dict[str, Any]:
    """``realreach_transform``, run by hand: build what the lake and the project changed
    since the last green build (``ingest_and_build`` does this after every ingest)."""
    from realreach.dbt_worker import DbtWorker

    home = current_home()
    for event in describe_triggering_events(triggering_asset_events):
        log.info("building for lake event: %s", json.dumps(event, sort_keys=True))
    # dbt's worker imports dbt and parses the project (~3.5 s) from the task's first moment
    with DbtWorker(home) as dbt:
        return _build(home, dbt, outlet_events)


def _build(home: Home, dbt: Any, outlet_events: Any) -> dict[str, Any]:
    """``dbt build`` the warehouse, alerting between its alert path and the rest; fail (and
    retry) when dbt reports errors.

    Write-audit-publish's write: the Parquet exports and bi.duckdb BI reads are left as they
    are; ``check`` publishes this build (named by its fingerprint, carried on the marts
    event) only after the data-quality suites passed. The alerts go out from the spike mart's
    own audit (``audit_spikes_and_alert``), as soon as the alert path is built."""
    from realreach.pipeline import warm_up_checks
    from realreach.transform import build_marts

    audited: dict[str, Any] = {}

    def on_alert_path(report: Any) -> None:
        log.info("dbt: alert path built (%d models, %d tests)",
                 count(report.models_ok), count(report.tests_passed))  # fmt: skip
        audited.update(audit_spikes_and_alert(home))

    # GX is imported while dbt builds, off the alert's path
    report = build_marts(home, publish=False, dbt=dbt, on_alert_path=on_alert_path,
                         on_dbt_start=warm_up_checks)  # fmt: skip
    _log_report("build", report)
    if report.skipped:
        log.info("dbt: nothing changed since the last green build; marts left as they are")
    else:
        log_dbt_results(home)
    if not report.ok:
        for failure in report.failures:
            log.error("dbt: %s", to_jsonable(failure))
        raise RuntimeError(
            f"dbt build failed: {count(report.failures)} failure(s), "
            f"{count(report.tests_failed)} test(s) failed; see the log above"
        )
    if not audited:  # nothing was built: the suites say so, the alerts DAG settles what is owed
        audited.update(audit_spikes_and_alert(home))
    extra = build_extra(report, home)
    extra["fingerprint"] = report.fingerprint  # what check() publishes once audited
    extra["skipped"] = bool(report.skipped)
    outlet_events[MARTS].extra = extra
    outlet_events[SPIKES].extra = audited
    return extra


def audit_spikes_and_alert(home: Home) -> dict[str, Any]:
    """The spike mart's own suites (on what changed), then one delivery attempt of the new
    alerts from the rows they audited: the SPIKES event's extra.

    A channel that fails here does not fail the build: the alert is in alerts.jsonl, marked
    owed, and the alerts DAG (on SPIKES, with the tasks' retries) delivers it."""
    from expectations.checks import SPIKES as SPIKE_STAGE
    from expectations.checks import draw_deferred_docs, run_checks

    # the suites' Data Docs pages after the alerts: they need not wait for them
    report = run_checks(home, stage=SPIKE_STAGE, only_changed=True, defer_docs=True)
    _log_report("spike checks", report)
    extra: dict[str, Any] = {
        "suspicious_spikes": len(report.suspicious_spikes),
        "validated": bool(report.validated),
        "audited": home.audited_spikes.exists(),
    }
    log.info("spike checks: %s", json.dumps(extra, sort_keys=True))
    extra["alerts"] = alerts_extra(deliver_alerts(home))
    log.info("alerts: %s", json.dumps(extra["alerts"], sort_keys=True))
    if extra["alerts"]["undelivered"]:
        log.warning(
            "%d alert delivery(ies) owed (%s): the alerts DAG retries them",
            extra["alerts"]["undelivered"],
            extra["alerts"]["undelivered_by_channel"],
        )
    draw_deferred_docs(home)
    return extra


# --- realreach_checks -------------------------------------------------------------------------


def checks_extra(report: Any, home: Home) -> dict[str, Any]:
    suites = to_jsonable(report.suites)
    docs = Path(report.data_docs_index) if report.data_docs_index else None
    return {
        "suspicious_spikes": len(report.suspicious_spikes),
        "data_quality_ok": bool(report.data_quality_ok),
        "suites": len(suites),
        # Only quality suites: a failed "spikes" suite means spikes were found, a result.
        "suites_failed": sorted(
            str(s.get("name"))
            for s in suites
            if isinstance(s, dict)
            and not s.get("success")
            and s.get("purpose", "quality") == "quality"
        ),
        "data_docs_index": (
            docs.relative_to(home.root).as_posix()
            if docs and docs.is_relative_to(home.root)
            else to_jsonable(docs)
        ),
    }


def built_fingerprint(triggering_asset_events: Any) -> str:
    """The fingerprint of the newest build that triggered this run ('' when none says)."""
    found = ""
    try:
        for event in triggering_asset_events[MARTS]:
            found = str((getattr(event, "extra", None) or {}).get("fingerprint") or found)
    except (KeyError, TypeError):
        return ""
    return found


def check(outlet_events: Any, triggering_asset_events: Any = None) -> dict[str, Any]:
    """Validate with Great Expectations what changed (lake batches not validated yet, the mart
    rows the build rewrote), publish the warehouse when the data-quality suites passed
    (write-audit-publish), and announce the result on CHECKS.

    ``quality_gate`` then fails the run when a suite failed, so the failure shows in Airflow;
    alerts went out before, from the spike mart's own audit (``audit_spikes_and_alert``, in the
    build task).
    """
    from expectations.checks import QUALITY, run_checks
    from realreach.transform import publish_built

    home = current_home()
    report = run_checks(home, stage=QUALITY, only_changed=True)
    _log_report("checks", report)
    if report.data_quality_ok:
        published = publish_built(home, built_fingerprint(triggering_asset_events))
        log.info("published %d mart export(s) after the checks passed", len(published))
    else:
        log.error("data quality failed: the exports and bi.duckdb keep the last good marts")
    extra = checks_extra(report, home)
    log.info(
        "%d suspicious follower spike(s); data quality %s",
        extra["suspicious_spikes"],
        "ok" if extra["data_quality_ok"] else "FAILED",
    )
    outlet_events[CHECKS].extra = extra
    return extra


def quality_gate(checks: Mapping[str, Any]) -> None:
    """Fail, without retries, when a suite failed: the same data fails the same way again."""
    if not checks["data_quality_ok"]:
        raise AirflowFailException(
            f"data quality checks failed: {', '.join(checks['suites_failed']) or '?'}; "
            f"Data Docs: {checks['data_docs_index']} (under REALREACH_HOME)"
        )


# --- realreach_alerts -------------------------------------------------------------------------


def _connection(conn_id: str) -> Any | None:
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return Connection.get(conn_id)
    except AirflowNotFoundException:  # not defined: the environment decides
        return None


def _url_of(conn: Any) -> str | None:
    """A webhook connection's URL: ``extra.url``, else a full URL in ``host``."""
    url = conn.extra_dejson.get("url") if conn.extra else None
    if url:
        return str(url)
    host = conn.host or ""
    if "://" in host:
        return host
    if not host:
        return None
    scheme = conn.schema or "https"
    port = f":{conn.port}" if conn.port else ""
    return f"{scheme}://{host}{port}"


def alerts_extra(report: Any) -> dict[str, Any]:
    return {
        "new": count(report.new),
        "already_known": count(report.already_known),
        "delivered": count(report.delivered),
        "undelivered": count(report.undelivered),
        "delivered_by_channel": to_jsonable(report.delivered),
        "undelivered_by_channel": to_jsonable(report.undelivered),
        "withdrawn": count(getattr(report, "withdrawn", 0)),
        "now_suspicious": count(getattr(report, "now_suspicious", 0)),
        "skipped_channels": to_jsonable(getattr(report, "skipped", {})),
    }


def alert_channels() -> list[Any]:
    return alert_channel_setup()[0]


def alert_channel_setup() -> tuple[list[Any], dict[str, str]]:
    """(channels, misconfigured channel -> why it is skipped).

    Channels of the Airflow connections that exist, then the REALREACH_* ones not overridden.

    ``realreach_slack`` and ``realreach_smtp`` deliver through the Slack and SMTP providers'
    hooks; ``realreach_webhook`` (a plain JSON POST, for which no provider is installed) through
    our own channel. Delivery bookkeeping is the same either way: alerts.jsonl, per channel name.
    """
    from realreach.alerts import (
        SlackHookChannel,
        SmtpHookChannel,
        WebhookChannel,
        channels_from_settings,
        merge_channels,
        recipients_of,
    )

    settings = load_settings()
    problems = dict(settings.channel_problems)
    preferred: list[Any] = []
    if (conn := _connection(WEBHOOK_CONN_ID)) and (url := _url_of(conn)):
        preferred.append(WebhookChannel(url))
    if _connection(SLACK_CONN_ID):
        preferred.append(SlackHookChannel(SLACK_CONN_ID))
    if conn := _connection(SMTP_CONN_ID):
        extra = conn.extra_dejson if conn.extra else {}
        to = recipients_of(extra.get("to")) or settings.alert_email_to
        if to:
            preferred.append(SmtpHookChannel(SMTP_CONN_ID, to, sender=settings.alert_email_from))
        else:  # reported and skipped: it must not hold up alerts.jsonl or the other channels
            problems["email"] = (
                f"Airflow connection {SMTP_CONN_ID} has no recipients: set its extra "
                '"to" or REALREACH_ALERT_EMAIL_TO'
            )
    # Names only: connection values are secrets.
    if preferred:
        log.info("alert channels from Airflow connections: %s", [c.name for c in preferred])
    for name in [c.name for c in preferred]:
        problems.pop(name, None)  # the connection replaces the misconfigured variable
    return merge_channels(preferred, channels_from_settings(settings)), problems


def deliver_alerts(home: Home) -> Any:
    """Record each new suspicious spike once and deliver what every channel (the Airflow
    connections', else the REALREACH_* ones) is owed: the build task and the alerts DAG alike."""
    from realreach.alerts import raise_alerts, retry_policy_from_settings

    channels, skipped = alert_channel_setup()
    return raise_alerts(
        home, channels=channels, skipped=skipped,
        retry=retry_policy_from_settings(load_settings()),
    )  # fmt: skip


def alert(outlet_events: Any) -> dict[str, Any]:
    """Deliver what is still owed; retry while a channel fails."""
    home = current_home()
    extra = alerts_extra(deliver_alerts(home))
    log.info("alerts: %s", json.dumps(extra, sort_keys=True))
    from realreach.report import write_report

    # the report after every run, as the command line writes it (CONTRACT.md report/)
    written = write_report(home)
    extra["report"] = str(written.index)
    log.info("report: %s", written.index)
    if extra["undelivered"]:
        # The alerts are safe in alerts.jsonl, marked undelivered; the retry delivers them.
        raise RuntimeError(
            f"{extra['undelivered']} alert delivery(ies) still owed "
            f"({extra['undelivered_by_channel']}); they stay in {home.alerts_file} "
            "and the retry sends them"
        )
    outlet_events[ALERTS].extra = extra
    return extra
