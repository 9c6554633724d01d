"""The incremental fast path of ingestion: known files are neither opened nor hashed again,
touched ones are, and the parallel, chunk-validated path lands exactly what the serial one does."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

import ingestion.landing
import ingestion.manifest
import ingestion.parallel
import ingestion.run
from ingestion.reading import read_landing
from ingestion.run import ingest_landing
from realreach_core.home import Home
from realreach_sim.scale import write_scale
from tests.landingkit import lake_rows, land, x_archive

START = date(2026, 1, 1)
LANDED_AT_NS = 1_767_830_400 * 10**9  # 2026-01-08, long settled


def _scale_home(root: Path, accounts: int = 4, days: int = 6) -> Home:
    home = Home(root).ensure()
    write_scale(home.landing, accounts=accounts, days=range(days), start=START, seed=5, workers=1)
    then = LANDED_AT_NS  # one fixed time: the registry is "as of" its mtime
    for path in home.landing.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(then, then))
    return home


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every landing file read (and so hashed: ``read_landing`` hashes as it reads)."""
    seen: list[str] = []

    def counting(file, **kwargs):
        seen.append(file.rel)
        return read_landing(file, **kwargs)

    monkeypatch.setattr(ingestion.parallel, "read_landing", counting)
    monkeypatch.setattr(ingestion.run, "read_landing", counting)
    return seen


def test_a_rerun_over_known_files_opens_and_hashes_none(tmp_path: Path, reads: list[str]) -> None:
    home = _scale_home(tmp_path / "home")
    first = ingest_landing(home, workers=1)
    assert first.files_ingested == len(reads) > 20
    assert not first.quarantined
    reads.clear()
    again = ingest_landing(home, workers=1)
    assert (again.files_ingested, again.files_skipped, reads) == (0, first.files_ingested, [])


def test_a_touched_file_is_rehashed_and_an_edited_one_supersedes(
    tmp_path: Path, reads: list[str]
) -> None:
    home = _scale_home(tmp_path / "home")
    ingest_landing(home, workers=1)
    users = sorted((home.landing / "x" / "users").iterdir())
    touched, edited = users[0], users[1]
    then = touched.stat().st_mtime_ns + 10**9
    os.utime(touched, ns=(then, then))  # same bytes, new mtime: re-hashed, found known
    body = json.loads(edited.read_text())
    body["data"][0]["public_metrics"]["followers_count"] += 1
    edited.write_text(json.dumps(body))
    os.utime(edited, ns=(then, then))
    reads.clear()
    report = ingest_landing(home, workers=1)
    rel = lambda p: p.relative_to(home.landing).as_posix()  # noqa: E731
    assert sorted(reads) == sorted([rel(touched), rel(edited)])
    assert report.files_ingested == 1 and report.superseded == [rel(edited)]
    reads.clear()
    assert ingest_landing(home, workers=1).files_ingested == 0
    assert reads == [], "the new mtimes were remembered"


def _rows(home: Home, platform: str, kind: str) -> list[tuple]:
    return sorted(
        tuple(sorted((k, str(v)) for k, v in row.items() if k != "ingested_at"))
        for row in lake_rows(home, platform, kind)
    )


def test_parallel_workers_land_exactly_what_one_process_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = _scale_home(tmp_path / "serial", accounts=6, days=5)
    parallel = _scale_home(tmp_path / "parallel", accounts=6, days=5)
    monkeypatch.setattr(ingestion.run, "PARALLEL_MIN_FILES", 0)
    monkeypatch.setattr(ingestion.run, "CHUNK_FILES", 7)  # many chunks, several per worker
    one = ingest_landing(serial, workers=1)
    two = ingest_landing(parallel, workers=2)
    assert one.rows_by_kind == two.rows_by_kind and one.rows > 100
    assert sorted(one.new_files) == sorted(two.new_files)
    for key in one.rows_by_kind:
        platform, kind = key.split("/")
        assert _rows(serial, platform, kind) == _rows(parallel, platform, kind), key


