"""Alerts: one line per suspicious spike in ``alerts/alerts.jsonl``, told once to every channel.

A spike is identified by (platform, account_id, spike_start) (``alert_id``); its line is written
once, updated in place when the spike grows or its verdict changes, and remembers per channel
what that channel was told. Each channel gets one message per change of the alert's state:

- ``alert``: the spike is suspicious (the first message a channel gets about it);
- ``withdrawn``: it was told "suspicious", and the spike is now ``unexplained``, ``explained``
  or no longer detected;
- ``now_suspicious``: it was told "withdrawn", and the spike is suspicious again.

Delivery is a small journal protocol, so a crash anywhere never loses a message and never
doubles one on a channel that can drop repeats: the message owed (its kind and an idempotency
key derived from the spike id, the event's sequence number and kind) is recorded durably as
``pending`` before it is sent, and marked delivered after. A pending message found later (a
failed send, or a crash between send and mark) is sent again with the same key: the webhook's
``Idempotency-Key`` header and the e-mail's ``Message-ID`` let receivers drop the repeat.
Slack has no such key: it gets at-least-once, the window being the moment between the
receiver's answer and the journal's fsync.

Secrets (webhook URLs, SMTP passwords) are never logged nor stored: channels describe
themselves by name and host only.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import smtplib
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import unquote, urlsplit, urlunsplit

from realreach_core.contract import ALERTED_VERDICT
from realreach_core.files import atomic_write_text
from realreach_core.home import Home
from realreach_core.jsonable import dumps, to_jsonable
from realreach_core.locking import exclusive
from realreach_core.settings import Settings, load_settings

log = logging.getLogger(__name__)

DELIVERED = "delivered"  # the channel knows the alert's current state
UNDELIVERED = "undelivered"  # a message is owed (pending) and the last attempt failed
SENDING = "sending"  # recorded just before a send; seen later, the send's fate is unknown
NOT_NEEDED = "not_needed"  # withdrawn before this channel was ever told: nothing to say

ALERT = "alert"
WITHDRAWN = "withdrawn"
NOW_SUSPICIOUS = "now_suspicious"
DEFAULT_TIMEOUT_S = 10.0
NOT_DETECTED = "no longer detected"


class DeliveryError(Exception):
    """A channel could not deliver; the message never contains the channel's secrets.

    ``refused``: the receiver answered with an error or could not be reached at all, so it
    certainly did not take the message; otherwise (a timeout, a dropped connection) it may have.
    """

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


# The receiver never got the message: nothing listened, or the name did not resolve.
_UNREACHED = (ConnectionRefusedError, socket.gaierror)


# --------------------------------------------------------------------------------- channels


@runtime_checkable
class Channel(Protocol):
    """Where alerts go. ``name`` keys the delivery status in alerts.jsonl (e.g. "webhook");
    ``target`` is safe to log (host only); ``send`` raises DeliveryError on failure."""

    name: str

    @property
    def target(self) -> str: ...

    def send(self, alert: Mapping[str, Any]) -> None: ...


def _host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or '?'}" + (f":{parts.port}" if parts.port else "")


def split_credentials(url: str) -> tuple[str, str | None]:
    """(the URL without ``user:pass@``, an HTTP basic ``Authorization`` value or None).
    Left in the URL, urllib would take the credentials for part of the host name."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    host = parts.netloc.rsplit("@", 1)[1]
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return urlunsplit(parts._replace(netloc=host)), f"Basic {token}"


def _post_json(
    url: str, payload: Mapping[str, Any], timeout: float, headers: Mapping[str, str] = {}
) -> None:
    url, authorization = split_credentials(url)
    sent = {"Content-Type": "application/json", "User-Agent": "realreach-alerts", **headers}
    if authorization:
        sent["Authorization"] = authorization
    request = urllib.request.Request(url, data=dumps(payload).encode(), headers=sent, method="POST")
    # Exceptions are re-raised without their text: urllib errors can carry the full URL.
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} from {_host_of(url)}", refused=True) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        kind = type(reason).__name__
        refused = isinstance(reason, _UNREACHED)
        raise DeliveryError(f"{kind} while posting to {_host_of(url)}", refused=refused) from None


