"""The four Airflow DAGs: loaded by a real DagBag, run for real with ``dag.test()``.

Airflow reads its configuration when first imported, so the fixtures point it at a throwaway
AIRFLOW_HOME (SQLite metadata DB, migrated once by the real ``airflow db migrate``) before
anything imports ``airflow``; this module imports it only inside fixtures and tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from realreach_core.contract import MARTS
from tests.landingkit import corpus_file

REPO = Path(__file__).resolve().parents[1]
DAGS_FOLDER = REPO / "dags"
STAMP = "20261121T060000Z"
X_USER_ID = "2244994945"  # @TwitterDev, one of the users in the corpus lookup response

INGEST, TRANSFORM, CHECKS, ALERTS = (
    "realreach_ingest",
    "realreach_transform",
    "realreach_checks",
    "realreach_alerts",
)
PIPELINE = (INGEST, CHECKS, ALERTS)  # the chain the landing watch starts
DAGS = (INGEST, TRANSFORM, CHECKS, ALERTS)  # and the build by hand
ASSET_URIS = {
    "lake": "x-realreach://lake",
    "marts": "x-realreach://marts",
    "spikes": "x-realreach://spikes",
    "checks": "x-realreach://checks",
    "alerts": "x-realreach://alerts",
}
ALERT_CHANNEL_VARIABLES = (
    "REALREACH_ALERT_WEBHOOK",
    "REALREACH_SLACK_WEBHOOK",
    "REALREACH_SMTP_URL",
    "REALREACH_ALERT_EMAIL_TO",
)


# --- fixtures: an isolated Airflow, a realreach home, a local webhook receiver ----------------


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("airflow_home")
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }
    if "airflow.settings" in sys.modules:
        import airflow.settings

        if env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] != airflow.settings.SQL_ALCHEMY_CONN:
            pytest.fail(
                "airflow was imported before tests/test_dags.py could isolate it; "
                "import airflow only inside tests"
            )
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        started = time.perf_counter()
        migrate = subprocess.run(
            [sys.executable, "-m", "airflow", "db", "migrate"],
            capture_output=True,
            text=True,
            env=os.environ.copy(),
            timeout=300,
        )
        assert migrate.returncode == 0, migrate.stdout[-3000:] + migrate.stderr[-3000:]
        print(f"airflow db migrate: {time.perf_counter() - started:.1f}s")
        yield home


@pytest.fixture(scope="module")
def dagbag(airflow_home: Path) -> Any:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_FOLDER))


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:  # keep pytest output quiet
        pass


@pytest.fixture(scope="module")
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    handler = type("Receiver", (_Receiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/alerts", received
    finally:
        server.shutdown()
        server.server_close()


def _fill_landing(home: Any) -> dict[str, Any]:
    """Generated exports with injected bursts, plus the real X samples from the corpus."""
    from realreach_sim import generate

    labels = home.root / "labels.json"  # beside the landing: it is not an export
    generate(home.landing, accounts=4, days=60, seed=3, labels_path=labels)
    copies = {
        "users_resp.json": home.landing / "x" / "users" / f"{STAMP}.json",
        "timeline_tweets.json": home.landing / "x" / "tweets" / f"{X_USER_ID}_{STAMP}.json",
        "followers_resp.json": home.landing / "x" / "followers" / f"{X_USER_ID}_{STAMP}.json",
    }
    for name, target in copies.items():
        assert not target.exists(), f"the generator already wrote {target}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus_file(f"python-twitter/{name}"), target)
    return json.loads(labels.read_text())


@pytest.fixture(scope="module")
def pipeline(
    airflow_home: Path,
    webhook: tuple[str, list[dict[str, Any]]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Any]]:
    """Run the three DAGs of the chain once, in order, the way the asset chain would trigger them."""
    from airflow.dag_processing.dagbag import DagBag

    from realreach_core.home import Home

    # A bag of its own: without retries a failing task fails the test at once, not after
    # minutes of backoff (the retry settings themselves are checked on the shared bag).
    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    for dag in bag.dags.values():
        for task in dag.tasks:
            task.retries = 0
    home = Home.resolve(tmp_path_factory.mktemp("realreach_home")).ensure()
    labels = _fill_landing(home)
    url, _ = webhook
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REALREACH_HOME", str(home.root))
        for name in ALERT_CHANNEL_VARIABLES:
            mp.delenv(name, raising=False)
        # The Airflow connection must win over the variable, which points at a closed port:
        # were the variable used, the delivery would fail and the alerts task with it.
        mp.setenv("REALREACH_ALERT_WEBHOOK", "http://127.0.0.1:9/nobody-listens")
        mp.setenv(
            "AIRFLOW_CONN_REALREACH_WEBHOOK",
            json.dumps({"conn_type": "http", "host": url}),
        )
        runs = {}
        for dag_id in PIPELINE:
            started = time.perf_counter()
            runs[dag_id] = bag.dags[dag_id].test()
            print(f"{dag_id}: {time.perf_counter() - started:.1f}s")
        yield {"home": home, "runs": runs, "labels": labels, "bag": bag}


def _task_states(run: Any) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in run.get_task_instances()}


def _asset_events(uri: str) -> list[Any]:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        events = session.scalars(
            select(AssetEvent)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.uri == uri)
            .order_by(AssetEvent.id)
        ).all()
        session.expunge_all()
        return list(events)


# --- structure -------------------------------------------------------------------------------


def test_dagbag_loads_the_four_dags_without_import_errors(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    assert set(DAGS) <= set(dagbag.dag_ids)


def test_each_dag_is_scheduled_on_the_asset_its_upstream_produces(dagbag: Any) -> None:
    from airflow.sdk import Asset

    def outlets(dag_id: str) -> set[str]:
        dag = dagbag.dags[dag_id]
        return {a.uri for t in dag.tasks for a in t.outlets if isinstance(a, Asset)}

    def schedule(dag_id: str) -> set[str]:
        condition = dagbag.dags[dag_id].timetable.asset_condition
        return {asset.uri for asset in condition.objects if isinstance(asset, Asset)}

    # The ingest builds too: what arrived (LAKE), the marts and the audited spikes.
    assert outlets(INGEST) == {ASSET_URIS["lake"], ASSET_URIS["marts"], ASSET_URIS["spikes"]}
    # The same build by hand, started by nothing.
    assert dagbag.dags[TRANSFORM].schedule is None
    assert outlets(TRANSFORM) == {ASSET_URIS["marts"], ASSET_URIS["spikes"]}
    # Nothing waits on LAKE: the build that reads it runs in the ingest's task.
    assert all(ASSET_URIS["lake"] not in schedule(d) for d in (CHECKS, ALERTS))
    assert schedule(CHECKS) == {ASSET_URIS["marts"]}
    assert outlets(CHECKS) == {ASSET_URIS["checks"]}
    # Alerts wait for the spike mart's own suites only, not for the quality suites.
    assert schedule(ALERTS) == {ASSET_URIS["spikes"]}
    assert outlets(ALERTS) == {ASSET_URIS["alerts"]}


def test_spike_suites_and_alerts_come_before_the_quality_suites_and_publishing(
    dagbag: Any,
) -> None:
    """The build task alone announces SPIKES (it audits the spike mart between its alert path
    and the rest); the quality suites (which publish) and the gate follow in the checks DAG;
    alerts hang on SPIKES only."""
    from airflow.sdk import Asset

    def announcing(uri: str) -> set[tuple[str, str]]:
        return {
            (dag_id, t.task_id)
            for dag_id in DAGS
            for t in dagbag.dags[dag_id].tasks
            if any(isinstance(a, Asset) and a.uri == uri for a in t.outlets)
        }

    assert announcing(ASSET_URIS["spikes"]) == {
        (INGEST, "ingest_and_build"),
        (TRANSFORM, "build_marts"),
    }
    assert [t.task_id for t in dagbag.dags[INGEST].tasks] == ["ingest_and_build"]
    checks = dagbag.dags[CHECKS]
    assert {t.task_id for t in checks.tasks} == {"check_quality", "quality_gate"}
    assert checks.get_task("quality_gate").upstream_task_ids == {"check_quality"}


def test_ingest_is_started_by_the_landing_watch_and_every_dag_runs_one_at_a_time(
    dagbag: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from airflow.sdk import Asset

    from realreach.landing_watch import LandingFileTrigger

    ingest = dagbag.dags[INGEST]
    (landing,) = [
        a for a in ingest.timetable.asset_condition.objects if isinstance(a, Asset)
    ]  # no clock: one asset, nothing else
    assert landing.uri == "x-realreach://landing"
    (watcher,) = landing.watchers
    assert isinstance(watcher.trigger, LandingFileTrigger)
    assert ingest.catchup is False
    for dag_id in DAGS:
        dag = dagbag.dags[dag_id]
        assert dag.max_active_runs == 1, dag_id
        for task in dag.tasks:
            if task.task_id == "quality_gate":
                assert task.retries == 0  # a failed suite fails the same way again
                continue
            assert task.retries >= 2, task.task_id
            assert task.retry_exponential_backoff > 1, task.task_id
            assert task.max_retry_delay is not None, task.task_id

    # The triggerer rebuilds the trigger from its classpath and kwargs: both must round-trip,
    # and the watched folder is REALREACH_HOME's landing when the DAG file is parsed.
    monkeypatch.setenv("REALREACH_HOME", str(tmp_path))
    monkeypatch.setenv("REALREACH_LANDING_POLL_SECONDS", "0.5")
    from realreach.orchestration import landing_asset

    classpath, kwargs = landing_asset().watchers[0].trigger.serialize()
    module, _, name = classpath.rpartition(".")
    rebuilt = getattr(__import__(module, fromlist=[name]), name)(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)
    assert kwargs["directory"] == str(tmp_path / "landing")
    assert kwargs["poll_seconds"] == 0.5


def test_landing_watch_announces_complete_new_or_changed_files_once(airflow_home: Path) -> None:
    from realreach.landing_watch import LandingWatch

    second = 1_000_000_000
    watch = LandingWatch(settle_seconds=1.0)
    now = 100 * second
    old = (10, now - 5 * second)
    # not written to for 5 s (its mtime): complete at the first look, renamed in or not
    assert watch.poll({"x/users/a.json": old}, now) == ["x/users/a.json"]
    assert watch.poll({"x/users/a.json": old}, now + second) == []  # announced already
    fresh = (7, now + 2 * second)  # written just now: waits until it has settled
    files = {"x/users/a.json": old, "x/tweets/b.json": fresh}
    assert watch.poll(files, now + 2 * second) == []
    assert watch.poll(files, now + 2 * second + second // 2) == []  # still maybe growing
    assert watch.poll(files, now + 3 * second) == ["x/tweets/b.json"]
    growing = {"x/users/a.json": (15, now + 3 * second + second // 2), "x/tweets/b.json": fresh}
    assert watch.poll(growing, now + 4 * second) == []  # re-pulled, written 0.5 s ago
    grown = {"x/users/a.json": (20, now + 4 * second), "x/tweets/b.json": fresh}
    assert watch.poll(grown, now + 4 * second + second // 2) == []
    assert watch.poll(grown, now + 5 * second) == ["x/users/a.json"]
    # A file taken away and dropped again (backfill) is news again.
    assert watch.poll({"x/tweets/b.json": fresh}, now + 6 * second) == []
    assert watch.poll(grown, now + 7 * second) == ["x/users/a.json"]


def test_landing_scan_skips_files_still_being_written(airflow_home: Path, tmp_path: Path) -> None:
    from realreach.landing_watch import scan_signatures

    landing = tmp_path / "landing"
    for rel in (
        "x/users/20261121T060000Z.json",
        "x/users/20261121T070000Z.json.part",
        "x/followers/1_20261121T060000Z.json.tmp",
        "x/followers/.1_20261121T060000Z.json.abc123",  # rsync's hidden temp name
        ".sync/x/users/20261121T060000Z.json",
        "accounts.csv",
    ):
        (landing / rel).parent.mkdir(parents=True, exist_ok=True)
        (landing / rel).write_text("{}")
    found = scan_signatures(landing)
    assert sorted(found) == ["accounts.csv", "x/users/20261121T060000Z.json"]
    assert found["accounts.csv"][0] == 2  # size from the stat scandir already did
    assert scan_signatures(tmp_path / "missing") == {}


def test_landing_scan_between_polls_sees_what_a_full_scan_sees_at_the_cost_of_what_changed(
    airflow_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from realreach import landing_watch
    from realreach.landing_watch import LandingScan, scan_signatures

    landing = tmp_path / "landing"
    second = 1_000_000_000
    now = time.time_ns()
    old = now - 60 * second

    def drop(rel: str, text: str = "{}", mtime_ns: int = old) -> Path:
        path = landing / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.utime(path, ns=(mtime_ns, mtime_ns))
        return path

    stamps = iter(range(old, now - 30 * second, 1_000_000))

    def age_folders() -> None:
        """Folders the file system just touched get an mtime of their own a minute ago, as
        if the change were that old (no racy listing); the others keep theirs."""
        for folder in [landing, *(p for p in landing.rglob("*") if p.is_dir())]:
            if folder.stat().st_mtime_ns > now - 30 * second:
                stamp = next(stamps)
                os.utime(folder, ns=(stamp, stamp))

    listed: list[str] = []
    real_scandir = os.scandir

    def counting_scandir(path: Any) -> Any:
        listed.append(os.path.relpath(path, landing))
        return real_scandir(path)

    monkeypatch.setattr(landing_watch.os, "scandir", counting_scandir)

    def poll(at: int) -> list[str]:
        """The folders a poll at ``at`` listed; its answer must be a full scan's."""
        listed.clear()
        got = scan.snapshot(at)
        looked = sorted(listed)
        assert got == scan_signatures(landing)
        return looked

    for day in range(3):
        drop(f"x/users/2026112{day}T060000Z.json")
        drop(f"instagram/media/1_2026112{day}T060000Z.json")
    age_folders()
    scan = LandingScan(landing, settle_seconds=1.0, full_every_s=3600)
    assert scan.snapshot(now) == scan_signatures(landing)

    # Nothing changed: no folder is listed, and the answer is the same.
    assert poll(now + second) == []

    # A new file in one folder: that folder alone is listed again.
    drop("x/users/20261123T060000Z.json")
    os.utime(landing / "x" / "users", ns=(now, now))
    assert poll(now + 3 * second) == ["x/users"]

    # A file still being written in a folder whose names did not change: looked at again
    # each poll, so its growth is seen without listing anything.
    growing = drop("linkedin/network_sizes/1_20261123T060000Z.json", "{", now + 3 * second)
    age_folders()
    scan.snapshot(now + 4 * second)  # written 1 s ago: not settled
    growing.write_text("{}   ")  # in place: the folder's names, and so its mtime, stay
    os.utime(growing, ns=(now + 4 * second, now + 4 * second))
    assert poll(now + 5 * second) == []

    # A new folder, a removed file, a partial name renamed into place.
    drop("facebook/posts/1_20261123T060000Z.json")
    (landing / "x" / "users" / "20261120T060000Z.json").unlink()
    part = drop("instagram/media/1_20261124T060000Z.json.part")
    part.rename(part.with_suffix(""))
    poll(now + 6 * second)
    # A folder removed: it and its files are gone from the answer.
    for path in (landing / "facebook" / "posts").iterdir():
        path.unlink()
    (landing / "facebook" / "posts").rmdir()
    poll(now + 7 * second)
    assert not any(rel.startswith("facebook/posts") for rel in scan.snapshot(now + 8 * second))

    # A settled file rewritten in place keeps its folder's mtime: seen at the next full scan.
    age_folders()
    scan.snapshot(now + 9 * second)
    rewritten = drop("x/users/20261121T060000Z.json", '{"data": [1]}', mtime_ns=old + second)
    age_folders()
    assert (
        scan.snapshot(now + 10 * second)["x/users/20261121T060000Z.json"]
        != (scan_signatures(landing)["x/users/20261121T060000Z.json"])
    )
    scan.full_every_s = 0
    poll(now + 11 * second)
    assert rewritten.stat().st_size == scan_signatures(landing)["x/users/20261121T060000Z.json"][0]