def test_the_change_log_names_exactly_the_rows_each_lake_file_and_landing_file_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parse workers range the rows they write, also when they leave a file out (a
    repeat of another's identity) and when one file feeds several lake tables (an X
    archive): the change log the incremental build reads says, per lake file and per landing
    file version, exactly which accounts and dates the rows cover, as the lake files
    themselves say when read back."""
    import csv
    import io
    import sqlite3

    import pyarrow.parquet as pq

    home = _scale_home(tmp_path / "home", accounts=5, days=5)
    monkeypatch.setattr(ingestion.run, "PARALLEL_MIN_FILES", 0)
    monkeypatch.setattr(ingestion.run, "CHUNK_FILES", 9)
    # a second copy of a file under another page number: the same identity, skipped, so its
    # chunk is taken in part
    original = sorted((home.landing / "x" / "users").iterdir())[3]
    copy = original.with_name(original.stem + "_002.json")
    copy.write_bytes(original.read_bytes())
    os.utime(copy, ns=(LANDED_AT_NS, LANDED_AT_NS))
    # an X archive: one landing file feeding several lake tables, each with its own ranges
    archive = home.landing / "x" / "archive" / "4242_20260103T060000Z.zip"
    archive.parent.mkdir(parents=True)
    archive.write_bytes(x_archive("4242", followers=["11", "12"], following=["13"]))
    os.utime(archive, ns=(LANDED_AT_NS, LANDED_AT_NS))
    # X tweet activity CSVs, named by handle: parsed in the runner after the walk, and written
    # and ranged there (two months: two days' files)
    handle = next(
        row["handle"] for row in csv.DictReader(io.StringIO(
            (home.landing / "accounts.csv").read_text())) if row["platform"] == "x"
    )  # fmt: skip
    for month, day in (("01", "2026-01-12"), ("02", "2026-02-03")):
        name = f"tweet_activity_metrics_{handle}_2026{month}01_2026{month}28_en.csv"
        activity = home.landing / "x" / "analytics" / name
        activity.parent.mkdir(parents=True, exist_ok=True)
        activity.write_text(
            '"Tweet id","Tweet permalink","Tweet text","time","impressions","engagements"\n'
            f'"10{month}","https://x.com/{handle}/status/10{month}","hi","{day} 18:32 +0000",'
            '"424.0","12"\n'
        )
        os.utime(activity, ns=(LANDED_AT_NS, LANDED_AT_NS))
    report = ingest_landing(home, workers=2)
    assert report.files_skipped == 1 and not report.quarantined
    assert {"x/archive_account", "x/archive_relations"} <= set(report.rows_by_kind)
    assert report.rows_by_kind["x/analytics"] == 2
    held = [f for f in report.lake_files if f.endswith("-r.parquet")]
    assert len(held) == 2

    want_lake: set[tuple] = set()
    want_files: dict[tuple, list] = {}
    for part in home.lake.glob("platform=*/kind=*/date=*/part-*.parquet"):
        kind = part.parent.parent.name.removeprefix("kind=")
        rows = pq.read_table(part, partitioning=None).to_pylist()
        days: dict[tuple, list] = {}
        for row in rows:
            day = row["observed_at"].date().isoformat()
            days.setdefault((row["platform"], row["account_id"]), []).append(day)
            key = (row["source_file"], row["source_sha256"], row["platform"], kind,
                   row["account_id"])  # fmt: skip
            want_files.setdefault(key, []).append(day)
        rel = part.relative_to(home.lake).as_posix()
        want_lake |= {(rel, p, kind, a, min(d), max(d)) for (p, a), d in days.items()}
    with sqlite3.connect(home.manifest) as db:
        lake = set(db.execute(
            "select lake_file, platform, kind, account_id, min_date, max_date from changes "
            "where change = 'lake_file'"
        ))  # fmt: skip
        files = set(db.execute("select * from file_ranges"))
    assert lake == want_lake and len(lake) > 30
    assert files == {(*k, min(d), max(d)) for k, d in want_files.items()}
    # a range per file, but the registry's (one per account: 5) and the archive's (2 tables)
    assert len(files) == report.files_ingested - 1 + 5 + 1


def test_one_bad_value_in_a_chunk_quarantines_only_its_file(tmp_path: Path) -> None:
    home = _scale_home(tmp_path / "home")
    bad = "instagram/users/17841400000000999_20260103T235000Z.json"
    land(home, bad, json.dumps({"id": "17841400000000999", "followers_count": -4}))
    report = ingest_landing(home, workers=1)
    assert [path for path, _ in report.quarantined] == [bad]
    assert "followers_count = -4" in report.quarantined[0][1]
    assert report.files_ingested == report.files_seen - 1
    ids = {row["account_id"] for row in lake_rows(home, "instagram", "users")}
    assert "17841400000000999" not in ids and ids


def test_a_rerun_skips_known_files_without_describing_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Known, untouched files are skipped on (path, size, mtime) and their identity alone; a
    new file is described once, where it is read."""
    home = _scale_home(tmp_path / "home")
    first = ingest_landing(home, workers=1)
    described: list[str] = []
    real = ingestion.run.describe

    def counting(landing, path, parts=None, info=None):
        described.append("/".join(parts))
        return real(landing, path, parts, info)

    monkeypatch.setattr(ingestion.run, "describe", counting)
    monkeypatch.setattr(ingestion.landing, "describe", counting)  # where files are read
    again = ingest_landing(home, workers=1)
    assert (again.files_skipped, described) == (first.files_ingested, [])
    new = sorted((home.landing / "x" / "users").iterdir())[0]
    account, stamp = new.stem.rsplit("_", 1)
    later = new.with_name(f"{account}_2027{stamp[4:]}.json")  # the same pull a year later
    later.write_bytes(new.read_bytes())
    os.utime(later, ns=(LANDED_AT_NS, LANDED_AT_NS))
    third = ingest_landing(home, workers=1)
    assert described == [later.relative_to(home.landing).as_posix()]
    assert (third.files_ingested, third.files_skipped) == (1, first.files_ingested)


