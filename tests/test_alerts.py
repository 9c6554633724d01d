"""Alerting against real local receivers: HTTP on 127.0.0.1 and an aiosmtpd SMTP server."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from realreach.alerts import (
    RetryPolicy,
    SlackChannel,
    SmtpChannel,
    WebhookChannel,
    alert_id,
    channels_from_env,
    raise_alerts,
    read_alerts,
)
from realreach_core.home import Home
from realreach_core.settings import load_settings

FAST = RetryPolicy(attempts=3, base_delay=0.01)
SECRET_PATH = "/hooks/T000/B000/s3cr3tT0ken"
SMTP_PASSWORD = "pa55-w0rd-xyz"

SPIKE = {
    "platform": "x",
    "account_id": "1001",
    "spike_start": "2026-03-06",
    "spike_end": "2026-03-07",
    "followers_gained": 5200,
    "expected_gained": 40.0,
    "suspicion_score": 0.91,
    "verdict": "suspicious",
    "reasons": "+5200 in 2 days vs ~40 expected; no viral post; 83% of new followers have no followers",
}
OTHER = SPIKE | {"account_id": "1002", "spike_start": "2026-03-08", "spike_end": "2026-03-09"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Receiver:
    """A real HTTP server on 127.0.0.1 that records POSTs and answers ``status``."""

    def __init__(self, port: int = 0, status: int = 200) -> None:
        self.status = status
        self.requests: list[tuple[str, dict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, json.loads(body)))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = SECRET_PATH) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path).ensure()


class MailHandler:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, MailHandler, list]]:
    handler = MailHandler()
    logins: list = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"alerts" and auth_data.password == SMTP_PASSWORD.encode()
        logins.append(ok)
        return AuthResult(success=ok)

    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(),
        authenticator=authenticator, auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    yield controller, handler, logins
    controller.stop()


def lines(home: Home) -> list[dict]:
    return [json.loads(line) for line in home.alerts_file.read_text().splitlines()]


def test_webhook_and_slack_shapes(home, receiver):
    channels = [WebhookChannel(receiver.url("/hook")), SlackChannel(receiver.url("/slack"))]
    report = raise_alerts(home, [SPIKE], channels=channels, retry=FAST)
    assert (report.new, report.already_known) == (1, 0)
    assert report.delivered == {"webhook": 1, "slack": 1}
    assert report.undelivered == {"webhook": 0, "slack": 0}
    by_path = dict(receiver.requests)
    hook = by_path["/hook"]
    assert {k: hook[k] for k in SPIKE} == SPIKE
    assert hook["alert_id"] == alert_id("x", "1001", "2026-03-06")
    assert "first_seen_at" in hook and "delivery" not in hook
    text = by_path["/slack"]["text"]
    assert set(by_path["/slack"]) == {"text"}
    assert "account 1001" in text and "5,200" in text
    assert "• no viral post" in text and "• 83% of new followers have no followers" in text


def test_email_over_real_smtp_with_login(home, smtp_server):
    controller, handler, logins = smtp_server
    env = {
        "REALREACH_SMTP_URL": f"smtp://alerts:{SMTP_PASSWORD}@127.0.0.1:{controller.port}",
        "REALREACH_ALERT_EMAIL_TO": "analyst@example.org, lead@example.org",
    }
    channels = channels_from_env(env)
    assert [c.name for c in channels] == ["email"]
    assert SMTP_PASSWORD not in repr(channels)
    report = raise_alerts(home, [SPIKE], channels=channels, retry=FAST)
    assert report.delivered == {"email": 1}
    assert logins == [True]
    [(rcpt, message)] = handler.messages
    assert rcpt == ["analyst@example.org", "lead@example.org"]
    assert "1001" in message["Subject"]
    assert "no viral post" in message.get_content()


def test_once_per_spike_and_growth_updates_the_line(home, receiver):
    channels = [WebhookChannel(receiver.url())]
    first = raise_alerts(home, [SPIKE, OTHER], channels=channels, retry=FAST)
    again = raise_alerts(home, [SPIKE, OTHER], channels=channels, retry=FAST)
    assert (first.new, first.already_known, first.delivered) == (2, 0, {"webhook": 2})
    assert (again.new, again.already_known, again.delivered) == (0, 2, {"webhook": 0})
    assert len(receiver.requests) == 2
    grown = SPIKE | {"spike_end": "2026-03-08", "followers_gained": 7400}
    third = raise_alerts(home, [grown], channels=channels, retry=FAST)
    assert (third.new, third.already_known) == (0, 1)
    saved = lines(home)
    assert len(saved) == 2
    line = next(a for a in saved if a["account_id"] == "1001")
    assert (line["spike_end"], line["followers_gained"]) == ("2026-03-08", 7400)
    assert "updated_at" in line and line["delivery"]["webhook"]["status"] == "delivered"
    assert len(receiver.requests) == 2  # growth is recorded, not re-sent
    # Explained spikes never become alerts.
    raise_alerts(home, [OTHER | {"spike_start": "2026-01-01", "verdict": "explained"}],
                 channels=channels, retry=FAST)  # fmt: skip
    assert len(lines(home)) == 2


def test_failing_receiver_leaves_alert_undelivered_until_it_recovers(home, receiver):
    receiver.status = 500
    good = Receiver()
    try:
        channels = [WebhookChannel(receiver.url()), SlackChannel(good.url("/slack"))]
        first = raise_alerts(home, [SPIKE], channels=channels, retry=FAST)
        assert first.delivered == {"webhook": 0, "slack": 1}
        assert first.undelivered == {"webhook": 1, "slack": 0}
        assert len(receiver.requests) == 3  # three attempts with backoff
        [line] = lines(home)
        assert line["delivery"]["webhook"]["status"] == "undelivered"
        assert line["delivery"]["webhook"]["last_error"].startswith("HTTP 500")
        receiver.status = 200
        # The spike is not even in this call's list: owed alerts go out regardless.
        second = raise_alerts(home, [], channels=channels, retry=FAST)
        assert second.delivered == {"webhook": 1, "slack": 0}
        assert second.undelivered == {"webhook": 0, "slack": 0}
        assert len(good.requests) == 1  # slack got it once, not again
        assert lines(home)[0]["delivery"]["webhook"]["status"] == "delivered"
    finally:
        good.close()


def test_closed_port_then_receiver_comes_up(home):
    port = free_port()  # nothing listens here yet
    channels = [WebhookChannel(f"http://127.0.0.1:{port}{SECRET_PATH}")]
    first = raise_alerts(home, [SPIKE], channels=channels, retry=FAST)
    assert first.undelivered == {"webhook": 1}
    assert read_alerts(home)[0]["delivery"]["webhook"]["attempts"] == 3
    late = Receiver(port=port)
    try:
        second = raise_alerts(home, [SPIKE], channels=channels, retry=FAST)
        assert (second.new, second.already_known, second.delivered) == (0, 1, {"webhook": 1})
        assert len(late.requests) == 1
        third = raise_alerts(home, [SPIKE], channels=channels, retry=FAST)
        assert third.delivered == {"webhook": 0} and len(late.requests) == 1
    finally:
        late.close()


def test_no_secret_in_logs_or_alert_file(home, receiver, smtp_server, caplog):
    controller, _, _ = smtp_server
    receiver.status = 500  # failures log too: they must stay clean as well
    dead = free_port()
    env = {
        "REALREACH_ALERT_WEBHOOK": receiver.url(),
        "REALREACH_SLACK_WEBHOOK": f"http://127.0.0.1:{dead}{SECRET_PATH}-slack",
        "REALREACH_SMTP_URL": f"smtp://alerts:{SMTP_PASSWORD}@127.0.0.1:{controller.port}",
        "REALREACH_ALERT_EMAIL_TO": "analyst@example.org",
    }
    caplog.set_level(logging.DEBUG)
    report = raise_alerts(home, [SPIKE], channels=channels_from_env(env), retry=FAST)
    assert report.delivered == {"webhook": 0, "slack": 0, "email": 1}
    receiver.status = 200
    raise_alerts(home, [SPIKE], channels=channels_from_env(env), retry=FAST)
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "delivered via webhook (127.0.0.1:" in logged  # names and hosts are logged...
    stored = home.alerts_file.read_text()
    for secret in ("s3cr3tT0ken", SMTP_PASSWORD, "/hooks/"):  # ... secrets never
        assert secret not in logged
        assert secret not in stored


def test_bad_channel_configuration_is_skipped_clearly_and_secret_free():
    env = {"REALREACH_SMTP_URL": f"smtp://u:{SMTP_PASSWORD}@mail:25"}
    assert channels_from_env(env) == []  # skipped, not an error that stops the run
    [problem] = load_settings(env).describe_problems()
    assert "REALREACH_ALERT_EMAIL_TO" in problem and SMTP_PASSWORD not in problem
    env = {"REALREACH_SLACK_WEBHOOK": "hooks.slack.com/services/x"}
    assert channels_from_env(env) == []
    assert "REALREACH_SLACK_WEBHOOK" in load_settings(env).channel_problems["slack"]
    assert channels_from_env({}) == []
    smtp = SmtpChannel.from_url("smtps://mail.example.org", "a@example.org")
    assert (smtp.port, smtp.implicit_tls, smtp.target) == (465, True, "mail.example.org:465")


def test_concurrent_raisers_write_one_line_per_spike(home, receiver):
    channels = [WebhookChannel(receiver.url())]
    spikes = [SPIKE | {"spike_start": f"2026-02-{d:02d}"} for d in range(1, 21)]
    errors: list[BaseException] = []

    def run() -> None:
        try:
            raise_alerts(home, spikes, channels=channels, retry=FAST)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    saved = lines(home)
    assert len(saved) == 20 and len({a["alert_id"] for a in saved}) == 20
    assert len(receiver.requests) == 20  # the lock also keeps delivery to once
