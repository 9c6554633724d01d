"""A whole local Airflow (``scripts/airflow-standalone.sh``) and an alert receiver, for the
end-to-end test and the latency benchmark: the same configuration ``make airflow`` runs.

Airflow standalone starts the api-server, scheduler, dag-processor and triggerer as children;
they run in a process group of their own, so ``stop`` ends every one of them, whatever
happened to the caller.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from realreach_core.home import PROJECT_ROOT

STANDALONE_SCRIPT = PROJECT_ROOT / "scripts" / "airflow-standalone.sh"
COMPONENTS = ("metadatabase", "scheduler", "triggerer", "dag_processor")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    at: float  # time.time() when the request arrived
    path: str
    body: dict[str, Any]


class WebhookReceiver:
    """A real HTTP server on 127.0.0.1 recording every JSON POST with its arrival time."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._arrived:
                    receiver.received.append(Received(time.time(), self.path, json.loads(body)))
                    receiver._arrived.notify_all()
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/realreach-alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float) -> list[Received]:
        """Block until ``count`` requests arrived in total (or the timeout); return them all."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count and (left := deadline - time.monotonic()) > 0:
                self._arrived.wait(left)
            return list(self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class LocalAirflow:
    """``airflow standalone`` on its own AIRFLOW_HOME (SQLite) and REALREACH_HOME."""

    realreach_home: Path
    airflow_home: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def log_file(self) -> Path:
        return self.airflow_home / "standalone.out"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.airflow_home.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "REALREACH_HOME": str(self.realreach_home),
            "AIRFLOW_HOME": str(self.airflow_home),
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__BASE_URL": self.base_url,
            **self.env,
        }
        # Settings of an outer Airflow (e.g. pytest's tests/test_dags.py) must not leak in.
        env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
        env.pop("AIRFLOW__CORE__UNIT_TEST_MODE", None)
        with self.log_file.open("wb") as out:
            self.process = subprocess.Popen(
                ["bash", str(STANDALONE_SCRIPT)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() reaches every child
            )

    def health(self) -> dict[str, Any]:
        try:
            with urllib.request.urlopen(f"{self.base_url}/api/v2/monitor/health", timeout=5) as r:
                return json.loads(r.read())
        except (urllib.error.URLError, OSError, ValueError):
            return {}

    def wait_healthy(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"airflow standalone exited early:\n{self.tail()}")
            health = self.health()
            if health and all((health.get(c) or {}).get("status") == "healthy" for c in COMPONENTS):
                return
            time.sleep(1)
        raise TimeoutError(
            f"airflow not healthy after {timeout:.0f}s: {self.health()}\n{self.tail()}"
        )

    def tail(self, lines: int = 80) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM the whole process group, then SIGKILL whatever is left after ``timeout``."""
        if self.process is None:
            return
        pgid = self.process.pid  # the session leader's pid is the group id
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _group_alive(pgid) and time.monotonic() < deadline:
            self.process.poll()  # reap the leader so it does not linger as a zombie
            time.sleep(0.5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self.process = None


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
