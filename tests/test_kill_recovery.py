"""kill -9 of `realreach run` (a real subprocess) during ingest, during dbt build and during
alert delivery, one after the other on the same home: the next run recovers to marts identical
to a clean run's, and no webhook alert is doubled (a repeat carries the same Idempotency-Key).
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from test_alerts import Receiver

from realreach.alerts import read_alerts
from realreach_core.home import Home

REALREACH = Path(sys.executable).with_name("realreach")
pytestmark = pytest.mark.slow


class Run:
    """`realreach run` in the background; its progress lines arrive in a queue."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [str(REALREACH), "run", "--home", str(home)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
            env={**env, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.seen):
            assert time.monotonic() < deadline, f"no {text!r} in time: {self.output()[-2000:]}"
            try:
                self.seen.append(self.lines.get(timeout=0.5))
            except queue.Empty:
                ended = self.proc.poll() is not None and self.lines.empty()
                assert not ended, f"ended without {text!r}: {self.output()[-3000:]}"

    def output(self) -> str:
        return "".join(self.seen)

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(30) == -signal.SIGKILL
        while not self.lines.empty():
            self.seen.append(self.lines.get())

    def finish(self) -> str:
        code = self.proc.wait(600)
        time.sleep(0.5)  # let the reader drain the pipe
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        assert code == 0, self.output()[-3000:]
        return self.output()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _marts(home: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect()
    try:
        return {
            path.stem: con.execute(f"select * from read_parquet('{path}') order by all").fetchall()
            for path in sorted((home / "marts").glob("*.parquet"))
        }
    finally:
        con.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_at_each_phase_recovers_to_clean_marts_without_doubled_alerts(tmp_path):
    landing = tmp_path / "generated"
    done = subprocess.run(
        [str(REALREACH), "generate", "--out", str(landing), "--accounts", "4", "--days", "60",
         "--seed", "21", "--platforms", "x", "instagram", "--labels", str(tmp_path / "l.json")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith("REALREACH_")}
    env["REALREACH_LANDING_SETTLE_SECONDS"] = "0"  # generated and closed: no file is half written
    clean, crashed = tmp_path / "clean", tmp_path / "crashed"
    for home in (clean, crashed):
        shutil.copytree(landing, home / "landing")

    clean_run = Run(clean, dict(env))  # alongside the crashes: a separate home, no lock shared

    receiver = Receiver()
    env["REALREACH_ALERT_WEBHOOK"] = receiver.url("/hook")
    try:
        # 1. during ingest: as soon as a lake file is being written (or shortly after start)
        run = Run(crashed, env)
        run.wait_for("[ingest] …")
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and not list((crashed / "lake").rglob("*.tmp")):
            time.sleep(0.002)
        run.kill()
        assert not any("[ingest] done" in line for line in run.seen), "killed too late"

        # 2. during dbt build: once dbt has created some models (the dbt child dies too)
        run = Run(crashed, env)
        run.wait_for("[dbt build] …")
        dbt_log = crashed / "state" / "dbt" / "logs" / "dbt.log"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and " OK created" not in (
            dbt_log.read_text(errors="replace") if dbt_log.exists() else ""
        ):
            time.sleep(0.05)
        dbt = _children(run.proc.pid)
        assert dbt, "dbt was not running"
        run.kill()
        assert not any(
            line.startswith(("[dbt build] done", "[dbt build: the rest] done")) for line in run.seen
        ), "killed too late"
        deadline = time.monotonic() + 20
        while any(_alive(pid) for pid in dbt) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in dbt), "dbt outlived the killed run"

        # 3. during alert delivery: the webhook has the first alert, the run has no answer yet
        receiver.answer.clear()
        run = Run(crashed, env)
        assert receiver.got.wait(600), "no alert was sent"
        run.kill()
        receiver.answer.set()

        # 4. the next run recovers
        Run(crashed, env).finish()
    finally:
        receiver.answer.set()
        receiver.close()

    clean_run.finish()
    clean_alerts = {a["alert_id"] for a in read_alerts(Home(clean))}
    assert clean_alerts, "the sample must raise alerts, or the alert phase tests nothing"
    assert _marts(crashed) == _marts(clean)
    journal = read_alerts(Home(crashed))
    assert {a["alert_id"] for a in journal} == clean_alerts
    assert all(a["delivery"]["webhook"]["status"] == "delivered" for a in journal)
    # Every alert reached the webhook under exactly one key; the one interrupted send was
    # repeated with its key, which a receiver honouring Idempotency-Key drops.
    assert len(receiver.unique()) == len(clean_alerts)
    assert len(receiver.requests) == len(clean_alerts) + 1
