"""The whole of Airflow, for real: an export lands, an alert arrives, nobody pressed a button.

``airflow standalone`` (scheduler, triggerer, dag-processor, api-server; SQLite metadata) runs
through ``scripts/airflow-standalone.sh``, the very configuration of ``make airflow``, on a
temporary AIRFLOW_HOME and REALREACH_HOME. Generated X exports with bought-follower bursts are
moved into ``landing/`` the way a sync tool does (complete files, renamed into place); the
landing watch in the triggerer must notice them, and the asset chain must carry them to a
local webhook receiver and a local SMTP server (aiosmtpd). Everything Airflow started is
stopped afterwards, by process group.

Airflow is not imported in this process (tests/test_dags.py configures its own); the metadata
DB is read with sqlite3.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from realreach.airflow_local import LocalAirflow, WebhookReceiver, free_port
from realreach_core.home import Home
from realreach_sim import generate

pytestmark = pytest.mark.slow

ALERT_TIMEOUT_S = 420  # generous for a busy 2-core CI machine; it takes about a minute idle
RECIPIENT = "analyst@example.com"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def wait_for(self, count: int, timeout: float) -> list[tuple[list[str], EmailMessage]]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.5)
        return list(self.messages)


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    try:
        yield receiver
    finally:
        receiver.close()


@pytest.fixture
def airflow(
    tmp_path: Path, webhook: WebhookReceiver, inbox: tuple[Inbox, int]
) -> Iterator[LocalAirflow]:
    _, smtp_port = inbox
    home = Home(tmp_path / "home").ensure()
    env = {
        # The webhook from the environment (our own channel), the e-mail through the SMTP
        # provider's hook because the connection realreach_smtp exists. The environment's SMTP
        # URL points at a closed port: were it used instead of the connection, nothing arrives.
        "REALREACH_ALERT_WEBHOOK": webhook.url,
        "REALREACH_SMTP_URL": "smtp://127.0.0.1:9",
        "REALREACH_ALERT_EMAIL_TO": "nobody@example.com",
        "AIRFLOW_CONN_REALREACH_SMTP": json.dumps(
            {
                "conn_type": "smtp",
                "host": "127.0.0.1",
                "port": smtp_port,
                "extra": {
                    "disable_ssl": True,
                    "disable_tls": True,
                    "from_email": "realreach@example.com",
                    "to": RECIPIENT,
                    "retry_limit": 1,
                },
            }
        ),
    }
    local = LocalAirflow(realreach_home=home.root, airflow_home=tmp_path / "airflow", env=env)
    local.start()
    try:
        local.wait_healthy()
        yield local
    finally:
        pgid = local.process.pid if local.process else None
        local.stop()
        if pgid is not None:  # nothing of Airflow outlives the test
            with pytest.raises(ProcessLookupError):
                os.killpg(pgid, 0)


def drop_into_landing(staging: Path, landing: Path) -> int:
    """Move complete files into landing by rename, as rsync/rclone do: never half a file."""
    moved = 0
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        target = landing / path.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        moved += 1
    return moved


def dag_runs(airflow_home: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(airflow_home / "airflow.db") as con:
        return con.execute("select dag_id, run_type, state from dag_run order by id").fetchall()


def test_exports_dropped_into_landing_alert_the_webhook_and_smtp_without_a_manual_trigger(
    tmp_path: Path,
    airflow: LocalAirflow,
    webhook: WebhookReceiver,
    inbox: tuple[Inbox, int],
) -> None:
    mail, _ = inbox
    staging = tmp_path / "staging"
    labels = generate(
        staging, accounts=4, days=60, seed=3, labels_path=tmp_path / "labels.json"
    ).labels_path
    bursts = [
        e for e in json.loads(Path(labels).read_text())["events"] if e["type"] == "bought_followers"
    ]
    assert bursts, "the generated sample has no bought-follower burst to find"
    assert dag_runs(airflow.airflow_home) == []  # nothing ran before the files arrived

    dropped_at = time.time()
    assert drop_into_landing(staging, airflow.realreach_home / "landing") > 0

    received = webhook.wait_for(1, timeout=ALERT_TIMEOUT_S)
    assert received, (
        f"no alert reached the webhook\n{dag_runs(airflow.airflow_home)}\n{airflow.tail()}"
    )
    first = received[0]
    print(f"landing -> webhook: {first.at - dropped_at:.1f}s")
    assert first.path == "/realreach-alerts"
    alert = first.body
    assert alert["verdict"] == "suspicious" and alert["reasons"]
    assert any(
        str(alert["account_id"]) == str(b["account_id"])
        and str(alert["spike_start"])[:10] <= b["end"]
        and str(alert["spike_end"])[:10] >= b["start"]
        for b in bursts
    ), (alert, bursts)

    # Every alert of the run goes to both channels: the e-mails carry the same alert ids.
    alerts_file = airflow.realreach_home / "alerts" / "alerts.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        lines = [json.loads(x) for x in alerts_file.read_text().splitlines() if x.strip()]
        statuses = {d.get("status") for a in lines for d in a["delivery"].values()}
        if statuses == {"delivered"}:
            break
        time.sleep(1)
    assert lines and {a["alert_id"] for a in lines} >= {alert["alert_id"]}
    for line in lines:
        assert line["delivery"]["webhook"]["status"] == "delivered", line["delivery"]
        assert line["delivery"]["email"]["status"] == "delivered", line["delivery"]
    mails = mail.wait_for(len(lines), timeout=30)
    assert len(mails) == len(lines)
    assert all(rcpt == [RECIPIENT] for rcpt, _ in mails)
    bodies = "\n".join(m.get_body(("html", "plain")).get_content() for _, m in mails)
    assert all(a["alert_id"] in bodies for a in lines)
    assert len(webhook.wait_for(len(lines), timeout=30)) == len(lines)

    # The alert left from inside the ingest's build; the rest of the build, the quality suites and the
    # alerts DAG finish after it. Every DAG of the chain runs, and none fails.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        runs = dag_runs(airflow.airflow_home)
        dags = {dag for dag, _, _ in runs}
        if {"realreach_checks", "realreach_alerts"} <= dags and all(
            state in ("success", "failed") for _, _, state in runs
        ):
            break
        time.sleep(1)
    assert all(state == "success" for _, _, state in runs), runs
    # Started by data: every run came from an asset event, the first one from the watch.
    runs = dag_runs(airflow.airflow_home)
    assert {run_type for _, run_type, _ in runs} == {"asset_triggered"}, runs
    assert [dag for dag, _, _ in runs][:1] == ["realreach_ingest"]
    # The alerts DAG answers the spike suites' event (from the build, which audited the spike
    # mart before the rest), not the slower quality suites'.
    with sqlite3.connect(airflow.airflow_home / "airflow.db") as con:
        sources = con.execute(
            "select distinct e.source_task_id from dag_run r "
            "join dagrun_asset_event d on d.dag_run_id = r.id "
            "join asset_event e on e.id = d.event_id where r.dag_id = 'realreach_alerts'"
        ).fetchall()
    assert sources == [("ingest_and_build",)], sources
    # Ingest and build are one task: no build DAG between the ingest and the alert.
    assert {dag for dag, _, _ in runs} == {
        "realreach_ingest",
        "realreach_checks",
        "realreach_alerts",
    }, runs
