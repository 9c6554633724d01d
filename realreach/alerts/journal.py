"""alerts/alerts.jsonl: each suspicious spike recorded once, and what each channel was told (see the package's docstring for the protocol)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from realreach.alerts.channels import (
    Channel,
    DeliveryError,
    RetryPolicy,
    channels_from_settings,
    retry_policy_from_env,
    retry_policy_from_settings,
)
from realreach.alerts.states import (
    ALERT,
    DELIVERED,
    NOT_DETECTED,
    NOT_NEEDED,
    NOW_SUSPICIOUS,
    SENDING,
    UNDELIVERED,
    WITHDRAWN,
    message_key,
)
from realreach_core.contract import ALERTED_VERDICT
from realreach_core.files import atomic_write_text
from realreach_core.home import Home
from realreach_core.jsonable import to_jsonable
from realreach_core.locking import exclusive
from realreach_core.settings import load_settings

log = logging.getLogger(__name__)

# ----------------------------------------------------------------------------- the journal


@dataclass
class AlertReport:
    new: int
    already_known: int
    delivered: dict[str, int]  # messages delivered by this call, per channel
    undelivered: dict[str, int]  # alerts still owing each channel a message after this call
    withdrawn: int = 0  # alerts whose spike stopped being suspicious in this call
    now_suspicious: int = 0  # withdrawn alerts whose spike is suspicious again
    repeated: dict[str, int] = field(default_factory=dict)  # pending sends tried again
    skipped: dict[str, str] = field(default_factory=dict)  # misconfigured channel -> why
    before_since: int = 0  # suspicious spikes not alerted: they start before the since date


def alert_id(platform: str, account_id: str, spike_start: str) -> str:
    key = "\x1f".join((str(platform), str(account_id), str(spike_start)))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def spikes_source(home: Home) -> Path:
    """Where alerts read the follower_spikes rows: the rows the checks audited
    (``Home.audited_spikes``, written as soon as the spike mart's own suites passed, before the
    slower quality suites). A home whose checks never wrote that file (one from before it, or
    rows written by hand) falls back to the published export."""
    audited = home.audited_spikes
    return audited if audited.exists() else home.marts_export / "follower_spikes.parquet"


def current_spikes(home: Home) -> dict[str, dict] | None:
    """Every audited row of the ``follower_spikes`` mart by alert id; None when there is none
    to judge by (then no alert is withdrawn for lack of its row)."""
    path = spikes_source(home)
    if not path.exists():
        return None
    import pyarrow.parquet as pq

    judged = {}
    for row in _jsonable_rows(pq.read_table(path)):
        judged[alert_id(row["platform"], row["account_id"], row["spike_start"])] = row
    return judged


def _jsonable_rows(table: Any) -> list[dict]:
    """``to_jsonable`` of every value of a pyarrow table's rows, a column at a time: each
    column's type is looked at once, not each value's (value by value, 24k rows of some 40
    columns took a second at 1,000 accounts)."""
    import pyarrow.types as types

    columns = []
    for column in table.columns:
        kind, values = column.type, column.to_pylist()
        if types.is_floating(kind):
            values = [None if v is None or v != v else v for v in values]  # NaN: missing
        elif types.is_date(kind) or types.is_timestamp(kind):
            values = [None if v is None else v.isoformat() for v in values]
        elif not (
            types.is_integer(kind)
            or types.is_string(kind)
            or types.is_large_string(kind)
            or types.is_boolean(kind)
            or types.is_null(kind)
        ):
            values = [to_jsonable(v) for v in values]  # decimals, nested, the rest
        columns.append(values)
    names = table.column_names
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _flagged(judged: Mapping[str, Mapping[str, Any]] | None) -> list[dict]:
    """The one place alerts take flagged rows from: the suspicious ones of the audited
    follower_spikes rows (``current_spikes``), every field as is."""
    return [dict(row) for row in (judged or {}).values() if row.get("verdict") == ALERTED_VERDICT]


def report_link(home: Home, spike: Mapping[str, Any], base_url: str | None) -> str:
    """Where the spike's page of the report is: under the configured base URL, else the
    file under the home (the report is written after every run)."""
    from realreach.report.data import spike_key

    page = f"spikes/{spike_key(spike)}.html"
    if base_url:
        return f"{base_url.rstrip('/')}/{page}"
    # what (home.root / "report" / page).as_uri() gives, without two Paths per spike
    return f"{_report_uri(home.root)}/{quote(page)}"


@functools.lru_cache(maxsize=16)
def _report_uri(root: Path) -> str:
    return (root / "report").as_uri()


def raise_alerts(
    home: Home,
    spikes: list[dict] | None = None,
    *,
    channels: list[Channel] | None = None,
    retry: RetryPolicy | None = None,
    judged: Mapping[str, Mapping[str, Any]] | None = None,
    skipped: Mapping[str, str] | None = None,
    since: dt.date | None = None,
) -> AlertReport:
    """Record each suspicious spike once, withdraw alerts whose spike is no longer suspicious
    (``judged``: the follower_spikes rows by alert id, the audited ones by default), then send every channel the one message it is owed per alert.

    ``spikes`` defaults to the audited suspicious rows (``_flagged``). A spike starting
    before ``since`` (default REALREACH_ALERT_SINCE) raises no new alert: a first run over
    months of history alerts on what is recent; alerts already raised go on as before."""
    settings = load_settings()
    if channels is None:
        channels = channels_from_settings(settings)
        skipped = settings.channel_problems if skipped is None else skipped
        retry = retry or retry_policy_from_settings(settings)
    retry = retry or retry_policy_from_env()
    since = since or settings.alert_since
    plain = False  # the spikes' values are JSON types already (the audited rows are)
    if spikes is None:
        # the audited rows are read once: the flagged ones raise, all of them judge
        plain = judged is None
        judged = current_spikes(home) if judged is None else judged
        spikes = _flagged(judged)
    for name, why in (skipped or {}).items():
        log.warning("%s alerts are skipped: %s", name, why)
    names = [c.name for c in channels]
    if len(set(names)) != len(names):
        raise ValueError(f"two alert channels share a name: {names}")
    now = _utc_now()
    path = home.alerts_file
    report = AlertReport(
        new=0, already_known=0, delivered=dict.fromkeys(names, 0),
        undelivered=dict.fromkeys(names, 0), repeated=dict.fromkeys(names, 0),
        skipped=dict(skipped or {}),
    )  # fmt: skip
    with _locked(path):
        text = _read_text(path)
        alerts = [_upgraded(a) for a in _parse(path, text)]
        index = {a["alert_id"]: a for a in alerts}
        suspicious: set[str] = set()
        for spike in spikes:
            if spike.get("verdict", ALERTED_VERDICT) != ALERTED_VERDICT:
                continue
            fields = {
                k: v if plain else to_jsonable(v) for k, v in spike.items() if k not in _BOOKKEEPING
            }
            fields["report_url"] = report_link(home, fields, settings.report_base_url)
            aid = alert_id(fields["platform"], fields["account_id"], fields["spike_start"])
            suspicious.add(aid)
            if aid in index:
                report.already_known += 1
                alert = index[aid]
                _update(alert, fields, now)
                if alert["state"] != ALERTED_VERDICT:
                    _change_state(alert, ALERTED_VERDICT, now)
                    report.now_suspicious += 1
                continue
            if since is not None and str(fields["spike_start"])[:10] < since.isoformat():
                report.before_since += 1
                continue
            report.new += 1
            alert = {**fields, "alert_id": aid, "first_seen_at": now, "state": ALERTED_VERDICT}
            alert["events"] = [{"seq": 1, "event": ALERT, "verdict": ALERTED_VERDICT, "at": now}]
            # Channels configured now owe this alert; recorded before any send, so a crash
            # mid-delivery leaves it owed rather than lost.
            alert["delivery"] = {name: {"status": UNDELIVERED, "attempts": 0} for name in names}
            alerts.append(alert)
            index[aid] = alert
            log.info("new alert %s: %s account %s from %s", aid, fields["platform"],
                     fields["account_id"], fields["spike_start"])  # fmt: skip
        judged = current_spikes(home) if judged is None else judged
        if judged is not None:
            for alert in alerts:
                if alert["state"] != ALERTED_VERDICT or alert["alert_id"] in suspicious:
                    continue
                row = judged.get(alert["alert_id"])
                if row is not None and row.get("verdict") == ALERTED_VERDICT:
                    continue  # still suspicious in the mart; the check's list lags behind
                fields = {k: to_jsonable(v) for k, v in (row or {}).items()}
                _update(alert, {k: v for k, v in fields.items() if k not in _BOOKKEEPING}, now)
                if row is None:
                    alert["verdict"] = NOT_DETECTED
                _change_state(alert, WITHDRAWN, now)
                report.withdrawn += 1
        _write(path, alerts, unless=text)

        for channel in channels:
            for alert in alerts:
                status = alert["delivery"].get(channel.name)
                if status is None:
                    continue  # the channel was set up after this alert was raised
                _settle(channel, alert, status, retry, path, alerts, report)
    return report


def read_alerts(home: Home) -> list[dict]:
    with _locked(home.alerts_file):
        return _read(home.alerts_file)


_BOOKKEEPING = ("alert_id", "delivery", "events", "state", "first_seen_at", "updated_at")


def _upgraded(alert: dict) -> dict:
    """Lines written before verdict changes were tracked: one "alert" event, told per status."""
    if "state" in alert:
        return alert
    alert["state"] = ALERTED_VERDICT
    at = alert.get("first_seen_at")
    alert["events"] = [{"seq": 1, "event": ALERT, "verdict": ALERTED_VERDICT, "at": at}]
    for status in alert.get("delivery", {}).values():
        if status.get("status") == DELIVERED:
            status.update(told=ALERTED_VERDICT, told_seq=1)
    return alert


def _change_state(alert: dict, state: str, now: str) -> None:
    seq = len(alert["events"]) + 1
    event = NOW_SUSPICIOUS if state == ALERTED_VERDICT else WITHDRAWN
    alert["state"] = state
    alert["events"].append({"seq": seq, "event": event, "verdict": alert.get("verdict"), "at": now})
    alert["updated_at"] = now
    log.info("alert %s: %s (verdict %s)", alert["alert_id"], event, alert.get("verdict"))


def _owed(alert: Mapping[str, Any], status: Mapping[str, Any]) -> str | None:
    """The kind of message a channel is owed, from what it was told and the alert's state."""
    told, state = status.get("told"), alert["state"]
    if told == state:
        return None
    if told is None:
        return ALERT if state == ALERTED_VERDICT else None
    return WITHDRAWN if state == WITHDRAWN else NOW_SUSPICIOUS