def test_landing_trigger_fires_in_an_event_loop_when_a_file_is_renamed_into_place(
    airflow_home: Path, tmp_path: Path
) -> None:
    import asyncio

    from realreach.landing_watch import LandingFileTrigger

    landing = tmp_path / "landing"
    (landing / "x" / "users").mkdir(parents=True)
    partial = landing / "x" / "users" / "20261121T060000Z.json.part"
    trigger = LandingFileTrigger(directory=str(landing), poll_seconds=0.05, settle_seconds=0.0)

    async def watch() -> Any:
        events = trigger.run()
        partial.write_text('{"data": []')  # half written: no event
        pending = asyncio.ensure_future(anext(events))
        done, _ = await asyncio.wait({pending}, timeout=0.5)
        assert not done, "fired for a .part file"
        partial.write_text('{"data": []}')
        partial.rename(partial.with_suffix(""))
        event = await asyncio.wait_for(pending, 5)
        await events.aclose()
        return event

    event = asyncio.run(watch())
    assert event.payload["files"] == 1
    assert event.payload["platforms"] == ["x"]
    assert event.payload["sample"] == ["x/users/20261121T060000Z.json"]


def test_parsing_the_dags_imports_no_pipeline_code(airflow_home: Path) -> None:
    # A fresh interpreter, so modules other tests imported do not hide a heavy import.
    heavy = ["pyarrow", "duckdb", "dbt", "great_expectations", "pandas", "ingestion"]
    code = (
        "import sys\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(DAGS_FOLDER)!r})\n"
        "assert not bag.import_errors, bag.import_errors\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}"
        " or m.startswith('expectations.') or m == 'realreach.transform'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy()
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


# --- end to end ------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_dag_chain_runs_the_pipeline_end_to_end(pipeline: dict[str, Any]) -> None:
    import duckdb

    home, runs = pipeline["home"], pipeline["runs"]
    for dag_id in PIPELINE:
        assert str(runs[dag_id].state) == "success", (dag_id, _task_states(runs[dag_id]))
        assert set(_task_states(runs[dag_id]).values()) == {"success"}, dag_id

    lake_files = list(home.lake.glob("platform=x/kind=*/date=*/*.parquet"))
    assert {p.parts[-3] for p in lake_files} >= {"kind=users", "kind=tweets", "kind=followers"}

    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        tables = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        assert set(MARTS) <= tables
        (accounts,) = con.execute("select count(*) from marts.dim_accounts").fetchone()
        (corpus_user,) = con.execute(
            "select count(*) from marts.dim_accounts where platform = 'x' and account_id = ?",
            [X_USER_ID],
        ).fetchone()
    finally:
        con.close()
    assert accounts >= 4
    assert corpus_user == 1


@pytest.mark.slow
def test_asset_events_carry_what_arrived_and_what_was_built(pipeline: dict[str, Any]) -> None:
    lake = _asset_events(ASSET_URIS["lake"])[0]
    landed = sorted(
        p.relative_to(pipeline["home"].landing).as_posix()
        for p in pipeline["home"].landing.rglob("*")
        if p.is_file()
    )
    assert lake.extra["files_ingested"] == len(landed)
    assert lake.extra["rows"] == sum(lake.extra["rows_by_kind"].values()) > 0
    assert lake.extra["rows_by_kind"]["x/followers"] > 0
    assert "x" in lake.extra["platforms"]
    # The list of files is capped; the count is not.
    assert len(lake.extra["files"]) == min(len(landed), 50)
    assert lake.extra["files_truncated"] is (len(landed) > 50)

    marts = _asset_events(ASSET_URIS["marts"])[0]
    assert marts.extra["models_ok"] > 0
    assert marts.extra["tests_failed"] == 0

    checks = _asset_events(ASSET_URIS["checks"])[0]
    spikes = checks.extra["suspicious_spikes"]
    assert spikes >= 1
    assert checks.extra["data_quality_ok"] is True, checks.extra["suites_failed"]
    assert checks.extra["suites_failed"] == []
    assert checks.extra["suites"] > 0

    # The build audited the same spikes first, between its alert path and the rest, and
    # delivered their alerts itself (through the Airflow connection, not the variable).
    (audited,) = _asset_events(ASSET_URIS["spikes"])
    assert audited.source_task_id == "ingest_and_build"
    assert audited.extra["suspicious_spikes"] == spikes and audited.extra["audited"]
    assert audited.extra["validated"] is True
    assert audited.timestamp < checks.timestamp
    assert audited.extra["alerts"]["new"] == spikes
    assert audited.extra["alerts"]["undelivered"] == 0
    assert audited.extra["alerts"]["delivered_by_channel"] == {"webhook": spikes}

    # The alerts DAG found nothing new and nothing owed.
    alerts = _asset_events(ASSET_URIS["alerts"])[0]
    assert alerts.extra["new"] == 0
    assert alerts.extra["already_known"] == spikes
    assert alerts.extra["undelivered"] == 0


@pytest.mark.slow
def test_alerts_land_once_per_bought_burst_and_reach_the_webhook(
    pipeline: dict[str, Any], webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    home = pipeline["home"]
    lines = [json.loads(line) for line in home.alerts_file.read_text().splitlines() if line]
    assert lines, "no alert for the generated bought-follower bursts"
    for alert in lines:
        assert alert["verdict"] == "suspicious"
        assert alert["reasons"]
    bursts = [e for e in pipeline["labels"]["events"] if e["type"] == "bought_followers"]
    assert len(bursts) >= 2
    # Detection quality is judged elsewhere (realreach_sim.evaluation); here: the chain of DAGs
    # turns at least one injected burst into an alert.
    caught = [
        burst
        for burst in bursts
        if any(
            str(a["account_id"]) == str(burst["account_id"])
            and str(a["spike_start"])[:10] <= burst["end"]
            and str(a["spike_end"])[:10] >= burst["start"]
            for a in lines
        )
    ]
    assert caught, (bursts, lines)

    _, received = webhook
    assert len(received) == len(lines)
    assert {(a["platform"], a["account_id"], a["spike_start"]) for a in received} == {
        (a["platform"], a["account_id"], a["spike_start"]) for a in lines
    }

    # Alerting again on the same checks adds nothing: one alert per spike.
    again = pipeline["bag"].dags[ALERTS].test()
    assert str(again.state) == "success"
    assert len(home.alerts_file.read_text().splitlines()) == len(lines)
    assert len(received) == len(lines)


@pytest.mark.slow
def test_dbt_results_of_every_node_with_mart_rows(pipeline: dict[str, Any]) -> None:
    import duckdb

    from realreach.orchestration import log_dbt_results

    home = pipeline["home"]
    nodes = log_dbt_results(home)  # what the ingest's build logged
    assert nodes == sorted(nodes, key=lambda n: -n.seconds)
    assert {n.status for n in nodes} <= {"success", "pass"}
    models = {n.name: n for n in nodes if n.resource == "model"}
    assert set(MARTS) <= set(models)
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        for mart in MARTS:
            (rows,) = con.execute(f"select count(*) from marts.{mart}").fetchone()
            assert models[mart].rows == rows, mart
    finally:
        con.close()
    tests = [n for n in nodes if n.resource == "test"]
    assert tests and all(n.rows == 0 for n in tests)  # a test's rows are its failing rows


@pytest.mark.slow
def test_a_second_ingest_with_nothing_new_skips_and_emits_no_event(
    pipeline: dict[str, Any],
) -> None:
    before = len(_asset_events(ASSET_URIS["lake"]))
    run = pipeline["bag"].dags[INGEST].test()
    assert str(run.state) == "success"
    assert _task_states(run) == {"ingest_and_build": "skipped"}
    assert len(_asset_events(ASSET_URIS["lake"])) == before


@pytest.mark.slow
def test_the_build_by_hand_adds_no_alert(pipeline: dict[str, Any]) -> None:
    marts_before = len(_asset_events(ASSET_URIS["marts"]))
    run = pipeline["bag"].dags[TRANSFORM].test()
    assert str(run.state) == "success"
    assert _task_states(run) == {"build_marts": "success"}
    assert len(_asset_events(ASSET_URIS["marts"])) == marts_before + 1
    spikes = _asset_events(ASSET_URIS["spikes"])[-1]
    assert spikes.source_task_id == "build_marts"
    assert spikes.extra["alerts"]["new"] == 0  # the ingest's build alerted already


# --- alert channels from Airflow connections ---------------------------------------------------


def test_slack_and_smtp_connections_deliver_through_the_provider_hooks(
    airflow_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    from realreach.airflow_local import WebhookReceiver, free_port
    from realreach.alerts import RetryPolicy, raise_alerts, read_alerts
    from realreach.orchestration import alert_channels
    from realreach_core.home import Home

    class Inbox:
        def __init__(self) -> None:
            self.messages: list[Any] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    slack, webhook = WebhookReceiver(), WebhookReceiver()
    secret = "T000/B000/s3cr3tT0ken"
    slack_url = slack.url.replace("/realreach-alerts", f"/services/{secret}")
    try:
        for name in ALERT_CHANNEL_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv("AIRFLOW_CONN_REALREACH_WEBHOOK", raising=False)  # pipeline's
        monkeypatch.setenv("REALREACH_ALERT_WEBHOOK", webhook.url)  # no connection: env stays
        monkeypatch.setenv("REALREACH_SLACK_WEBHOOK", "http://127.0.0.1:9/overridden")
        monkeypatch.setenv(
            "AIRFLOW_CONN_REALREACH_SLACK",
            json.dumps({"conn_type": "slackwebhook", "password": slack_url}),
        )
        monkeypatch.setenv(
            "AIRFLOW_CONN_REALREACH_SMTP",
            json.dumps(
                {
                    "conn_type": "smtp",
                    "host": "127.0.0.1",
                    "port": smtp.port,
                    "extra": {"disable_ssl": True, "disable_tls": True, "to": "a@example.com"},
                }
            ),
        )
        channels = alert_channels()
        assert [(type(c).__name__, c.name) for c in channels] == [
            ("SlackHookChannel", "slack"),
            ("SmtpHookChannel", "email"),
            ("WebhookChannel", "webhook"),
        ]
        caplog.set_level(logging.DEBUG)
        home = Home(tmp_path / "home").ensure()
        spike = {
            "platform": "x",
            "account_id": "1001",
            "spike_start": "2026-03-06",
            "spike_end": "2026-03-07",
            "followers_gained": 5200,
            "expected_gained": 40.0,
            "suspicion_score": 0.91,
            "verdict": "suspicious",
            "reasons": "+5200 in 2 days vs ~40 expected",
        }
        fast = RetryPolicy(attempts=2, base_delay=0.01)
        report = raise_alerts(home, [spike], channels=channels, retry=fast)
        assert report.delivered == {"slack": 1, "email": 1, "webhook": 1}
        (posted,) = slack.wait_for(1, timeout=5)
        assert posted.path == f"/services/{secret}"
        assert "Suspicious follower spike" in posted.body["text"] and "1001" in posted.body["text"]
        (mail,) = inbox.messages
        assert mail["To"] == "a@example.com" and "1001" in mail["Subject"]
        assert webhook.wait_for(1, timeout=5)[0].body["account_id"] == "1001"

        # Slack goes away: the next spike stays owed to Slack alone, and is sent once it is back.
        slack.close()
        other = spike | {"account_id": "1002", "spike_start": "2026-03-08"}
        report = raise_alerts(home, [spike, other], channels=alert_channels(), retry=fast)
        assert report.undelivered == {"slack": 1, "email": 0, "webhook": 0}
        owed = [a for a in read_alerts(home) if a["delivery"]["slack"]["status"] != "delivered"]
        assert [a["account_id"] for a in owed] == ["1002"]
        assert len(inbox.messages) == 2 and len(webhook.received) == 2
        logged = caplog.text + "".join(str(r.args) for r in caplog.records)
        assert secret not in logged
        assert secret not in home.alerts_file.read_text()
    finally:
        smtp.stop()
        webhook.close()
