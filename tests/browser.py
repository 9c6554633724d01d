"""A real headless Chromium (Debian's ``chromium``) driven over the DevTools protocol.

Small on purpose: launch with a remote-debugging port on 127.0.0.1, open one page, collect
console messages and uncaught exceptions, evaluate JavaScript, take a screenshot. The
websocket client is ``websockets`` (already in the lock through Airflow).
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import connect


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PageRun:
    console: list[tuple[str, str]] = field(default_factory=list)  # (level, text)
    exceptions: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [text for level, text in self.console if level == "error"] + self.exceptions


class Browser:
    def __init__(self, width: int = 1200, height: int = 900) -> None:
        executable = chromium_path()
        if executable is None:
            raise RuntimeError("chromium is not installed (apt-get install -y chromium)")
        self.port = _free_port()
        self.profile = tempfile.TemporaryDirectory(prefix="realreach-chromium-")
        self.process = subprocess.Popen(
            [
                executable, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-extensions", "--no-first-run",
                "--disable-dev-shm-usage", f"--remote-debugging-port={self.port}",
                "--remote-debugging-address=127.0.0.1", "--remote-allow-origins=*",
                "--allow-file-access-from-files",
                f"--user-data-dir={self.profile.name}", f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._ids = itertools.count(1)
        self.ws = connect(self._page_websocket(), max_size=64 * 2**20, open_timeout=30)

    def _page_websocket(self) -> str:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json", timeout=5) as r:
                    targets = json.load(r)
                pages = [t for t in targets if t.get("type") == "page"]
                if pages:
                    return pages[0]["webSocketDebuggerUrl"]
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.2)

    def send(self, method: str, run: PageRun | None = None, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if run is not None:
                self._collect(message, run)

    @staticmethod
    def _collect(message: dict[str, Any], run: PageRun) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            run.console.append((params["type"], text))
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            run.exceptions.append(
                details.get("exception", {}).get("description") or details.get("text", "")
            )
        elif method == "Log.entryAdded":
            entry = params["entry"]
            run.console.append((entry["level"], entry.get("text", "")))

    def open(self, path: Path, wait_for: str, timeout: float = 60) -> PageRun:
        """Navigate to a local file and wait until the JavaScript ``wait_for`` is true."""
        run = PageRun()
        for domain in ("Runtime.enable", "Log.enable", "Page.enable"):
            self.send(domain, run)
        self.send("Page.navigate", run, url=path.resolve().as_uri())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate(wait_for, run):
                break
            time.sleep(0.25)
        else:
            raise TimeoutError(f"{path}: {wait_for!r} never became true; errors {run.errors}")
        return run

    def evaluate(self, expression: str, run: PageRun | None = None) -> Any:
        result = self.send(
            "Runtime.evaluate", run, expression=expression, returnByValue=True, awaitPromise=True
        )
        return result.get("result", {}).get("value")

    def screenshot(self, target: Path, run: PageRun | None = None) -> Path:
        height = self.evaluate("document.documentElement.scrollHeight", run) or 900
        self.send(
            "Emulation.setDeviceMetricsOverride", run,
            width=1200, height=min(int(height), 2400), deviceScaleFactor=1, mobile=False,
        )  # fmt: skip
        data = self.send("Page.captureScreenshot", run, format="png")["data"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(data))
        return target

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.profile.cleanup()