def _settle(
    channel: Channel,
    alert: dict,
    status: dict,
    retry: RetryPolicy,
    path: Path,
    alerts: list[dict],
    report: AlertReport,
) -> None:
    """Send the channel what it is owed about one alert: first a pending (possibly already
    received) message again, with its key, then a follow-up if the state moved on since."""
    for _ in range(2):
        pending = status.get("pending")
        if pending is not None and status.get("status") == UNDELIVERED and status.get("refused"):
            # Every attempt was refused: nobody saw it, so say what is owed now instead.
            status.pop("pending")
            pending = None
        if pending is None:
            kind = _owed(alert, status)
            if kind is None:  # the channel already knows the current state, or need not
                settled = DELIVERED if status.get("told") else NOT_NEEDED
                if status.get("status") != settled:
                    status["status"] = settled
                    for stale in ("last_error", "refused", "sending_since"):
                        status.pop(stale, None)
                    _write(path, alerts)
                return
            seq = alert["events"][-1]["seq"]
            verdict = str(alert.get("verdict") or alert["state"])
            key = message_key(alert["alert_id"], seq, kind, verdict)
            pending = {"kind": kind, "seq": seq, "key": key}
            status.update(pending=pending, attempts=0)
            status.pop("refused", None)
        elif status.get("status") == SENDING:
            report.repeated[channel.name] += 1
            log.warning("alert %s: repeating %s via %s after an interrupted send (key %s)",
                        alert["alert_id"], pending["kind"], channel.name, pending["key"])  # fmt: skip
        # Intent first, durably: a crash from here on leaves the message pending, and the
        # next run repeats it with the same key.
        status["status"] = SENDING
        status["sending_since"] = _utc_now()
        _write(path, alerts)
        if not _deliver(channel, alert, status, pending, retry):
            report.undelivered[channel.name] += 1
            _write(path, alerts)
            return
        report.delivered[channel.name] += 1
        status.update(
            status=DELIVERED, delivered_at=_utc_now(), told_seq=pending["seq"],
            told=WITHDRAWN if pending["kind"] == WITHDRAWN else ALERTED_VERDICT,
        )  # fmt: skip
        for stale in ("pending", "sending_since", "last_error", "refused"):
            status.pop(stale, None)
        _write(path, alerts)  # marked right after the receiver answered


