"""dbt in one worker process per run: its start-up is paid once, and early.

A `dbt build` process spends about 4 s before its first node at 200 accounts (2.4 s importing
dbt and its adapter, 1.4 s loading the project), and the build now runs in two invocations (the
alert path, then the rest: ``realreach.transform``). So dbt runs in a worker process, started
with ``python -m realreach.dbt_worker``, that imports dbt and parses the project once, as soon as
it is started (``realreach run`` starts it before ingesting, so that work overlaps the ingest),
then runs each invocation with dbt's programmatic API (``dbtRunner``) on the parsed manifest.

Why a process and not dbt in our own: the worker owns DuckDB's single writer lock while it
builds and gives it back when each invocation's connections close (dbt-duckdb closes the
database when its last connection does), and a kill -9 of the run takes it along (prctl), so an
orphaned dbt never goes on writing the warehouse.

Protocol: JSON lines. The parent writes ``{"invoke": [args...]}`` or ``{"stop": true}`` to the
worker's stdin; the worker writes ``{"line": text, "level": level}`` for each node result (what
dbt would print) and ``{"done": returncode, "error": text}`` after each invocation, and first
``{"ready": bool, "error": text, "alert_path": {...}}`` after parsing. dbt's own console output
is off; its debug log goes to ``--log-path`` as before.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from realreach_core.home import DBT_PROJECT_DIR, Home

log = logging.getLogger(__name__)

#: The mart alerts are raised from. Its ancestors and its own tests are the alert path.
SPIKE_MART = "follower_spikes"

#: dbt's exit codes (dbt.cli.main): 0 ok, 1 a node failed, 2 dbt itself failed.
OK, NODE_FAILED, DBT_FAILED = 0, 1, 2


@dataclass(frozen=True)
class AlertPath:
    """What the spike mart needs: every model and seed it is built from, and its own tests
    (those whose every parent is on the path: a relationship to a mart built later waits)."""

    nodes: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    #: every test of a source (by name): an incremental build leaves them out, and with
    #: ``--indirect-selection empty`` excluding ``source:*`` would not take its tests along
    source_tests: tuple[str, ...] = ()
    #: the unit tests of the nodes on the path: a full build runs them with their models (dbt
    #: build runs a unit test only in the invocation that builds its model)
    unit_tests: tuple[str, ...] = ()
    #: the mart's tests that wait for the rest (a parent off the path, such as a relationship
    #: to a mart built later)
    held_tests: tuple[str, ...] = ()
    mart: str = SPIKE_MART

    @property
    def names(self) -> list[str]:
        return [*self.nodes, *self.tests]

    def selection(self, also: tuple[str, ...] | list[str] = ()) -> list[str]:
        """The alert path as dbt selection arguments, with ``--indirect-selection empty``: the
        mart and its ancestors by graph operator, the mart's own tests by intersection, less
        those held for the rest. The same nodes as ``names``, in three criteria instead of
        ~90 names: dbt matches each criterion against every node of the project, which cost
        ~0.5 s of the alert path at 200 accounts (the rest's ``--exclude`` keeps the names).
        ``also``: more to select, such as unit tests by name."""
        held = ["--exclude", *self.held_tests] if self.held_tests else []
        mine = [f"+{self.mart}", f"{self.mart}+1,resource_type:test"]
        return ["--select", *mine, *also, *held]


@dataclass
class Invocation:
    returncode: int
    lines: list[str] = field(default_factory=list)


def dbt_dirs(home: Home) -> tuple[Path, Path]:
    base = home.state / "dbt"
    return base / "target", base / "logs"


def dbt_env(home: Home) -> dict[str, str]:
    """dbt's environment: the home its profile points at, and no calls home."""
    return {
        **os.environ,
        "REALREACH_HOME": str(home.root),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DBT_VERSION_CHECK": "False",
    }


def project_args(target_path: Path, log_path: Path) -> list[str]:
    """Where dbt finds the project and profile, and writes its target and logs."""
    return [
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target_path),
        "--log-path",
        str(log_path),
        "--no-use-colors",
    ]