@dataclass(frozen=True)
class WebhookChannel:
    """POSTs the alert's fields as one JSON object."""

    url: str = field(repr=False)
    name: str = "webhook"
    timeout: float = DEFAULT_TIMEOUT_S

    @property
    def target(self) -> str:
        return _host_of(self.url)

    def payload(self, alert: Mapping[str, Any]) -> dict[str, Any]:
        return dict(alert)

    def headers(self, alert: Mapping[str, Any]) -> dict[str, str]:
        """The idempotency key a receiver drops repeats by, and what the message is about."""
        headers = {"X-Realreach-Alert-Id": str(alert.get("alert_id"))}
        if alert.get("idempotency_key"):
            headers["Idempotency-Key"] = str(alert["idempotency_key"])
            headers["X-Realreach-Event"] = str(alert.get("event"))
        return headers

    def send(self, alert: Mapping[str, Any]) -> None:
        _post_json(self.url, self.payload(alert), self.timeout, self.headers(alert))


@dataclass(frozen=True)
class SlackChannel(WebhookChannel):
    """Posts a readable message to a Slack incoming webhook."""

    name: str = "slack"

    def payload(self, alert: Mapping[str, Any]) -> dict[str, Any]:
        return {"text": format_alert_text(alert, markdown=True)}


@dataclass(frozen=True)
class SmtpChannel:
    """Mails the alert (stdlib smtplib). ``smtps://`` for implicit TLS; ``smtp://`` uses
    STARTTLS when the server offers it."""

    host: str
    port: int
    recipients: tuple[str, ...]
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    implicit_tls: bool = False
    name: str = "email"
    timeout: float = DEFAULT_TIMEOUT_S

    @classmethod
    def from_url(
        cls, url: str, recipients: str | list[str] | tuple[str, ...], sender: str | None = None
    ) -> SmtpChannel:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP URL must look like smtp://[user:password@]host:port")
        to = recipients_of(recipients)
        if not to:
            raise ValueError("an SMTP channel needs REALREACH_ALERT_EMAIL_TO (comma-separated)")
        implicit = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 25),
            recipients=to,
            sender=sender or f"realreach@{socket.getfqdn() or 'localhost'}",
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit,
        )

    @property
    def target(self) -> str:
        return f"{self.host}:{self.port}"

    def send(self, alert: Mapping[str, Any]) -> None:
        message = EmailMessage()
        message["Subject"] = email_subject(alert)
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        for name, value in email_headers(alert).items():
            message[name] = value
        message.set_content(email_body(alert))
        try:
            if self.implicit_tls:
                server: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout,
                    context=ssl.create_default_context(),
                )  # fmt: skip
            else:
                server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with server:
                server.ehlo()
                if not self.implicit_tls and server.has_extn("starttls"):
                    server.starttls(context=ssl.create_default_context())
                    server.ehlo()
                if self.username:
                    server.login(self.username, self.password or "")
                server.send_message(message)
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code} from {self.target}", refused=True) from None
        except (smtplib.SMTPException, OSError) as exc:
            refused = isinstance(exc, _UNREACHED)
            raise DeliveryError(
                f"{type(exc).__name__} talking to {self.target}", refused=refused
            ) from None


def email_subject(alert: Mapping[str, Any]) -> str:
    what = {WITHDRAWN: "withdrawn: no longer suspicious", NOW_SUSPICIOUS: "now suspicious again"}
    prefix = f"{what[alert['event']]}: " if alert.get("event") in what else "suspicious "
    return (
        f"realreach: {prefix}follower spike on {alert.get('platform')} account "
        f"{alert.get('account_id')} from {alert.get('spike_start')}"
    )


MESSAGE_ID_DOMAIN = "alerts.realreach.invalid"


def email_headers(alert: Mapping[str, Any]) -> dict[str, str]:
    """A Message-ID derived from the spike id, the event and its verdict: a repeat of the same
    message has the same id (receivers and archives drop it); a follow-up refers to the first."""
    headers = {"X-Realreach-Alert-Id": str(alert.get("alert_id"))}
    key = alert.get("idempotency_key")
    if key:
        headers["Message-ID"] = f"<{key}@{MESSAGE_ID_DOMAIN}>"
        if alert.get("event") != ALERT:
            first = message_key(str(alert["alert_id"]), 1, ALERT, ALERTED_VERDICT)
            headers["In-Reply-To"] = headers["References"] = f"<{first}@{MESSAGE_ID_DOMAIN}>"
    return headers


def _token(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in str(text))


