"""Landing → lake: real files on disk, real Parquet, the real manifest."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ingestion.lake import kind_dir
from ingestion.manifest import BatchCommit, FileRecord, Manifest
from ingestion.run import ingest_landing
from ingestion.schemas import LAKE_SCHEMAS
from ingestion.values import to_int, to_time
from realreach_core.home import Home
from tests.landingkit import corpus_file, lake_rows, land


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home").ensure()


# Each real corpus file for X, under a contract name, and the rows it must yield.
X_CORPUS = [
    ("python-twitter/users_resp.json", "x/users/20261121T060000Z.json", "x/users", 2),
    ("twarc-csv/users.jsonl", "x/users/20261120T060000Z.jsonl", "x/users", 96),
    (
        "python-twitter/timeline_tweets.json",
        "x/tweets/2244994945_20261121T060000Z.json",
        "x/tweets",
        5,
    ),
    ("twarc-csv/two_tweets.jsonl", "x/tweets/20261121T070000Z.jsonl", "x/tweets", None),
    ("twarc-csv/edited.jsonl", "x/tweets/20261121T080000Z.jsonl", "x/tweets", None),
    (
        "python-twitter/followers_resp.json",
        "x/followers/2244994945_20261121T060000Z.json",
        "x/followers",
        5,
    ),
]


@pytest.mark.parametrize(("source", "rel", "kind", "rows"), X_CORPUS, ids=[c[0] for c in X_CORPUS])
def test_real_x_exports_ingest(
    home: Home, source: str, rel: str, kind: str, rows: int | None
) -> None:
    land(home, rel, corpus_file(source))
    report = ingest_landing(home)
    assert report.files_quarantined == 0, report.quarantined
    assert report.files_ingested == 1
    platform, kind_name = kind.split("/")
    landed = lake_rows(home, platform, kind_name)
    expected = (
        rows
        if rows is not None
        else sum(
            len(json.loads(line).get("data", []))
            for line in (corpus_file(source)).read_text().splitlines()
            if line.strip()
        )
    )
    assert len(landed) == expected == report.rows_by_kind[kind]
    assert all(r["platform"] == "x" and r["account_id"] and r["source_file"] == rel for r in landed)


def test_lake_files_have_exactly_their_kinds_schema(home: Home) -> None:
    for source, rel, _, _ in X_CORPUS:
        land(home, rel, corpus_file(source))
    report = ingest_landing(home)
    assert report.lake_files
    for name in report.lake_files:
        path = Path(name)
        platform = path.parts[-4].split("=")[1]
        kind = path.parts[-3].split("=")[1]
        assert pq.read_schema(path).equals(LAKE_SCHEMAS[(platform, kind)], check_metadata=False)
        assert path.parent.name.startswith("date=")
    assert not list(home.lake.rglob("*.tmp")), "no temporary files may be left behind"


def test_user_fields_are_typed_and_unknown_fields_kept(home: Home) -> None:
    land(home, "x/users/20261121T060000Z.json", corpus_file("python-twitter/users_resp.json"))
    ingest_landing(home)
    users = {r["account_id"]: r for r in lake_rows(home, "x", "users")}
    raw = json.loads(corpus_file("python-twitter/users_resp.json").read_text())["data"]
    for user in raw:
        row = users[user["id"]]
        assert row["followers_count"] == user["public_metrics"]["followers_count"]
        assert row["username"] == user["username"]
        assert str(row["observed_at"]).startswith("2026-11-21 06:00:00")
        unmapped = set(user) - {"id", "username", "name", "description", "location", "url",
                                 "profile_image_url", "protected", "verified", "created_at",
                                 "public_metrics"}  # fmt: skip
        assert set(json.loads(row["extra"] or "{}")) == unmapped


def test_same_file_twice_is_ingested_once(home: Home) -> None:
    src = corpus_file("python-twitter/users_resp.json")
    land(home, "x/users/20261121T060000Z.json", src)
    first = ingest_landing(home)
    again = ingest_landing(home)
    # Dropped again (new mtime, so the stat cache misses and the hash decides):
    path = land(home, "x/users/20261121T060000Z.json", src)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    third = ingest_landing(home)
    assert (first.files_ingested, again.files_ingested, third.files_ingested) == (1, 0, 0)
    assert again.files_skipped == 1
    assert len(lake_rows(home, "x", "users")) == 2


def test_same_bytes_pulled_at_another_time_is_another_observation(home: Home) -> None:
    # An unchanged response pulled on two days is byte-identical but is two observations.
    src = corpus_file("python-twitter/users_resp.json")
    land(home, "x/users/20261121T060000Z.json", src)
    land(home, "x/users/20261122T060000Z.json", src)
    report = ingest_landing(home)
    assert report.files_ingested == 2
    days = {str(r["observed_at"])[:10] for r in lake_rows(home, "x", "users")}
    assert days == {"2026-11-21", "2026-11-22"}


BAD_FILES = [
    ("x/users/20261121T070000Z.json", '{"data": [', "malformed JSON"),
    ("x/users/20261121T080000Z.json", "", "empty file"),
    (
        "x/users/20261121T090000Z.json",
        '{"title": "Too Many Requests", "status": 429}',
        "API error response",
    ),
    ("x/users/20261121T100000Z.json", '{"data": [{"username": "noid"}]}', "data[0] has no id"),
    ("x/users/20261121T110000Z.json", "[1, 2]", "expected a JSON object"),
    ("x/users/no-time.json", '{"data": [{"id": "1"}]}', "no pull time"),
    (
        "x/followers/20261121T060000Z.json",
        '{"data": [{"id": "1"}]}',
        "account id must lead the file name",
    ),
    (
        "x/tweets/20261121T060000Z.json",
        '{"data": [{"id": "9", "text": "hi"}]}',
        "account id must lead the file name",
    ),
    (
        "x/users/20261121T120000Z.json",
        '{"data": [{"id": "1", "public_metrics": {"followers_count": "lots"}}]}',
        "followers_count is not a number",
    ),
    (
        "x/users/20261121T130000Z.json",
        '{"data": [{"id": "1", "created_at": "yesterday"}]}',
        "unrecognised timestamp",
    ),
    ("tiktok/users/20261121T060000Z.json", "{}", "unknown landing folder tiktok/users"),
    ("x/users/deep/20261121T060000Z.json", "{}", "not where exports go"),
    ("notes.txt", "hello", "not where exports go"),
    ("accounts.csv", "platform,handle\nx,a\n", "missing column(s) account_id"),
]


def test_bad_files_are_quarantined_with_reasons_and_good_ones_still_land(home: Home) -> None:
    land(home, "x/users/20261121T060000Z.json", corpus_file("python-twitter/users_resp.json"))
    for rel, body, _ in BAD_FILES:
        land(home, rel, body)
    report = ingest_landing(home)
    reasons = dict(report.quarantined)
    assert report.files_ingested == 1 and len(lake_rows(home, "x", "users")) == 2
    assert report.files_quarantined == len(BAD_FILES)
    for rel, body, expected in BAD_FILES:
        assert expected in reasons[rel], (rel, reasons[rel])
        assert reasons[rel].startswith(rel), "the reason names the file"
        kept = home.quarantine / rel
        assert kept.read_bytes() == body.encode()
        error = json.loads(kept.with_name(kept.name + ".error.json").read_text())
        assert error["file"] == rel and expected in error["reason"]
        assert (home.landing / rel).exists(), "landing files are never moved or edited"
    # Quarantined files are recorded: a rerun does not quarantine them again.
    assert ingest_landing(home).files_quarantined == 0


def test_a_fixed_file_is_retried(home: Home) -> None:
    path = land(home, "x/users/20261121T060000Z.json", '{"data": [')
    assert ingest_landing(home).files_quarantined == 1
    shutil.copyfile(corpus_file("python-twitter/users_resp.json"), path)
    report = ingest_landing(home)
    assert report.files_ingested == 1 and report.files_quarantined == 0


def test_utf8_bom_and_partial_uploads(home: Home) -> None:
    body = corpus_file("python-twitter/users_resp.json").read_bytes()
    land(home, "x/users/20261121T060000Z.json", b"\xef\xbb\xbf" + body)
    land(home, "x/users/.20261122T060000Z.json.tmp", b'{"data": [')  # still being copied
    land(home, "x/users/20261123T060000Z.json.part", b'{"data": [')
    report = ingest_landing(home)
    assert (report.files_ingested, report.files_quarantined, report.files_seen) == (1, 0, 1)


def test_accounts_registry(home: Home) -> None:
    land(
        home,
        "accounts.csv",
        "platform,account_id,handle,owner,role\nx,12,acme,Acme Inc,brand\nx,13,jo,Jo Doe,Employee\n",
    )
    report = ingest_landing(home)
    assert (report.files_ingested, report.files_quarantined) == (1, 0)
    rows = sorted(lake_rows(home, "registry", "accounts"), key=lambda r: r["account_id"])
    assert [(r["platform"], r["account_id"], r["owner"], r["role"]) for r in rows] == [
        ("x", "12", "Acme Inc", "brand"),
        ("x", "13", "Jo Doe", "employee"),
    ]


def test_bad_role_in_registry_is_quarantined(home: Home) -> None:
    land(home, "accounts.csv", "platform,account_id,handle,owner,role\nx,12,acme,Acme,intern\n")
    report = ingest_landing(home)
    assert "role 'intern'" in report.quarantined[0][1]


def test_big_batches_flush_in_parts_and_count_once(home: Home) -> None:
    for day in range(1, 6):
        land(
            home,
            f"x/users/202611{day:02d}T060000Z.json",
            corpus_file("python-twitter/users_resp.json"),
        )
    report = ingest_landing(home, flush_rows=3)
    assert report.files_ingested == 5 and len(set(report.lake_files)) >= 3
    assert len(lake_rows(home, "x", "users")) == 10
    assert ingest_landing(home, flush_rows=3).files_ingested == 0
    assert len(lake_rows(home, "x", "users")) == 10


def test_unfinished_batch_is_rolled_back(home: Home) -> None:
    # A batch that crashed after writing lake files but before committing its manifest rows.
    land(home, "x/users/20261121T060000Z.json", corpus_file("python-twitter/users_resp.json"))
    ingest_landing(home)
    orphan = kind_dir(home.lake, "x", "users") / "date=2026-11-21" / "part-orphan.parquet"
    shutil.copyfile(next(kind_dir(home.lake, "x", "users").glob("date=*/part-*.parquet")), orphan)
    with Manifest(home.manifest) as manifest:
        manifest.begin_batch("orphan", [str(orphan)])
    ingest_landing(home)
    assert not orphan.exists()
    assert len(lake_rows(home, "x", "users")) == 2


def test_a_commit_held_open_through_the_ingest_blocks_no_reader_and_shows_nothing_early(
    tmp_path: Path,
) -> None:
    """An ingest opens its batch's commit when the first parse task goes out and adds each
    task's records as they come: meanwhile a build reads the manifest (its change log) without
    waiting, and sees none of the batch until the commit, then all of it at once."""
    record = FileRecord("key-1", "ab" * 32, 10, "x/users/a.json", "x", "users", 3, "ingested", None)
    ranges = {"lake/part-b1.parquet": [("x", "users", "42", "2026-01-01", "2026-01-01")]}
    with Manifest(tmp_path / "manifest.sqlite") as writer:
        writer.begin_batch("b1", [])
        commit = writer.open_commit("b1")
        commit.add([record], lake_ranges=ranges)
        reader = Manifest(tmp_path / "manifest.sqlite")
        reader.db.execute("PRAGMA busy_timeout = 0")  # a reader that had to wait fails at once
        try:
            assert reader.last_change() == 0 and reader.known("key-1") is None
            assert reader.abandoned_batches() == [("b1", [])]
            commit.add([record._replace(file_key="key-2", path="x/users/b.json")])
            assert reader.known("key-2") is None
            commit.commit()
            assert reader.last_change() == 1
            assert reader.known("key-1") == reader.known("key-2") == "ingested"
            assert reader.abandoned_batches() == []
        finally:
            reader.close()


def test_files_a_worker_wrote_for_a_batch_that_never_committed_are_removed(home: Home) -> None:
    """Parse workers write a batch's lake files before the runner can list them: a batch that
    never committed is found by its id in the files' names, listed or not."""
    land(home, "x/users/20261121T060000Z.json", corpus_file("python-twitter/users_resp.json"))
    ingest_landing(home)
    source = next(kind_dir(home.lake, "x", "users").glob("date=*/part-*.parquet"))
    orphans = [
        source.with_name("part-0123456789abcdef0123.parquet"),
        kind_dir(home.lake, "x", "tweets")
        / "date=2026-11-20"
        / "part-0123456789abcdef0123-7.parquet",
    ]
    for orphan in orphans:
        orphan.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, orphan)
    with Manifest(home.manifest) as manifest:
        manifest.begin_batch("0123456789abcdef0123", [])  # as the runner does before any task
    ingest_landing(home)
    assert not any(orphan.exists() for orphan in orphans)
    assert len(lake_rows(home, "x", "users")) == 2
    with Manifest(home.manifest) as manifest:
        assert manifest.abandoned_batches() == []