def _common_args(target_path: Path, log_path: Path) -> list[str]:
    # the node lines come back through the protocol; the debug log file stays as it was
    return [
        *project_args(target_path, log_path),
        "--log-level",
        "none",
        "--log-level-file",
        "debug",
    ]


class DbtWorker:
    """One dbt worker process for a home. Use as a context manager; ``invoke`` waits for the
    worker to be ready (imports and parse done) the first time."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self.target_path, self.log_path = dbt_dirs(home)
        self.log_path.mkdir(parents=True, exist_ok=True)
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "realreach.dbt_worker",
                str(self.target_path),
                str(self.log_path),
            ],
            env=dbt_env(home),
            cwd=DBT_PROJECT_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            preexec_fn=die_with_parent if sys.platform.startswith("linux") else None,
        )
        self._ready: dict[str, Any] | None = None

    # -- parent side

    def _read(self) -> dict[str, Any] | None:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            return None
        return json.loads(line)

    def ready(self) -> dict[str, Any]:
        """Waits for the worker's imports and parse; what it said."""
        if self._ready is None:
            message = self._read()
            if message is None:
                code = self._proc.wait()
                message = {"ready": False, "error": f"the dbt worker exited (code {code})"}
            self._ready = message
        return self._ready

    @property
    def alert_path(self) -> AlertPath:
        path = self.ready().get("alert_path") or {}
        return AlertPath(
            **{
                key: value if isinstance(value, str) else tuple(value)
                for key, value in path.items()
            }
        )

    def invoke(self, args: list[str], *, manifest: bool = True) -> Invocation:
        """One dbt command (``["build", "--select", ...]``) on the parsed project.
        ``manifest=False``: target/ gets run_results.json but not manifest.json (dbt writes
        both after the last node, ~0.4 s at 200 accounts: a build's first part leaves it to
        the second)."""
        ready = self.ready()
        if not ready.get("ready"):
            return Invocation(DBT_FAILED, [f"dbt could not load the project: {ready['error']}"])
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(json.dumps({"invoke": args, "manifest": manifest}) + "\n")
            self._proc.stdin.flush()
        except BrokenPipeError:
            return Invocation(DBT_FAILED, ["the dbt worker is gone"])
        lines: list[str] = []
        while True:
            message = self._read()
            if message is None:
                code = self._proc.wait()
                lines.append(f"the dbt worker exited (code {code}) during {' '.join(args[:1])}")
                return Invocation(DBT_FAILED, lines)
            if "line" in message:
                text = message["line"]
                lines.append(text)
                # One line per node goes to the log (Airflow's task log, or the CLI with -v);
                # trouble is shown louder.
                if message.get("level") in ("warn", "error"):
                    log.warning("dbt: %s", text)
                else:
                    log.info("dbt: %s", text)
            elif "done" in message:
                if message.get("error"):
                    lines.append(message["error"])
                return Invocation(int(message["done"]), lines)

    def close(self) -> None:
        if self._ready is None and self._proc.poll() is None:
            # never used (nothing to build): not worth waiting for its imports and parse
            self._proc.kill()
            self._proc.wait()
        if self._proc.poll() is None:
            try:
                assert self._proc.stdin is not None
                self._proc.stdin.write(json.dumps({"stop": True}) + "\n")
                self._proc.stdin.close()
                self._proc.wait(timeout=30)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None and not stream.closed:
                stream.close()

    def __enter__(self) -> DbtWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def die_with_parent() -> None:
    """Runs in the worker before exec: a kill -9 of the run takes dbt with it. An orphaned
    dbt would go on writing the warehouse and hold DuckDB's lock while the next run builds."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


# -- worker side


def alert_path_of(manifest: Any, mart: str = SPIKE_MART) -> AlertPath:
    """The nodes ``mart`` is built from (models, seeds, snapshots: by name) and its tests whose
    every parent is on that path, from a parsed dbt manifest."""
    nodes = manifest.nodes
    targets = [uid for uid, n in nodes.items() if n.resource_type == "model" and n.name == mart]
    if len(targets) != 1:
        raise ValueError(f"the dbt project has {len(targets)} models named {mart!r}")
    path: set[str] = set()
    todo = list(targets)
    while todo:
        uid = todo.pop()
        if uid in path:
            continue
        path.add(uid)
        todo.extend(dep for dep in _parents(nodes[uid]) if dep in nodes)
    tests = sorted(
        n.name
        for n in nodes.values()
        if n.resource_type == "test"
        and targets[0] in _parents(n)
        and all(dep in path or dep in manifest.sources for dep in _parents(n))
    )
    source_tests = sorted(
        n.name
        for n in nodes.values()
        if n.resource_type == "test" and any(dep in manifest.sources for dep in _parents(n))
    )
    unit_tests = sorted(
        f"unit_test:{n.package_name}.{n.name}"
        for n in manifest.unit_tests.values()
        if any(dep in path for dep in _parents(n))
    )
    held = sorted(
        n.name
        for n in nodes.values()
        if n.resource_type == "test" and targets[0] in _parents(n) and n.name not in tests
    )
    return AlertPath(
        tuple(sorted(nodes[uid].name for uid in path)),
        tuple(tests),
        tuple(source_tests),
        tuple(unit_tests),
        tuple(held),
        mart,
    )


def _release_warehouse() -> None:
    """Closes dbt-duckdb's database after an invocation. It keeps it open for the process's
    life (dbt's own CLI exits right after), which would hold DuckDB's single-writer lock
    while the checks, or the next step of the run, read the warehouse."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def _parents(node: Any) -> list[str]:
    # seeds depend on macros only: their depends_on has no nodes
    return list(getattr(node.depends_on, "nodes", ()) or ())


_NODE_EVENTS = {
    "LogModelResult",
    "LogTestResult",
    "LogSeedResult",
    "LogSnapshotResult",
    "LogHookEndLine",
    "LogNodeResult",
    "RunResultError",
    "RunResultFailure",
    "RunResultWarning",
    "RunResultErrorNoMessage",
    "SQLCompiledPath",
    "CheckNodeTestFailure",
    "EndOfRunSummary",
}


def _serve(target_path: str, log_path: str, out: IO[str]) -> int:
    def send(message: dict[str, Any]) -> None:
        out.write(json.dumps(message) + "\n")
        out.flush()

    from dbt.cli.main import dbtRunner

    def forward(event: Any) -> None:
        info = event.info
        if info.name in _NODE_EVENTS or info.level == "error":
            text = info.msg.strip()
            if text:
                send({"line": text, "level": info.level})

    common = _common_args(Path(target_path), Path(log_path))
    # --no-write-json: parsing writes nothing when the project is unchanged (partial parsing's
    # saved state is read, not rewritten), so parsing early, outside the build lock, is safe.
    parsed = dbtRunner(callbacks=[forward]).invoke(["parse", *common, "--no-write-json"])
    if not parsed.success or parsed.result is None:
        send({"ready": False, "error": f"dbt parse failed: {parsed.exception or 'see the log'}"})
        return 1
    manifest = parsed.result
    try:
        path = alert_path_of(manifest)
        send({"ready": True, "alert_path": dataclasses.asdict(path)})
    except Exception as exc:  # a project without the spike mart builds in one invocation
        send({"ready": True, "alert_path": None, "error": str(exc)})
    runner = dbtRunner(manifest=manifest, callbacks=[forward])
    for line in sys.stdin:
        command = json.loads(line)
        if command.get("stop"):
            break
        args = list(command["invoke"])
        results_only = command.get("manifest") is False
        try:
            result = runner.invoke([*args, *common, *(["--no-write-json"] if results_only else [])])
            if results_only and hasattr(result.result, "write"):
                result.result.write(str(Path(target_path) / "run_results.json"))
        except BaseException as exc:  # report, and stay up for the parent's next command
            send({"done": DBT_FAILED, "error": f"{type(exc).__name__}: {exc}"})
            continue
        finally:
            _release_warehouse()
        if result.success:
            send({"done": OK})
        elif result.exception is not None:
            send({"done": DBT_FAILED, "error": f"{result.exception}"})
        else:
            send({"done": NODE_FAILED})
    return 0


def main(argv: list[str]) -> int:
    # The protocol owns the original stdout; anything else printed goes to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    target_path, log_path = argv
    return _serve(target_path, log_path, out)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