def message_of(alert: Mapping[str, Any], pending: Mapping[str, Any]) -> dict[str, Any]:
    """What channels send: the alert's fields, the message kind and its idempotency key."""
    message = {k: v for k, v in alert.items() if k not in ("delivery", "events")}
    message.update(event=pending["kind"], idempotency_key=pending["key"])
    return message


def _deliver(
    channel: Channel, alert: dict, status: dict, pending: Mapping[str, Any], retry: RetryPolicy
) -> bool:
    delays = retry.delays()
    message = message_of(alert, pending)
    while True:
        status["attempts"] = int(status.get("attempts", 0)) + 1
        try:
            channel.send(message)
        except DeliveryError as exc:
            error, refused = str(exc), exc.refused
        except Exception as exc:  # a channel bug must not lose the alert either
            error, refused = type(exc).__name__, False
        else:
            log.info("alert %s: %s delivered via %s (%s)", alert["alert_id"], pending["kind"],
                     channel.name, channel.target)  # fmt: skip
            return True
        # One attempt that may have got through makes the message "maybe seen" for good.
        refused = refused and status.get("refused", True)
        status.update(
            status=UNDELIVERED, last_error=error, last_attempt_at=_utc_now(), refused=refused
        )
        delay = next(delays, None)
        if delay is None:
            log.warning("alert %s undelivered via %s (%s): %s; will retry on the next run",
                        alert["alert_id"], channel.name, channel.target, error)  # fmt: skip
            return False
        time.sleep(delay)


