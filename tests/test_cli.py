"""The command line's rough edges: --version, -v anywhere, a missing home, an empty landing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REALREACH = Path(sys.executable).with_name("realreach")


def realreach(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REALREACH_")}
    return subprocess.run(
        [str(REALREACH), *args], capture_output=True, text=True, env=env, cwd=cwd,
        timeout=120, check=False,
    )  # fmt: skip


def test_version() -> None:
    done = realreach("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("realreach ") and done.stdout.split()[1][0].isdigit()


def test_a_missing_home_exits_2_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "mistyped"
    for command in ("run", "report"):
        done = realreach(command, "--home", str(missing))
        assert done.returncode == 2, done
        assert str(missing) in done.stderr and "does not exist" in done.stderr
    assert not missing.exists()  # nothing created where the user did not mean


def test_an_empty_landing_exits_0_and_builds_nothing(tmp_path: Path) -> None:
    (tmp_path / "landing").mkdir()
    # -v after the subcommand is accepted as before it
    done = realreach("run", "-v", "--home", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"nothing to ingest in {tmp_path / 'landing'}"
    assert not (tmp_path / "warehouse.duckdb").exists()
    assert not (tmp_path / "marts").exists()
    assert realreach("-v", "run", "--home", str(tmp_path)).returncode == 0
