"""Build the marts: run `dbt build` on the home's warehouse, then export the marts for BI.

dbt runs in a worker process (``realreach.dbt_worker``: it owns the single DuckDB writer lock
while it builds, and its start-up is paid once per run); its target and log folders live
under <home>/state/dbt so the repository stays clean and homes built in parallel never share
partial-parse state. After a green build every table in schema
`marts` is exported to <home>/marts/<table>.parquet and <home>/bi.duckdb is rebuilt as views
over those files, so BI tools never hold a lock on warehouse.duckdb.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from expectations.build_changes import changes_path
from ingestion.lake import remove_leftovers
from ingestion.manifest import Manifest
from ingestion.run import prepare_lake
from realreach.build_state import (
    BuildState,
    PendingChanges,
    read_build_state,
    write_build_state_file,
    write_changed_accounts,
    write_changes,
)
from realreach.dbt_worker import (
    AlertPath,
    DbtWorker,
    dbt_dirs,
    dbt_env,
    die_with_parent,
    project_args,
)
from realreach_core.files import atomic_target, atomic_write_text
from realreach_core.home import DBT_PROJECT_DIR, Home
from realreach_core.locking import exclusive

log = logging.getLogger(__name__)

MARTS_SCHEMA = "marts"


class BuildError(RuntimeError):
    """dbt build failed; `report` says which nodes and why."""

    def __init__(self, message: str, report: BuildReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class BuildReport:
    ok: bool
    elapsed_s: float
    models_ok: int
    tests_passed: int
    tests_failed: int
    tests_warned: int
    failures: list[str] = field(default_factory=list)
    exported: list[Path] = field(default_factory=list)
    fingerprint: str = ""  # of a build not yet published (build_marts(publish=False))
    skipped: bool = False  # nothing changed since the last green build: marts left as they are
    # "full" (every model from the whole lake) or "incremental" (only what the change log
    # names since the last build), and why a full build was chosen
    mode: str = ""
    why_full: str = ""
    changes: PendingChanges | None = None


#: What an incremental build leaves out (see _build_locked).
INCREMENTAL_EXCLUDES = ("test_type:unit", "source:*")

#: dbt threads of an incremental build's alert path (the profile's 2 elsewhere). Its nodes are
#: small (a day's rows): most of each node's time is dbt's Python, so more of them in flight
#: keeps both cores busy. 2 → 4 took the alert path of a 200-account new day from 10.3-11.1
#: to 9.9-10.3 s, and 7.8-8.2 to 6.7-7.4 s (one worker, alternating runs, a loaded machine).
#: A full build keeps 2: its nodes are the whole history and hold memory.
ALERT_PATH_THREADS = 4


def dbt_executable() -> Path:
    """The dbt installed beside this interpreter (the project's virtualenv), else PATH's."""
    candidate = Path(sys.executable).parent / ("dbt.exe" if os.name == "nt" else "dbt")
    return candidate if candidate.exists() else Path("dbt")


def _run_dbt(
    home: Home, command: tuple[str, ...], target_path: Path | None = None
) -> tuple[int, list[str]]:
    """A dbt command in a process of its own (``dbt docs generate``; builds go through the
    run's worker: ``realreach.dbt_worker``)."""
    default_target, log_path = dbt_dirs(home)
    cmd = [str(dbt_executable()), *command, *project_args(target_path or default_target, log_path)]
    output: list[str] = []
    with subprocess.Popen(
        cmd,
        env=dbt_env(home),
        preexec_fn=die_with_parent if sys.platform.startswith("linux") else None,
        cwd=DBT_PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line.rstrip("\n"))
            # One line per node ("1 of 40 OK created sql view model ...") goes to the log
            # (Airflow's task log, or the CLI with -v); trouble is shown louder.
            if " of " in line:
                node = line.split(" ", 1)[-1].strip()
                if any(word in line for word in ("FAIL", "ERROR", "WARN")):
                    log.warning("dbt: %s", node)
                elif any(word in line for word in ("OK", "PASS", "SKIP")):
                    log.info("dbt: %s", node)
        returncode = proc.wait()
    return returncode, output


def _read_results(data: dict | None) -> BuildReport:
    """What dbt's run_results.json says (None: no results from this invocation)."""
    report = BuildReport(
        ok=False,
        elapsed_s=0.0,
        models_ok=0,
        tests_passed=0,
        tests_failed=0,
        tests_warned=0,
    )
    if data is None:
        return report
    report.elapsed_s = float(data.get("elapsed_time") or 0.0)
    for result in data.get("results", []):
        unique_id: str = result["unique_id"]
        status: str = result["status"]
        resource = unique_id.split(".", 1)[0]
        if resource in ("model", "seed", "snapshot"):
            if status == "success":
                report.models_ok += 1
            else:
                report.failures.append(_describe(result))
        elif resource in ("test", "unit_test"):
            if status == "pass":
                report.tests_passed += 1
            elif status == "warn":
                report.tests_warned += 1
            elif status in ("fail", "error"):
                report.tests_failed += 1
                report.failures.append(_describe(result))
        elif status in ("error", "fail"):
            report.failures.append(_describe(result))
    return report


def _describe(result: dict) -> str:
    message = (result.get("message") or "").strip().splitlines()
    first = message[0] if message else ""
    return f"{result['unique_id']} [{result['status']}]: {first}"[:500]


def export_marts(home: Home) -> list[Path]:
    """Parquet copy of every mart table plus a fresh bi.duckdb of views over them."""
    home.marts_export.mkdir(parents=True, exist_ok=True)
    exported: list[Path] = []
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? and table_type = 'BASE TABLE' order by table_name",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        for table in tables:
            target = home.marts_export / f"{table}.parquet"
            with atomic_target(target) as tmp:
                con.execute(
                    f"copy (select * from {MARTS_SCHEMA}.\"{table}\") to '{_sql_path(tmp)}' "
                    "(format parquet)"
                )
            exported.append(target)

    comments = mart_descriptions()
    # Views name their files relative to the home (marts/<table>.parquet), so a BI container
    # that mounts the home anywhere reads them; DuckDB resolves a relative path against the
    # reader's file_search_path (else its cwd), which open_bi_database sets to the home.
    with atomic_target(home.bi_database) as bi_tmp, duckdb.connect(str(bi_tmp)) as bi:
        bi.execute(f"set file_search_path = '{_sql_path(home.root)}'")  # views bind now
        bi.execute(f"create schema {MARTS_SCHEMA}")
        for path in exported:
            relative = path.relative_to(home.root).as_posix()
            bi.execute(
                f'create view {MARTS_SCHEMA}."{path.stem}" as '
                f"select * from read_parquet('{_sql_path(Path(relative))}')"
            )
            _comment_view(bi, path.stem, comments.get(path.stem))
    return exported


def mart_descriptions() -> dict[str, dict[str, str]]:
    """Descriptions from the marts' YAML: {model: {"": the model's, column: the column's}}."""
    import yaml

    described: dict[str, dict[str, str]] = {}
    for path in sorted((DBT_PROJECT_DIR / "models" / "marts").glob("*.yml")):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            texts = {"": " ".join(str(model.get("description") or "").split())}
            for column in model.get("columns", []):
                texts[column["name"]] = " ".join(str(column.get("description") or "").split())
            described[model["name"]] = texts
    return described


def _comment_view(bi: duckdb.DuckDBPyConnection, view: str, texts: dict[str, str] | None) -> None:
    """BI tools show these: the YAML's words on the view and on each of its columns."""
    if not texts:
        return
    present = {r[0] for r in bi.execute(f'describe {MARTS_SCHEMA}."{view}"').fetchall()}
    if texts.get(""):
        bi.execute(f'comment on view {MARTS_SCHEMA}."{view}" is {_sql_text(texts[""])}')
    for column, text in texts.items():
        if column and text and column in present:
            bi.execute(f'comment on column {MARTS_SCHEMA}."{view}"."{column}" is {_sql_text(text)}')


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def build_docs(home: Home) -> Path:
    """dbt's documentation site (catalog and lineage) for the home's warehouse, as one static
    page that opens from the file system: <home>/docs/dbt/static_index.html."""
    if not home.warehouse.exists():
        raise FileNotFoundError(f"no warehouse in {home.root}: run `realreach run` first")
    target = home.root / "docs" / "dbt"
    with exclusive(home.state / "build.lock"):  # the catalog reads the one-writer warehouse
        returncode, output = _run_dbt(home, ("docs", "generate", "--static"), target_path=target)
    page = target / "static_index.html"
    if returncode != 0 or not page.exists():
        tail = "\n".join([line for line in output if line.strip()][-15:])
        raise RuntimeError(f"dbt docs generate failed (exit {returncode}):\n{tail}")
    return page


def open_bi_database(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Opens a home's bi.duckdb read-only from anywhere: wherever the home is mounted and
    whatever the working directory, its views find marts/*.parquet beside the file."""
    path = Path(path).resolve()
    con = duckdb.connect(str(path), read_only=True)
    # a session setting (DuckDB refuses it as a connect-time global option)
    con.execute(f"set file_search_path = '{_sql_path(path.parent)}'")
    return con


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def inputs_fingerprint(home: Home) -> str:
    """What a build depends on: the change log's newest seq (every lake write and retraction
    is logged there, ingestion/manifest.py) and the dbt project's sources. Cheap: one query,
    no stat of the lake's thousands of files."""
    with Manifest(home.manifest) as manifest:
        seq = manifest.last_change()
    return f"{seq}:{project_fingerprint()}"


def project_fingerprint() -> str:
    """The dbt project's models, macros, tests, vars and profile: a change means a full
    refresh (an incremental table built by older SQL would not match the new)."""
    digest = hashlib.sha256()
    for folder in ("models", "macros", "tests"):
        for path in sorted((DBT_PROJECT_DIR / folder).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode() + path.read_bytes())
    for folder in ("seeds",):
        for path in sorted((DBT_PROJECT_DIR / folder).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode() + path.read_bytes())
    for name in ("dbt_project.yml", "profiles.yml"):
        digest.update((DBT_PROJECT_DIR / name).read_bytes())
    return digest.hexdigest()


def _stamp_path(home: Home) -> Path:
    return home.state / "dbt" / "last_green_build.json"


def needs_build(home: Home) -> bool:
    """Whether ``build_marts`` would build (the lake or the dbt project changed since the last
    published build), from the same cheap look it takes itself."""
    return not _up_to_date(home, inputs_fingerprint(home))


def warehouse_behind(home: Home) -> bool:
    """Whether the warehouse has not been built from the lake's last change with this dbt
    project (a build that failed or never ran). Unlike ``needs_build`` it does not ask whether
    the build was published: a build whose quality checks failed is not redone until new data
    or a new project arrives."""
    try:
        state = read_build_state(home)
    except duckdb.Error:  # another process writes it: a build is under way or due
        return True
    if state is None or state.project_hash != project_fingerprint():
        return True
    with Manifest(home.manifest) as manifest:
        return manifest.last_change() > state.built_seq


def _up_to_date(home: Home, fingerprint: str) -> bool:
    try:
        stamp = json.loads(_stamp_path(home).read_text())
    except (OSError, ValueError):
        return False
    exported = [home.marts_export / f"{table}.parquet" for table in stamp.get("marts", [])]
    return (
        stamp.get("fingerprint") == fingerprint
        and home.warehouse.exists()
        and home.bi_database.exists()
        and bool(exported)
        and all(path.exists() for path in exported)
    )


def build_marts(
    home: Home,
    *,
    select: str | None = None,
    force: bool = False,
    publish: bool = True,
    dbt: DbtWorker | None = None,
    on_alert_path: Callable[[BuildReport], None] | None = None,
    on_dbt_start: Callable[[], None] | None = None,
) -> BuildReport:
    """Run dbt build (models, unit tests, data tests) and export the marts; BuildError on failure.

    ``publish=False`` is write-audit-publish's write: the warehouse is built, the Parquet
    exports and bi.duckdb are left as they are until ``publish_marts`` (after the checks).

    The build runs in two dbt invocations: the alert path (every model the spike mart is built
    from, then the spike mart's own tests), then the rest (the other models and every other
    test). ``on_alert_path`` is called between the two, with the build already recorded for
    the checks, so the spike suites and the alerts do not wait for the rest. ``dbt``: a worker
    already started (``realreach run`` starts it before ingesting); else one is started here.
    ``on_dbt_start`` is called just before dbt's first invocation (not when nothing is built):
    the callers import Great Expectations from there, in a thread that, started earlier, held
    the GIL against this process's own file work before dbt (1 s of 1.4 at 1,000 accounts)."""
    if dbt is None:
        with DbtWorker(home) as worker:
            return build_marts(
                home,
                select=select,
                force=force,
                publish=publish,
                dbt=worker,
                on_alert_path=on_alert_path,
                on_dbt_start=on_dbt_start,
            )
    home.ensure()
    prepare_lake(home)  # under the ingest lock: a killed lake write's temp files go first
    # One build per home at a time: DuckDB has a single writer, and the export must not race.
    with exclusive(home.state / "build.lock"):
        # Temp files of a marts export or bi.duckdb killed mid-write: never renamed, never read.
        remove_leftovers(home.marts_export)
        for leftover in home.root.glob(f".{home.bi_database.name}.*.tmp"):
            leftover.unlink(missing_ok=True)
        fingerprint = inputs_fingerprint(home)
        if not force and select is None and _up_to_date(home, fingerprint):
            log.info("lake and dbt project unchanged since the last green build: not rebuilding")
            _record_build(home, "skipped")
            return BuildReport(True, 0.0, 0, 0, 0, 0, skipped=True)

        def record(report: BuildReport) -> None:
            # What the checks validate next: after an incremental build, per changed account
            # the mart rows from the first day it recomputed (the marts still built whole, such
            # as the spike models, are validated whole by their suites anyway). Known after the
            # alert path: the int_*_invalidated models are on it.
            incremental = (
                report.mode == "incremental"
                and select is None
                and write_changed_accounts(home, changes_path(home))
            )
            _record_build(home, "incremental" if incremental else "full")
            if on_alert_path is not None:
                on_alert_path(report)

        # The change files are written while the worker may still be parsing (parsing reads
        # the project, never the warehouse); the first invocation waits for it.
        report = _build_changes(
            home, select, force=force, publish=publish, dbt=dbt, record=record, start=on_dbt_start
        )
        if select is None:
            if publish:
                _write_stamp(home, fingerprint, report.exported)
            else:
                report.fingerprint = fingerprint
        return report


def _record_build(home: Home, mode: str) -> None:
    """What the checks validate next (expectations/build_changes.py): ``seq`` counts the
    builds that ran; a skipped one keeps the last build's."""
    path = home.state / "dbt" / "last_build.json"
    try:
        seq = int(json.loads(path.read_text()).get("seq") or 0)
    except (OSError, ValueError, TypeError, AttributeError):
        seq = 0
    record = {"mode": mode, "seq": seq if mode == "skipped" else seq + 1}
    atomic_write_text(path, json.dumps(record), durable=True)


def publish_marts(home: Home, build: BuildReport) -> list[Path]:
    """Write-audit-publish's publish: export the audited warehouse's marts (Parquet, bi.duckdb)
    and stamp the build, so an unchanged lake is not rebuilt. A skipped build has nothing new."""
    if build.skipped:
        return []
    with exclusive(home.state / "build.lock"):
        build.exported = export_marts(home)
        if build.fingerprint:
            _write_stamp(home, build.fingerprint, build.exported)
    return build.exported


def publish_built(home: Home, fingerprint: str = "") -> list[Path]:
    """Publish the warehouse as it stands, after its checks passed (Airflow's checks task, a
    process apart from the build). ``fingerprint`` is the audited build's (carried on the marts
    event): it is stamped only when the lake still matches it, so a lake that moved on since
    is rebuilt by the next build instead of being taken as built."""
    with exclusive(home.state / "build.lock"):
        exported = export_marts(home)
        if fingerprint and fingerprint == inputs_fingerprint(home):
            _write_stamp(home, fingerprint, exported)
    return exported


def _write_stamp(home: Home, fingerprint: str, exported: list[Path]) -> None:
    stamp = {"fingerprint": fingerprint, "marts": [p.stem for p in exported]}
    atomic_write_text(_stamp_path(home), json.dumps(stamp))


def _build_changes(
    home: Home,
    select: str | None,
    *,
    force: bool,
    publish: bool,
    dbt: DbtWorker,
    record: Callable[[BuildReport], None],
    start: Callable[[], None] | None = None,
) -> BuildReport:
    """Incremental when the warehouse has a watermark and the dbt project is the one it was
    built with; else (or with ``force``, `realreach run --rebuild`) a full refresh."""
    project = project_fingerprint()
    state = read_build_state(home)
    why_full = ""
    if force:
        why_full = "rebuild asked for"
    elif state is None:
        why_full = "no build watermark in the warehouse"
        if home.warehouse.exists():
            log.warning(
                "warehouse %s has no build watermark (built by an earlier realreach, or no full "
                "build finished yet): "
                "rebuilding every model once from the whole lake (dbt build --full-refresh); "
                "later runs are incremental",
                home.warehouse,
            )
    elif state.project_hash != project:
        why_full = "the dbt project changed since the last build"
    if why_full:
        log.info("dbt: full refresh (%s)", why_full)
        # The whole lake is read: no ingest may commit meanwhile, or its lake files would be
        # both in this build and in the next one's change log (counted twice).
        with exclusive(home.state / "ingest.lock"):
            with Manifest(home.manifest) as manifest:
                upto = manifest.last_change()
            pending = PendingChanges(upto=upto)
            # a --select build leaves the watermark where it was (the models it skips did
            # not see these changes)
            built = BuildState(upto, project) if select is None else state
            write_changes(home, pending, built=built)
            phases = Phases(dbt, record, previous=state, built=built, start=start)
            report = _build_reported(home, select, publish, pending, why_full, phases)
    else:
        assert state is not None
        with Manifest(home.manifest) as manifest:
            upto = manifest.last_change()
            pending = PendingChanges.read(manifest, state.built_seq, upto)
        # a --select build leaves the watermark where it was: its changes are applied again
        # (idempotently: staging is delete+insert per landing file version) by the next one
        built = BuildState(upto if select is None else state.built_seq, project)
        write_changes(home, pending, built=built)
        log.info(
            "dbt: incremental (changes %d..%d: %d lake file(s), %d retracted version(s), "
            "%d account(s))",
            state.built_seq + 1,
            upto,
            len(pending.lake_files),
            len(pending.retracted),
            len(pending.accounts),
        )
        phases = Phases(dbt, record, previous=state, built=built, start=start)
        report = _build_reported(home, select, publish, pending, why_full, phases)
    return report


def _build_reported(
    home: Home,
    select: str | None,
    publish: bool,
    pending: PendingChanges,
    why_full: str,
    phases: Phases,
) -> BuildReport:
    """The build, its report saying how it was built (also on a BuildError's report)."""
    phases.describe = lambda report: _describe_mode(report, pending, why_full)
    try:
        report = _build_locked(home, select, phases, publish=publish, full_refresh=bool(why_full))
    except BuildError as exc:
        _describe_mode(exc.report, pending, why_full)
        raise
    _describe_mode(report, pending, why_full)
    return report


def _describe_mode(report: BuildReport, pending: PendingChanges, why_full: str) -> None:
    report.mode = "full" if why_full else "incremental"
    report.why_full = why_full
    report.changes = pending


@dataclass
class Phases:
    """How one build runs in the worker: the watermark before and after it, and what is done
    once the alert path is built (``record``: the build record for the checks, then the
    caller's ``on_alert_path``)."""

    dbt: DbtWorker
    record: Callable[[BuildReport], None]
    previous: BuildState | None
    built: BuildState | None
    describe: Callable[[BuildReport], None] = lambda report: None
    start: Callable[[], None] | None = None  # called once, before the first invocation


def _invoke(
    home: Home, phases: Phases, args: list[str], earlier: dict | None = None,
    *, manifest: bool = True,
) -> tuple[BuildReport, dict | None]:  # fmt: skip
    """One dbt invocation; BuildError when a node failed. ``earlier``: the run results of the
    build's first invocation, merged into this one's run_results.json, so the file (which
    Airflow's log, the tests and people read) still describes the whole build. ``manifest``:
    whether target/manifest.json is written too (the build's last invocation writes it)."""
    started = time.time()
    if phases.start is not None:
        start, phases.start = phases.start, None
        start()
    invocation = phases.dbt.invoke(args, manifest=manifest)
    target_path, _ = dbt_dirs(home)
    results_file = target_path / "run_results.json"
    results: dict | None = None
    if results_file.exists() and results_file.stat().st_mtime >= started:
        results = json.loads(results_file.read_text())
        if earlier is not None:
            results["results"] = earlier["results"] + results["results"]
            results["elapsed_time"] = earlier["elapsed_time"] + results["elapsed_time"]
            results["args"] = {**results.get("args", {}), "alert_path_args": earlier["args"]}
            atomic_write_text(results_file, json.dumps(results))
    report = _read_results(results)
    if not report.elapsed_s:
        report.elapsed_s = time.time() - started
    if invocation.returncode != 0 or report.failures:
        report.ok = False
        if not report.failures:
            # dbt failed before running nodes (parse or connection error): its lines say why
            tail = [line for line in invocation.lines if line.strip()][-15:]
            report.failures.append("dbt build failed before running nodes:\n" + "\n".join(tail))
        phases.describe(report)
        raise BuildError(
            f"dbt build failed for home {home.root} (exit {invocation.returncode}); "
            "failed nodes:\n  " + "\n  ".join(report.failures),
            report,
        )
    report.ok = True
    return report, results


def _build_locked(
    home: Home,
    select: str | None,
    phases: Phases,
    *,
    publish: bool = True,
    full_refresh: bool = False,
) -> BuildReport:
    # An incremental build leaves out what it cannot change: the unit tests (pure functions of
    # the dbt project, which is the one the last full build ran them on: else the build would
    # be full) and the source tests (they scan every lake file; the lake suites validate each
    # new batch: expectations/). A full build runs both.
    refresh = ["--full-refresh"] if full_refresh else []
    path = phases.dbt.alert_path if select is None else AlertPath()
    if not path.nodes:  # a --select build (or a project without the spike mart): one go
        exclude = [] if full_refresh else list(INCREMENTAL_EXCLUDES)
        args = ["build", *(["--select", select] if select else []), *refresh]
        report, _ = _invoke(home, phases, [*args, *(["--exclude", *exclude] if exclude else [])])
        phases.describe(report)
        phases.record(report)
    else:
        # Two invocations (--indirect-selection empty: selecting or leaving out a model does
        # not take its tests along). The watermark the on-run-end hook
        # writes (changes/state.parquet) stays the previous one until the second has built,
        # so a build that stops in between is applied again, whole, by the next one.
        exclude = [] if full_refresh else ["test_type:unit", *path.source_tests]
        write_build_state_file(home, phases.previous)
        units = list(path.unit_tests) if full_refresh else []
        first = ["build", "--indirect-selection", "empty", *path.selection(also=units)]
        first += refresh or ["--threads", str(ALERT_PATH_THREADS)]
        report, first_results = _invoke(home, phases, first, manifest=False)
        write_build_state_file(home, phases.built)
        phases.describe(report)
        phases.record(report)
        rest = ["build", "--indirect-selection", "empty", "--exclude", *path.names, *exclude]
        report, _ = _invoke(home, phases, [*rest, *refresh], first_results)
    if publish:
        report.exported = export_marts(home)
    return report
