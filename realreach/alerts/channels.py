"""Where alerts go: webhook, Slack, e-mail (directly or through Airflow's provider hooks)."""

from __future__ import annotations

import base64
import logging
import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from typing import Any, Protocol, runtime_checkable
from urllib.parse import unquote, urlsplit, urlunsplit

from realreach.alerts.formatting import (
    email_body,
    email_headers,
    email_html,
    email_subject,
    format_alert_text,
    slack_blocks,
)
from realreach.alerts.states import DEFAULT_TIMEOUT_S
from realreach_core.jsonable import dumps
from realreach_core.settings import Settings, load_settings

log = logging.getLogger(__name__)


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
        # text is the notification's fallback; blocks are what Slack shows
        return {"text": format_alert_text(alert, markdown=True), "blocks": slack_blocks(alert)}


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
        message.add_alternative(email_html(alert), subtype="html")
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
            hook.send(text=format_alert_text(alert, markdown=True), blocks=slack_blocks(alert))
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

        from airflow.providers.smtp.hooks.smtp import SmtpHook

        try:
            with SmtpHook(smtp_conn_id=self.conn_id) as hook:
                hook.send_email_smtp(
                    to=list(self.recipients),
                    subject=email_subject(alert),
                    html_content=email_html(alert),
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