def test_empty_kinds_still_have_a_readable_schema(home: Home) -> None:
    ingest_landing(home)
    for platform, kind in LAKE_SCHEMAS:
        assert lake_rows(home, platform, kind) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("424.0", 424), ("1,234", 1234), ("-", None), ("", None), (None, None), (7, 7), (3.6, 4)],
)
def test_counts_as_strings(raw: object, expected: int | None) -> None:
    assert to_int(raw) == expected


def test_timestamps_in_every_spelling() -> None:
    iso = to_time("2023-02-18T19:45:15.000Z")
    assert to_time("Sat Feb 18 19:45:15 +0000 2023") == iso
    assert to_time(1676749515) == to_time(1676749515000) == iso
    assert to_time("2026-06-02T07:00:00+0000").hour == 7


def test_lake_files_reach_the_disk_before_the_manifest_names_them(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit makes reruns skip the batch's landing files, so the lake files must be
    durable first: fsynced with the folders naming them (a small batch), after the writes,
    before the commit; a big batch syncs the file system once."""
    import realreach_core.files as files

    events: list[tuple] = []
    fsync, fsync_dir, commit = files._fsync, files._fsync_dir, BatchCommit.commit

    def committing(self: BatchCommit) -> None:
        # the manifest's rows were inserted while the files were written; this is the COMMIT
        events.append(("commit", self.batch_id))
        commit(self)

    monkeypatch.setattr(files, "_fsync", lambda p: (events.append(("file", p)), fsync(p)))
    monkeypatch.setattr(files, "_fsync_dir", lambda p: (events.append(("dir", p)), fsync_dir(p)))
    monkeypatch.setattr(BatchCommit, "commit", committing)
    land(home, "x/users/20261121T060000Z.json", corpus_file("python-twitter/users_resp.json"))
    report = ingest_landing(home)
    assert report.files_ingested == 1
    batch_id = events[-1][1]
    assert events[-1][0] == "commit" and batch_id
    synced = {p for what, p in events if what == "file"}
    part = next(home.lake.rglob(f"part-{batch_id}.parquet"))
    assert part in synced
    folders = [p for what, p in events if what == "dir"]
    assert part.parent in folders and home.lake in folders  # the new date folder's entry too
    assert all(p.parent.parent in folders for p in synced if p.is_relative_to(home.lake))

    # a batch of more files than that: one sync of the file system instead
    syncs: list[Path] = []
    monkeypatch.setattr(files, "sync_filesystem", lambda f: syncs.append(f))
    files.make_durable([part] * (files.FSYNC_AT_MOST + 1), home.lake)
    assert syncs == [home.lake]


def test_a_file_removed_between_the_scan_and_the_read_is_left_not_fatal(home: Home) -> None:
    """Whoever fills landing may move a file away while a run is under way: the run takes
    the rest and counts that one as waiting (a later run sees whether it came back)."""
    from datetime import UTC, datetime

    from ingestion.landing import describe, walk
    from ingestion.parallel import parse_chunk

    body = {"data": [{"id": "1", "username": "a", "public_metrics": {"followers_count": 5}}]}
    for account in ("1", "2"):
        land(
            home,
            f"x/users/{account}_20261121T060000Z.json",
            json.dumps(body).replace('"1"', f'"{account}"'),
        )
    landing = home.landing
    files = sorted(
        (describe(landing, landing.joinpath(*parts), parts, info) for parts, info in walk(landing)),
        key=lambda f: f.rel,
    )
    files[0].path.unlink()
    chunk = parse_chunk(files, [None, None], datetime.now(UTC))
    assert [p.status for p in chunk.files] == ["waiting", "ok"]
    assert ingest_landing(home).files_ingested == 1