def email_body(alert: Mapping[str, Any]) -> str:
    return (
        format_alert_text(alert, markdown=False)
        + "\n\n"
        + json.dumps(dict(alert), indent=2, default=str)
    )


# ------------------------------------------------- channels behind Airflow's provider hooks
# Used by the Airflow tasks when the connections realreach_slack / realreach_smtp exist: the
# providers then own the transport (Slack's SDK client, the SMTP hook's TLS and auth options)
# while alerts.jsonl stays the one delivery bookkeeping. Airflow is imported only on send, so
# the command line never needs it. Provider errors are reduced to their type: their messages
# may quote a response body or a host, and a Slack URL is the secret itself.


@dataclass(frozen=True)
class SlackHookChannel:
    """A readable message through the Slack provider's ``SlackWebhookHook``."""

    conn_id: str
    name: str = "slack"
    timeout: float = DEFAULT_TIMEOUT_S

    @property
    def target(self) -> str:
        return f"Airflow connection {self.conn_id}"

    def send(self, alert: Mapping[str, Any]) -> None:
        from airflow.providers.slack.hooks.slack_webhook import SlackWebhookHook

        try:
            hook = SlackWebhookHook(slack_webhook_conn_id=self.conn_id, timeout=int(self.timeout))
            hook.send(text=format_alert_text(alert, markdown=True))
        except Exception as exc:
            raise DeliveryError(f"{type(exc).__name__} via {self.target}") from None


@dataclass(frozen=True)
class SmtpHookChannel:
    """An e-mail through the SMTP provider's ``SmtpHook`` (host, port, login, TLS options and
    ``from_email`` come from the connection; recipients from its extra ``to`` or
    ``REALREACH_ALERT_EMAIL_TO``)."""

    conn_id: str
    recipients: tuple[str, ...]
    sender: str | None = None
    name: str = "email"

    @property
    def target(self) -> str:
        return f"Airflow connection {self.conn_id}"

    def send(self, alert: Mapping[str, Any]) -> None:
        from html import escape

        from airflow.providers.smtp.hooks.smtp import SmtpHook

        try:
            with SmtpHook(smtp_conn_id=self.conn_id) as hook:
                hook.send_email_smtp(
                    to=list(self.recipients),
                    subject=email_subject(alert),
                    html_content=f"<pre>{escape(email_body(alert))}</pre>",
                    from_email=self.sender or hook.from_email or "realreach@localhost",
                    custom_headers=email_headers(alert),
                )
        except Exception as exc:
            raise DeliveryError(f"{type(exc).__name__} via {self.target}") from None


