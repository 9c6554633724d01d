"""Alerts: one line per suspicious spike in ``alerts/alerts.jsonl``, delivered to every channel.

A spike is identified by (platform, account_id, spike_start); its line is written once, updated
in place when the same spike grows, and carries a delivery status per channel. Delivery is
retried with backoff; a channel that still fails leaves the alert ``undelivered`` for that
channel and the next ``raise_alerts`` tries again. Nothing is ever dropped from the file.

Secrets (webhook URLs, SMTP passwords) are never logged nor stored: channels describe
themselves by name and host only.
"""

from __future__ import annotations

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
from urllib.parse import unquote, urlsplit

from realreach_core.files import atomic_write_text
from realreach_core.home import Home
from realreach_core.jsonable import dumps, to_jsonable
from realreach_core.locking import exclusive
from realreach_core.settings import Settings, load_settings

log = logging.getLogger(__name__)

DELIVERED = "delivered"
UNDELIVERED = "undelivered"
DEFAULT_TIMEOUT_S = 10.0


class DeliveryError(Exception):
    """A channel could not deliver; the message never contains the channel's secrets."""


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


def _post_json(url: str, payload: Mapping[str, Any], timeout: float) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "realreach-alerts"},
        method="POST",
    )
    # Exceptions are re-raised without their text: urllib errors can carry the full URL.
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} from {_host_of(url)}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        kind = type(reason).__name__
        raise DeliveryError(f"{kind} while posting to {_host_of(url)}") from None


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

    def send(self, alert: Mapping[str, Any]) -> None:
        _post_json(self.url, self.payload(alert), self.timeout)


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
            raise DeliveryError(f"SMTP {exc.smtp_code} from {self.target}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{type(exc).__name__} talking to {self.target}") from None


def email_subject(alert: Mapping[str, Any]) -> str:
    return (
        f"realreach: suspicious follower spike on {alert.get('platform')} account "
        f"{alert.get('account_id')} from {alert.get('spike_start')}"
    )


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
    lines = [
        f"{bold}Suspicious follower spike{bold} on {alert.get('platform')} account "
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


def _checked_http_url(url: str, variable: str) -> str:
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise ValueError(f"{variable} must be an http(s) URL")
    return url


# ----------------------------------------------------------------------------- the journal


@dataclass
class AlertReport:
    new: int
    already_known: int
    delivered: dict[str, int]  # alerts delivered by this call, per channel
    undelivered: dict[str, int]  # alerts still waiting for each channel after this call


def alert_id(platform: str, account_id: str, spike_start: str) -> str:
    key = "\x1f".join((str(platform), str(account_id), str(spike_start)))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def raise_alerts(
    home: Home,
    spikes: list[dict],
    *,
    channels: list[Channel] | None = None,
    retry: RetryPolicy | None = None,
) -> AlertReport:
    """Record each suspicious spike once, then deliver every alert still owed to a channel."""
    channels = channels_from_env() if channels is None else channels
    retry = retry or retry_policy_from_env()
    names = [c.name for c in channels]
    if len(set(names)) != len(names):
        raise ValueError(f"two alert channels share a name: {names}")
    now = _utc_now()
    path = home.alerts_file
    with _locked(path):
        alerts = _read(path)
        index = {a["alert_id"]: a for a in alerts}
        new = known = 0
        for spike in spikes:
            if spike.get("verdict", "suspicious") != "suspicious":
                continue
            fields = {
                k: to_jsonable(v) for k, v in spike.items() if k not in ("alert_id", "delivery")
            }
            aid = alert_id(fields["platform"], fields["account_id"], fields["spike_start"])
            if aid in index:
                known += 1
                _update(index[aid], fields, now)
                continue
            new += 1
            alert = {**fields, "alert_id": aid, "first_seen_at": now}
            # Channels configured now owe this alert; recorded before any send, so a crash
            # mid-delivery leaves it owed rather than lost.
            alert["delivery"] = {name: {"status": UNDELIVERED, "attempts": 0} for name in names}
            alerts.append(alert)
            index[aid] = alert
            log.info("new alert %s: %s account %s from %s", aid, fields["platform"],
                     fields["account_id"], fields["spike_start"])  # fmt: skip
        _write(path, alerts)

        delivered = dict.fromkeys(names, 0)
        undelivered = dict.fromkeys(names, 0)
        for channel in channels:
            for alert in alerts:
                status = alert.get("delivery", {}).get(channel.name)
                if status is None or status.get("status") == DELIVERED:
                    continue
                if _deliver(channel, alert, status, retry):
                    delivered[channel.name] += 1
                else:
                    undelivered[channel.name] += 1
                _write(path, alerts)  # progress is durable after every alert
    return AlertReport(new=new, already_known=known, delivered=delivered, undelivered=undelivered)


def read_alerts(home: Home) -> list[dict]:
    with _locked(home.alerts_file):
        return _read(home.alerts_file)


def _payload(alert: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in alert.items() if k != "delivery"}


def _deliver(channel: Channel, alert: dict, status: dict, retry: RetryPolicy) -> bool:
    delays = retry.delays()
    while True:
        status["attempts"] = int(status.get("attempts", 0)) + 1
        try:
            channel.send(_payload(alert))
        except DeliveryError as exc:
            error = str(exc)
        except Exception as exc:  # a channel bug must not lose the alert either
            error = type(exc).__name__
        else:
            status.update(status=DELIVERED, delivered_at=_utc_now())
            status.pop("last_error", None)
            log.info(
                "alert %s delivered via %s (%s)", alert["alert_id"], channel.name, channel.target
            )
            return True
        status.update(status=UNDELIVERED, last_error=error, last_attempt_at=_utc_now())
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
    return exclusive(path.with_name(f".{path.name}.lock"))


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
