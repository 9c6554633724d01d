"""Lock feedback with a real second process holding the lock: the waiter names the holder's
pid, and gives up after its bound (`realreach run --wait`) with a clear message and exit 3."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from realreach_core.home import Home
from realreach_core.locking import LockTimeout, exclusive

ROOT = Path(__file__).resolve().parents[1]

HOLD = """
import sys, time
from pathlib import Path
from realreach_core.locking import exclusive
with exclusive(Path(sys.argv[1]), purpose="test holder"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _holder(lock: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lock), str(seconds)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_waiter_names_the_holder_and_gets_the_lock_when_it_is_released(tmp_path):
    lock = tmp_path / "state" / "run.lock"
    holder = _holder(lock, 1.0)
    try:
        notices: list[str] = []
        from realreach_core.locking import wait_bound

        started = time.monotonic()
        with wait_bound(30, notices.append), exclusive(lock):
            waited = time.monotonic() - started
            assert lock.read_text().startswith(f"pid {os.getpid()}")
        assert 0.3 < waited < 10
        [notice] = notices
        assert f"held by pid {holder.pid} (test holder)" in notice and "30s" in notice
    finally:
        holder.kill()
        holder.wait()


def test_waiter_gives_up_after_its_bound(tmp_path):
    lock = tmp_path / "l.lock"
    holder = _holder(lock, 60)
    try:
        started = time.monotonic()
        with pytest.raises(LockTimeout) as err, exclusive(lock, wait=0.5):
            pass
        assert 0.4 < time.monotonic() - started < 5
        assert f"pid {holder.pid}" in str(err.value) and "gave up after 0.5s" in str(err.value)
    finally:
        holder.kill()
        holder.wait()
    with exclusive(lock, wait=0):  # a killed holder leaves no stale lock
        pass


def test_run_behind_another_run_exits_3_naming_the_holder(tmp_path):
    home = Home(tmp_path / "home").ensure()
    # something to ingest: an empty landing returns at once, without the lock ("nothing to
    # ingest"), and this test is about a run that has work to do
    (home.landing / "accounts.csv").write_text("platform,account_id,handle,owner,role\n")
    os.utime(home.landing / "accounts.csv", (time.time() - 60, time.time() - 60))
    holder = _holder(home.state / "run.lock", 60)
    try:
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "realreach.cli", "run", "--home", str(home.root), "--wait", "1"],
            capture_output=True, text=True, timeout=120, cwd=ROOT,
            env={**os.environ, "REALREACH_RUN_WAIT_SECONDS": "600"},
        )  # fmt: skip
        took = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 3, done.stderr
    assert f"waiting for {home.state / 'run.lock'} held by pid {holder.pid}" in done.stderr
    assert "gave up after 1s" in done.stderr and f"pid {holder.pid}" in done.stderr
    assert took < 60  # --wait won over REALREACH_RUN_WAIT_SECONDS
    assert not list(home.lake.rglob("*.parquet"))  # nothing ran


def test_wait_must_be_a_number():
    done = subprocess.run(
        [sys.executable, "-m", "realreach.cli", "run", "--wait", "soon"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 2 and "'soon' is not a number of seconds" in done.stderr