def recipients_of(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        return tuple(r.strip() for r in value.split(",") if r.strip())
    return tuple(str(r).strip() for r in value if str(r).strip())


def format_alert_text(alert: Mapping[str, Any], *, markdown: bool) -> str:
    """A short human message: what, when, how big, and the evidence line by line."""
    bold = "*" if markdown else ""
    gained = alert.get("followers_gained")
    expected = alert.get("expected_gained")
    score = alert.get("suspicion_score")
    period = str(alert.get("spike_start"))
    if alert.get("spike_end") and alert.get("spike_end") != alert.get("spike_start"):
        period += f" to {alert.get('spike_end')}"
    title = {
        WITHDRAWN: f"Withdrawn, no longer suspicious (now {alert.get('verdict')}): follower spike",
        NOW_SUSPICIOUS: "Suspicious again: follower spike",
    }.get(str(alert.get("event")), "Suspicious follower spike")
    lines = [
        f"{bold}{title}{bold} on {alert.get('platform')} account "
        f"{alert.get('account_id')}, {period}",
        f"Followers gained: {_number(gained)} (expected about {_number(expected)}); "
        f"suspicion score {_number(score, digits=2)}",
        "Reasons:",
    ]
    reasons = alert.get("reasons")
    if isinstance(reasons, str):
        reasons = [r.strip() for r in reasons.replace("\n", ";").split(";") if r.strip()]
    lines += [f"• {reason}" for reason in (reasons or ["(none given)"])]
    lines.append(f"Alert id: {alert.get('alert_id')}")
    return "\n".join(lines)


def _number(value: Any, digits: int = 0) -> str:
    if isinstance(value, int | float):
        return f"{value:,.{digits}f}"
    return "?" if value is None else str(value)


@dataclass(frozen=True)
class RetryPolicy:
    """Short and bounded: a stuck channel must not hold up the pipeline."""

    attempts: int = 3
    base_delay: float = 0.2  # seconds; doubles after each failed attempt

    def delays(self) -> Iterator[float]:
        for attempt in range(self.attempts - 1):
            yield self.base_delay * (2**attempt)


def retry_policy_from_env(env: Mapping[str, str] | None = None) -> RetryPolicy:
    return retry_policy_from_settings(load_settings(env))


def retry_policy_from_settings(settings: Settings) -> RetryPolicy:
    return RetryPolicy(attempts=settings.alert_attempts, base_delay=settings.alert_backoff_seconds)


def channels_from_env(env: Mapping[str, str] | None = None) -> list[Channel]:
    """Channels configured by REALREACH_* variables (CONTRACT.md "Alert channels"); a
    misconfigured one is left out (``Settings.channel_problems`` says why)."""
    return channels_from_settings(load_settings(env))


def channels_from_settings(settings: Settings) -> list[Channel]:
    timeout = settings.alert_timeout_seconds
    channels: list[Channel] = []
    if settings.alert_webhook:
        channels.append(WebhookChannel(settings.alert_webhook, timeout=timeout))
    if settings.slack_webhook:
        channels.append(SlackChannel(settings.slack_webhook, timeout=timeout))
    if settings.smtp_url and settings.alert_email_to:
        smtp = SmtpChannel.from_url(
            settings.smtp_url, settings.alert_email_to, settings.alert_email_from
        )
        channels.append(replace(smtp, timeout=timeout))
    return channels


def merge_channels(preferred: list[Channel], fallback: list[Channel]) -> list[Channel]:
    """Channels of ``preferred`` (e.g. from Airflow connections) win over same-named ones."""
    names = {c.name for c in preferred}
    return [*preferred, *(c for c in fallback if c.name not in names)]


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


def alert_id(platform: str, account_id: str, spike_start: str) -> str:
    key = "\x1f".join((str(platform), str(account_id), str(spike_start)))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def current_spikes(home: Home) -> dict[str, dict] | None:
    """Every row of the exported ``follower_spikes`` mart by alert id; None when there is no
    export to judge by (then no alert is withdrawn for lack of its row)."""
    path = home.marts_export / "follower_spikes.parquet"
    if not path.exists():
        return None
    import pyarrow.parquet as pq

    rows = pq.read_table(path).to_pylist()
    judged = {}
    for row in rows:
        row = {k: to_jsonable(v) for k, v in row.items()}
        judged[alert_id(row["platform"], row["account_id"], row["spike_start"])] = row
    return judged


def raise_alerts(
    home: Home,
    spikes: list[dict],
    *,
    channels: list[Channel] | None = None,
    retry: RetryPolicy | None = None,
    judged: Mapping[str, Mapping[str, Any]] | None = None,
    skipped: Mapping[str, str] | None = None,
) -> AlertReport:
    """Record each suspicious spike once, withdraw alerts whose spike is no longer suspicious
    (``judged``: the follower_spikes rows by alert id, read from the home's export by
    default), then send every channel the one message it is owed per alert."""
    if channels is None:
        settings = load_settings()
        channels = channels_from_settings(settings)
        skipped = settings.channel_problems if skipped is None else skipped
        retry = retry or retry_policy_from_settings(settings)
    retry = retry or retry_policy_from_env()
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
        alerts = [_upgraded(a) for a in _read(path)]
        index = {a["alert_id"]: a for a in alerts}
        suspicious: set[str] = set()
        for spike in spikes:
            if spike.get("verdict", ALERTED_VERDICT) != ALERTED_VERDICT:
                continue
            fields = {
                k: to_jsonable(v) for k, v in spike.items() if k not in _BOOKKEEPING
            }  # fmt: skip
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
        _write(path, alerts)

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


def message_key(aid: str, seq: int, kind: str, verdict: str) -> str:
    """The idempotency key of one message (spike id, event number, kind, verdict), fixed when
    the message becomes owed: a repeat of it carries the same key."""
    return f"{aid}-{seq}-{kind}-{_token(verdict)}"


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
    if not path.exists():
        return []
    alerts = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            alerts.append(json.loads(line))
        except ValueError as exc:
            raise ValueError(f"{path}:{number}: not a JSON alert ({exc})") from None
    return alerts


def _write(path: Path, alerts: list[dict]) -> None:
    text = "".join(dumps(alert) + "\n" for alert in alerts)
    atomic_write_text(path, text, durable=True)
