"""Alerting against real local receivers: HTTP on 127.0.0.1 and an aiosmtpd SMTP server."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import signal
import socket
import subprocess
import sys
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
        self.headers: list[dict[str, str]] = []  # beside each request, in the same order
        self.got = threading.Event()  # set when a request has been recorded
        self.answer = threading.Event()  # cleared: hold the answer (the sender waits)
        self.answer.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, json.loads(body)))
                receiver.headers.append(dict(self.headers.items()))
                receiver.got.set()
                receiver.answer.wait(60)
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

    def unique(self, path: str | None = None) -> set[str]:
        """What a receiver that honours Idempotency-Key keeps: one message per key."""
        return {
            h["Idempotency-Key"]
            for (p, _), h in zip(self.requests, self.headers, strict=True)
            if path is None or p == path
        }

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
        self.got = threading.Event()
        self.answer = threading.Event()  # cleared: hold the "250 OK" (the sender waits)
        self.answer.set()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        self.got.set()
        for _ in range(600):
            if self.answer.is_set():
                break
            await asyncio.sleep(0.1)
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
    assert set(by_path["/slack"]) == {"text", "blocks"}
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
    # a plain part and an HTML part, both saying why
    assert "no viral post" in message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "<li>no viral post</li>" in html or "no viral post" in html


def test_once_per_spike_and_growth_updates_the_line(home, receiver):
    channels = [WebhookChannel(receiver.url())]
    first = raise_alerts(home, [SPIKE, OTHER], channels=channels, retry=FAST)
    journal = home.alerts_file.stat()
    again = raise_alerts(home, [SPIKE, OTHER], channels=channels, retry=FAST)
    # nothing new or changed: the journal is not rewritten (nor fsynced)
    unchanged = home.alerts_file.stat()
    assert (unchanged.st_ino, unchanged.st_mtime_ns) == (journal.st_ino, journal.st_mtime_ns)
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


# ------------------------------------------------- once per channel, even across a crash

ROOT = Path(__file__).resolve().parents[1]
ALERT_IN_A_CHILD = """
import json, sys
from realreach.alerts import RetryPolicy, SlackChannel, SmtpChannel, WebhookChannel, raise_alerts
from realreach_core.home import Home
home, kind, target, spike = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
channel = {
    "webhook": lambda: WebhookChannel(target),
    "slack": lambda: SlackChannel(target),
    "email": lambda: SmtpChannel.from_url(target, "analyst@example.org", "rr@example.org"),
}[kind]()
raise_alerts(Home.resolve(home), [spike], channels=[channel], retry=RetryPolicy(1, 0.01))
"""


def _killed_while_delivering(home: Home, kind: str, target: str, waiter) -> None:
    """Runs raise_alerts in a child, and kill -9s it once the receiver has the message but
    before the child hears back: the crash between send and mark."""
    waiter.answer.clear()
    waiter.got.clear()
    child = subprocess.Popen(
        [sys.executable, "-c", ALERT_IN_A_CHILD, str(home.root), kind, target, json.dumps(SPIKE)],
        cwd=ROOT,
    )  # fmt: skip
    try:
        assert waiter.got.wait(60), "the receiver never got the alert"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        child.kill()
        waiter.answer.set()
    [line] = lines(home)
    status = line["delivery"][kind]
    assert status["status"] == "sending" and status["pending"]["kind"] == "alert"


def test_kill_between_send_and_mark_does_not_double_a_webhook_alert(home, receiver):
    _killed_while_delivering(home, "webhook", receiver.url(), receiver)
    channels = [WebhookChannel(receiver.url())]
    again = raise_alerts(home, [SPIKE], channels=channels, retry=FAST)
    assert again.repeated == {"webhook": 1} and again.delivered == {"webhook": 1}
    assert len(receiver.requests) == 2  # the repeat went out ...
    assert receiver.requests[0] == receiver.requests[1]
    aid = alert_id("x", "1001", "2026-03-06")
    assert receiver.unique() == {f"{aid}-1-alert-suspicious"}  # ... with the same key
    assert raise_alerts(home, [SPIKE], channels=channels, retry=FAST).delivered == {"webhook": 0}
    assert len(receiver.requests) == 2
    assert lines(home)[0]["delivery"]["webhook"]["status"] == "delivered"


def test_kill_between_send_and_mark_does_not_double_an_email(home, smtp_server):
    controller, handler, _ = smtp_server
    url = f"smtp://127.0.0.1:{controller.port}"
    _killed_while_delivering(home, "email", url, handler)
    channel = SmtpChannel.from_url(url, "analyst@example.org", "rr@example.org")
    again = raise_alerts(home, [SPIKE], channels=[channel], retry=FAST)
    assert again.repeated == {"email": 1} and again.delivered == {"email": 1}
    ids = [message["Message-ID"] for _, message in handler.messages]
    aid = alert_id("x", "1001", "2026-03-06")
    assert ids == [f"<{aid}-1-alert-suspicious@alerts.realreach.invalid>"] * 2
    assert len(set(ids)) == 1  # a receiver (or archive) that drops repeats keeps one


def test_slack_is_at_least_once_across_a_crash(home, receiver):
    """Slack has no idempotency key: the interrupted message is sent again (not lost)."""
    _killed_while_delivering(home, "slack", receiver.url("/slack"), receiver)
    again = raise_alerts(home, [SPIKE], channels=[SlackChannel(receiver.url("/slack"))])
    assert again.repeated == {"slack": 1} and len(receiver.requests) == 2


class _CrashAfterSend:
    """A real webhook delivery followed by a crash before raise_alerts can mark it."""

    def __init__(self, channel: WebhookChannel) -> None:
        self.inner, self.name, self.target = channel, channel.name, channel.target

    def send(self, alert) -> None:
        self.inner.send(alert)
        raise KeyboardInterrupt  # not an Exception: nothing in raise_alerts catches it


def test_a_delivery_that_raises_after_the_receiver_got_it_is_repeated_with_its_key(home, receiver):
    webhook = WebhookChannel(receiver.url())
    with pytest.raises(KeyboardInterrupt):
        raise_alerts(home, [SPIKE, OTHER], channels=[_CrashAfterSend(webhook)], retry=FAST)
    report = raise_alerts(home, [SPIKE, OTHER], channels=[webhook], retry=FAST)
    assert report.repeated == {"webhook": 1} and report.delivered == {"webhook": 2}
    assert len(receiver.requests) == 3 and len(receiver.unique()) == 2


def test_webhook_credentials_go_as_basic_auth_and_a_key_per_message(home, receiver):
    url = f"http://hook%40user:p%3Ass@127.0.0.1:{receiver.port}/in"
    report = raise_alerts(home, [SPIKE], channels=[WebhookChannel(url)], retry=FAST)
    assert report.delivered == {"webhook": 1}
    [(path, body)] = receiver.requests
    [headers] = receiver.headers
    assert path == "/in"
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"hook@user:p:ss").decode()
    aid = alert_id("x", "1001", "2026-03-06")
    assert headers["Idempotency-Key"] == body["idempotency_key"] == f"{aid}-1-alert-suspicious"
    assert headers["X-Realreach-Alert-Id"] == aid and body["event"] == "alert"
    assert "p:ss" not in home.alerts_file.read_text()


def test_misconfigured_email_is_skipped_and_blocks_nothing(home, receiver, monkeypatch):
    monkeypatch.setenv("REALREACH_ALERT_WEBHOOK", receiver.url())
    monkeypatch.setenv("REALREACH_SMTP_URL", f"smtp://u:{SMTP_PASSWORD}@127.0.0.1:9")
    monkeypatch.delenv("REALREACH_ALERT_EMAIL_TO", raising=False)
    report = raise_alerts(home, [SPIKE])
    assert report.delivered == {"webhook": 1}
    assert "REALREACH_ALERT_EMAIL_TO" in report.skipped["email"]
    assert SMTP_PASSWORD not in report.skipped["email"]
    assert [a["alert_id"] for a in lines(home)] == [alert_id("x", "1001", "2026-03-06")]


# ------------------------------------------------------------- verdict changes (issue 9)


def _export_spikes(home: Home, rows: list[dict]) -> None:
    """The follower_spikes mart as `realreach run` exports it (marts/*.parquet)."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    typed = [
        r | {k: dt.date.fromisoformat(r[k]) for k in ("spike_start", "spike_end")} for r in rows
    ]
    home.marts_export.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(typed), home.marts_export / "follower_spikes.parquet")


def test_verdict_changes_send_one_follow_up_per_channel(home, receiver, smtp_server):
    controller, handler, _ = smtp_server
    channels = [
        WebhookChannel(receiver.url("/hook")),
        SlackChannel(receiver.url("/slack")),
        SmtpChannel.from_url(f"smtp://127.0.0.1:{controller.port}", "a@example.org"),
    ]
    everyone = {"webhook": 1, "slack": 1, "email": 1}
    nobody = {"webhook": 0, "slack": 0, "email": 0}
    _export_spikes(home, [SPIKE, OTHER | {"verdict": "unexplained"}])
    first = raise_alerts(home, [SPIKE], channels=channels, retry=FAST)
    assert (first.new, first.delivered) == (1, everyone)

    # Re-judged by a new detector: explained now. One "withdrawn" per channel, once.
    explained = SPIKE | {"verdict": "explained", "reasons": "giveaway post p9 accounts for it"}
    _export_spikes(home, [explained, OTHER | {"verdict": "unexplained"}])
    for rerun in range(2):
        report = raise_alerts(home, [], channels=channels, retry=FAST)
        assert (report.withdrawn, report.delivered) == ((1, everyone), (0, nobody))[rerun]
    [line] = lines(home)
    assert (line["state"], line["verdict"]) == ("withdrawn", "explained")
    assert line["reasons"] == "giveaway post p9 accounts for it"
    assert [e["event"] for e in line["events"]] == ["alert", "withdrawn"]

    # The drip grows: suspicious again -> one "now_suspicious"; the unexplained one grows into
    # suspicious -> its first alert.
    grown = SPIKE | {"followers_gained": 9100}
    drip = OTHER | {"followers_gained": 2400}
    _export_spikes(home, [grown, drip])
    for rerun in range(2):
        report = raise_alerts(home, [grown, drip], channels=channels, retry=FAST)
        want = (1, 1, {k: 2 for k in everyone}) if rerun == 0 else (0, 0, nobody)
        assert (report.now_suspicious, report.new, report.delivered) == want

    hooks = [b for p, b in receiver.requests if p == "/hook"]
    assert [(b["account_id"], b["event"]) for b in hooks] == [
        ("1001", "alert"), ("1001", "withdrawn"), ("1001", "now_suspicious"), ("1002", "alert"),
    ]  # fmt: skip
    assert len(receiver.unique("/hook")) == 4
    slack = [b["text"] for p, b in receiver.requests if p == "/slack"]
    assert slack[1].startswith("*Withdrawn, no longer suspicious (now explained): follower")
    assert slack[2].startswith("*Suspicious again: follower spike* on x account 1001")
    subjects = [m["Subject"] for _, m in handler.messages]
    assert subjects[1].startswith("realreach: withdrawn: no longer suspicious: follower spike")
    assert subjects[2].startswith("realreach: now suspicious again: follower spike")
    first_id = handler.messages[0][1]["Message-ID"]
    assert handler.messages[1][1]["In-Reply-To"] == first_id
    assert len({m["Message-ID"] for _, m in handler.messages}) == 4


def test_spike_gone_from_the_mart_is_withdrawn_and_a_channel_never_told_hears_nothing(
    home, receiver
):
    down = Receiver(status=500)
    try:
        channels = [WebhookChannel(receiver.url()), SlackChannel(down.url("/slack"))]
        raise_alerts(home, [SPIKE], channels=channels, retry=FAST, judged={})
        assert len(down.requests) == 3  # slack failed: it was never told
        down.status = 200
        report = raise_alerts(home, [], channels=channels, retry=FAST, judged={})
        assert (report.withdrawn, report.delivered) == (1, {"webhook": 1, "slack": 0})
        [line] = lines(home)
        assert line["verdict"] == "no longer detected"
        assert line["delivery"]["slack"]["status"] == "not_needed"
        assert len(down.requests) == 3
    finally:
        down.close()


def test_without_an_export_nothing_is_withdrawn(home, receiver):
    channels = [WebhookChannel(receiver.url())]
    raise_alerts(home, [SPIKE], channels=channels, retry=FAST)
    report = raise_alerts(home, [], channels=channels, retry=FAST)  # no marts/ to judge by
    assert report.withdrawn == 0 and lines(home)[0]["state"] == "suspicious"


def test_journal_lines_from_before_verdict_tracking_are_not_resent(home, receiver):
    aid = alert_id("x", "1001", "2026-03-06")
    old = SPIKE | {"alert_id": aid, "first_seen_at": "2026-03-08T00:00:00+00:00",
                   "delivery": {"webhook": {"status": "delivered", "attempts": 1}}}  # fmt: skip
    home.alerts_file.write_text(json.dumps(old) + "\n")
    channels = [WebhookChannel(receiver.url())]
    assert raise_alerts(home, [SPIKE], channels=channels, retry=FAST).delivered == {"webhook": 0}
    report = raise_alerts(home, [], channels=channels, retry=FAST, judged={})
    assert report.delivered == {"webhook": 1}
    assert receiver.requests[0][1]["event"] == "withdrawn"


def test_audited_rows_convert_a_column_at_a_time_as_value_by_value():
    """current_spikes converts the audited rows per column (the type looked at once): every
    value must come out as ``to_jsonable`` gives it, missing values, NaN and dates included."""
    import datetime as dt
    from decimal import Decimal

    import pyarrow as pa

    from realreach.alerts.journal import _jsonable_rows
    from realreach_core.jsonable import to_jsonable

    table = pa.table(
        {
            "platform": ["x", None, "instagram"],
            "followers": pa.array([1, None, 3], pa.int64()),
            "score": [0.5, float("nan"), None],
            "flag": [True, None, False],
            "spike_start": [dt.date(2026, 1, 2), None, dt.date(2026, 3, 4)],
            "at": pa.array(
                [dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), None, None],
                pa.timestamp("us", "UTC"),
            ),
            "amount": pa.array([Decimal("1.25"), None, Decimal("2")], pa.decimal128(6, 2)),
            "tags": [["a", "b"], None, []],
            "nothing": pa.nulls(3),
        }
    )
    expected = [{k: to_jsonable(v) for k, v in row.items()} for row in table.to_pylist()]
    got = _jsonable_rows(table)
    assert json.dumps(got) == json.dumps(expected)
    assert got[1]["score"] is None and got[0]["spike_start"] == "2026-01-02"
    assert _jsonable_rows(table.slice(0, 0)) == []


def test_report_link_is_the_report_file_uri(tmp_path):
    from realreach.alerts.journal import report_link
    from realreach.report.data import spike_key

    home = Home(tmp_path / "a home with spaces é")
    spike = {"platform": "x", "account_id": "acc 1/é%", "spike_start": "2026-01-02"}
    page = f"spikes/{spike_key(spike)}.html"
    assert report_link(home, spike, None) == (home.root / "report" / page).as_uri()
    assert report_link(home, spike, "https://r.example/") == f"https://r.example/{page}"