def test_a_parse_worker_never_imports_pandas(tmp_path: Path) -> None:
    """pyarrow would import pandas (a second or more per worker) to convert our rows."""
    import subprocess
    import sys

    home = _scale_home(tmp_path / "home", accounts=2, days=2)
    script = (
        "import sys\n"
        "from datetime import UTC, datetime\n"
        "from ingestion.landing import scan\n"
        "from ingestion.parallel import init_worker, parse_chunk\n"
        "init_worker()\n"
        f"files = list(scan(__import__('pathlib').Path({str(home.landing)!r})))\n"
        "chunk = parse_chunk(files, [None] * len(files), datetime.now(UTC))\n"
        "rows = sum(s.table.num_rows for s in chunk.splits.values())\n"
        "bad = [p.reason for p in chunk.files if p.status != 'ok']\n"
        "print(rows, bad, 'pandas' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True,
                         text=True, check=True).stdout.split()  # fmt: skip
    assert int(out[0]) > 0 and out[1:] == ["[]", "False"]


def test_a_changed_size_under_the_same_mtime_is_read_again(
    tmp_path: Path, reads: list[str]
) -> None:
    """The stat cache matches on size and mtime both: an edit that keeps the mtime (a copy
    tool preserving times) but changes the length is read, hashed and supersedes."""
    home = _scale_home(tmp_path / "home")
    ingest_landing(home, workers=1)
    edited = sorted((home.landing / "instagram" / "users").iterdir())[0]
    body = json.loads(edited.read_text())
    body["followers_count"] = int(body["followers_count"]) + 1000
    edited.write_text(json.dumps(body) + "\n")
    os.utime(edited, ns=(LANDED_AT_NS, LANDED_AT_NS))  # the mtime the cache holds
    reads.clear()
    report = ingest_landing(home, workers=1)
    rel = edited.relative_to(home.landing).as_posix()
    assert reads == [rel]
    assert (report.files_ingested, report.superseded) == (1, [rel])


def test_a_nothing_new_rerun_loads_no_identities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deciding that every file is known takes the stat cache alone; a file that is read asks
    the manifest for its own identity only (one indexed query per task), never for the list
    of every identity (600k at 1,000 accounts: 2 s for a new day's 1,333 files)."""
    home = _scale_home(tmp_path / "home")
    first = ingest_landing(home, workers=1)
    asked: list[str] = []
    real = ingestion.manifest.identities_among

    def counting(db, keys):  # the parse workers' question (here in-process: workers=1)
        keys = list(keys)
        asked.extend(keys)
        return real(db, keys)

    monkeypatch.setattr(ingestion.manifest, "identities_among", counting)
    monkeypatch.setattr(ingestion.run.Manifest, "known_keys", None, raising=False)
    again = ingest_landing(home, workers=1)
    assert (again.files_skipped, again.files_ingested, asked) == (first.files_ingested, 0, [])
    copy = sorted((home.landing / "x" / "users").iterdir())[0]
    account, stamp = copy.stem.rsplit("_", 1)
    # the same bytes and identity under a page name: read, found known by its identity
    twin = copy.with_name(f"{account}_{stamp}_002.json")
    twin.write_bytes(copy.read_bytes())
    os.utime(twin, ns=(LANDED_AT_NS, LANDED_AT_NS))
    third = ingest_landing(home, workers=1)
    assert len(asked) == 1
    assert (third.files_ingested, third.files_skipped) == (0, first.files_ingested + 1)