def _update(alert: dict, fields: dict, now: str) -> None:
    """The same spike seen again: keep its line, refresh fields that changed (it grew)."""
    changed = {k: v for k, v in fields.items() if alert.get(k) != v}
    if changed:
        alert.update(changed)
        alert["updated_at"] = now
        log.info("alert %s updated: %s", alert["alert_id"], sorted(changed))


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _locked(path: Path) -> AbstractContextManager[None]:
    return exclusive(path.with_name(f".{path.name}.lock"), purpose="alerts")


def _read(path: Path) -> list[dict]:
    return _parse(path, _read_text(path))


def _read_text(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def _parse(path: Path, text: str) -> list[dict]:
    alerts = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            alerts.append(json.loads(line))
        except ValueError as exc:
            raise ValueError(f"{path}:{number}: not a JSON alert ({exc})") from None
    return alerts


def _write(path: Path, alerts: list[dict], *, unless: str | None = None) -> None:
    """The journal, durably; ``unless``: its text as read, not rewritten when unchanged (a
    run with no new or changed alert fsynced ~1,700 lines at 200 accounts for nothing)."""
    # The alerts are plain JSON already (parsed lines, to_jsonable fields): json.dumps gives
    # the text ``dumps`` gives, without walking every value again (8k alerts at 1,000 accounts)
    text = "".join(json.dumps(alert, ensure_ascii=False) + "\n" for alert in alerts)
    if text != unless:
        atomic_write_text(path, text, durable=True)
