"""Team mode's warehouse on real servers: a DuckLake with its catalog in PostgreSQL and its
data in SeaweedFS (S3), written by separate processes, read by a read-only attach.

These pin the DuckLake behaviour team mode's shards rely on, for the versions pinned in
pyproject.toml: if an upgrade changes the conflict rules, they fail here first."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from realreach.ducklake import DuckLakeWarehouse, ObjectStore, partition_by
from tests.services import Postgres, SeaweedS3

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def warehouse(postgres: Postgres, s3: SeaweedS3) -> DuckLakeWarehouse:
    """A new, empty DuckLake per test: its own catalog database and data prefix."""
    name = f"lake_{uuid.uuid4().hex[:8]}"
    return DuckLakeWarehouse(
        catalog=postgres.create_database(name),
        data_path=f"s3://realreach/{name}/",
        store=ObjectStore(s3.endpoint, s3.key_id, s3.secret),
    )


def writers(warehouse: DuckLakeWarehouse, *jobs: list[list[str]], hold: float = 1.5,
            stagger: float = 0.3) -> list[list[str]]:  # fmt: skip
    """Each job (a list of transactions) in a process of its own, all overlapping: BEGIN,
    statements, ``hold`` seconds, COMMIT. Returns each job's outcomes ("ok" or the error)."""
    spec = {"catalog": warehouse.catalog, "data_path": warehouse.data_path,
            "store": dataclasses.asdict(warehouse.store)}  # fmt: skip
    start = time.time() + 4  # time for every process to import, load and attach
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.ducklake_worker",
                json.dumps(
                    {
                        "warehouse": spec,
                        "start_at": start + i * stagger,
                        "transactions": job,
                        "hold": hold,
                    }
                ),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, job in enumerate(jobs)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_the_warehouse_attaches_with_its_files_in_object_storage(
    warehouse: DuckLakeWarehouse,
) -> None:
    con = warehouse.connect()
    con.execute("CREATE TABLE t AS SELECT range AS v FROM range(10)")
    files = con.sql("SELECT data_file FROM ducklake_list_files('lake', 't')").fetchall()
    assert files and all(f.startswith(warehouse.data_path) for (f,) in files), files
    assert con.sql("SELECT sum(v) FROM t").fetchone() == (45,)
    assert "secret" not in repr(warehouse.store) and "password" not in repr(warehouse)


def test_appends_to_one_table_and_replacements_of_two_tables_commit_side_by_side(
    warehouse: DuckLakeWarehouse,
) -> None:
    warehouse.connect().execute("CREATE TABLE t (shard INTEGER, v INTEGER)")
    outcomes = writers(
        warehouse,
        [["INSERT INTO t SELECT 0, range FROM range(100)"],
         ["CREATE OR REPLACE TABLE a AS SELECT 1 AS x"]],
        [["INSERT INTO t SELECT 1, range FROM range(100)"],
         ["CREATE OR REPLACE TABLE b AS SELECT 2 AS x"]],
    )  # fmt: skip
    assert outcomes == [["ok", "ok"], ["ok", "ok"]]
    con = warehouse.connect(read_only=True)
    assert con.sql("SELECT shard, count(*) FROM t GROUP BY ALL ORDER BY 1").fetchall() == [
        (0, 100),
        (1, 100),
    ]
    assert con.sql("SELECT (SELECT x FROM a), (SELECT x FROM b)").fetchone() == (1, 2)


def test_shards_rewriting_their_rows_conflict_in_a_shared_file_and_not_once_partitioned(
    warehouse: DuckLakeWarehouse,
) -> None:
    con = warehouse.connect()
    # Both shards' rows in one data file, then each shard rewrites its own: a conflict.
    con.execute("CREATE TABLE shared AS SELECT range % 2 AS shard, 'old' AS gen FROM range(10)")
    # The same, partitioned by shard before the rows go in: one file per shard.
    con.execute("CREATE TABLE sharded (shard INTEGER, gen VARCHAR)")
    partition_by(con, "sharded", "shard")
    con.execute("INSERT INTO sharded SELECT range % 2, 'old' FROM range(10)")
    per_shard = con.sql("SELECT count(*) FROM ducklake_list_files('lake', 'sharded')").fetchone()
    assert per_shard == (2,)

    def rewrite(table: str, shard: int) -> list[str]:
        return [f"DELETE FROM {table} WHERE shard = {shard}",
                f"INSERT INTO {table} SELECT {shard}, 'new' FROM range(5)"]  # fmt: skip

    shared = writers(warehouse, [rewrite("shared", 0)], [rewrite("shared", 1)])
    assert shared[0] == ["ok"]
    assert "Transaction conflict" in shared[1][0] and "delete from file" in shared[1][0]
    assert con.sql(
        "SELECT shard, gen, count(*) FROM shared GROUP BY ALL ORDER BY 1"
    ).fetchall() == [
        (0, "new", 5),
        (1, "old", 5),  # the loser's work rolled back whole
    ]

    sharded = writers(warehouse, [rewrite("sharded", 0)], [rewrite("sharded", 1)])
    assert sharded == [["ok"], ["ok"]]
    assert con.sql(
        "SELECT shard, gen, count(*) FROM sharded GROUP BY ALL ORDER BY 1"
    ).fetchall() == [(0, "new", 5), (1, "new", 5)]


def test_a_read_only_reader_sees_only_whole_snapshots_while_a_writer_commits(
    warehouse: DuckLakeWarehouse,
) -> None:
    warehouse.connect().execute("CREATE TABLE t (v INTEGER)")
    reader = warehouse.connect(read_only=True)
    seen: list[int] = []
    errors: list[str] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                # a new snapshot each query: the writer's commits show up as they land
                seen.append(reader.sql("SELECT count(*) FROM t").fetchone()[0])
            except Exception as exc:
                errors.append(str(exc))
            time.sleep(0.05)

    thread = threading.Thread(target=read)
    thread.start()
    # ten commits of two inserts each, the halves apart in time: never seen half done
    commits = [["INSERT INTO t SELECT range FROM range(100)",
                "INSERT INTO t SELECT range FROM range(100)"]] * 10  # fmt: skip
    (outcomes,) = writers(warehouse, commits, hold=0.3)
    time.sleep(0.5)
    done.set()
    thread.join()
    assert outcomes == ["ok"] * 10
    assert errors == []
    assert seen[-1] == 2000
    assert {n % 200 for n in seen} == {0}, sorted(set(seen))
    assert len(set(seen)) > 2, "the reader saw the commits land one by one"
    with pytest.raises(Exception, match="read-only"):
        reader.execute("INSERT INTO t VALUES (1)")
