"""The record of every landing file processed: content hash, size, rows, outcome.

SQLite, because several processes (CLI, Airflow tasks) may ask at once and each batch's
bookkeeping must commit atomically with the lake files it wrote.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    file_key TEXT PRIMARY KEY,     -- content hash + what the name says (account, pull time)
    sha256 TEXT NOT NULL,          -- content hash
    size INTEGER NOT NULL,
    path TEXT NOT NULL,            -- landing-relative path where it was first seen
    platform TEXT NOT NULL,
    kind TEXT NOT NULL,
    rows INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('ingested', 'quarantined')),
    reason TEXT,
    batch_id TEXT,
    processed_at TEXT NOT NULL
);
-- A new version of a path looks its older ones up by path (ingestion/run.py, per new file).
CREATE INDEX IF NOT EXISTS files_by_path ON files (path);
-- Stat cache: a file whose size and mtime are unchanged is not hashed again.
CREATE TABLE IF NOT EXISTS seen_paths (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL
);
-- Lake rows no longer valid: a file retracted by hand (`realreach quarantine`) or superseded
-- by a new version of the same landing path. The lake stays append-only; staging anti-joins
-- the same list, written to lake/retracted_files/ (ingestion/lake.py).
CREATE TABLE IF NOT EXISTS retractions (
    path TEXT NOT NULL,            -- landing-relative path (= the lake rows' source_file)
    sha256 TEXT NOT NULL,          -- the version retracted (= source_sha256)
    reason TEXT NOT NULL,
    retracted_at TEXT NOT NULL,
    PRIMARY KEY (path, sha256)
);
-- Write-ahead record of a batch: lake files of a batch that never committed are removed.
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('writing', 'committed')),
    lake_files TEXT NOT NULL,
    started_at TEXT NOT NULL,
    committed_at TEXT
);
-- The change log the incremental dbt build reads (realreach/transform.py): one row per
-- (change, account) with the data dates it touches, in commit order (seq). kind 'lake_file':
-- a lake file a batch wrote; 'retracted': a retracted or superseded landing file version,
-- whose rows staging deletes. A build keeps the last seq it built (its watermark).
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    change TEXT NOT NULL CHECK (change IN ('lake_file', 'retracted')),
    lake_file TEXT,                -- home-relative lake path ('lake_file')
    source_file TEXT,              -- landing-relative path ('retracted')
    source_sha256 TEXT,            -- the retracted version ('retracted')
    platform TEXT NOT NULL,        -- the account's platform (registry rows name their own)
    kind TEXT NOT NULL,
    account_id TEXT,               -- NULL: the change's accounts are unknown (all of them)
    min_date TEXT,
    max_date TEXT
);
-- Per ingested landing file version, the (account, data dates) its rows cover, written at
-- ingest time: a later retraction or supersession logs them without scanning the lake.
CREATE TABLE IF NOT EXISTS file_ranges (
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    platform TEXT NOT NULL,
    kind TEXT NOT NULL,
    account_id TEXT NOT NULL,
    min_date TEXT NOT NULL,
    max_date TEXT NOT NULL,
    PRIMARY KEY (path, sha256, platform, kind, account_id)
);
"""


#: The rows of one account in one lake file (or landing file version), and their dates:
#: (platform, kind, account_id, min_date, max_date). A plain tuple: a first build logs one per
#: landing file and one per account of each lake file (190k at 200 accounts), made in the
#: parse workers and pickled back, and a NamedTuple's Python-level constructor, run again to
#: unpickle each one, cost the runner 0.26 s of a first build at 200 accounts.
Range = tuple[str, str, str, str, str]


class FileRecord(NamedTuple):
    """One processed landing file (a tuple: a first build makes one per file, 95k at 200
    accounts)."""

    file_key: str
    sha256: str
    size: int
    path: str
    platform: str
    kind: str
    rows: int
    outcome: str
    reason: str | None = None


#: Stat-cache entries (path, size, mtime_ns, sha256), alone or in a batch's commit.
_REMEMBER_PATHS = "INSERT OR REPLACE INTO seen_paths VALUES (?, ?, ?, ?)"

#: Values per ``IN (...)`` list: older SQLite builds allow 999 parameters a statement.
_IN_AT_MOST = 500


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _among(db: sqlite3.Connection, sql: str, values: Iterable[str]) -> set[str]:
    wanted = list(dict.fromkeys(values))
    found: set[str] = set()
    for start in range(0, len(wanted), _IN_AT_MOST):
        part = wanted[start : start + _IN_AT_MOST]
        query = sql.format(", ".join("?" * len(part)))
        found.update(row[0] for row in db.execute(query, part))
    return found


def identities_among(db: sqlite3.Connection, keys: Iterable[str]) -> set[str]:
    """Those of ``keys`` that are processed files' identities (ingested or quarantined): one
    indexed query per 500, never the list of every identity."""
    return _among(db, "SELECT file_key FROM files WHERE file_key IN ({})", keys)


def read_only(path: Path | str) -> sqlite3.Connection:
    """A connection that only reads (a parse worker's, while the runner holds the lock)."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60)


class Manifest:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # An ingest adds its rows a parse task at a time, between other work: with SQLite's
        # default 2 MB cache the indexes' pages were read back between tasks. A first build
        # at 200 accounts (a 110 MB manifest) spent 2.9 s in the inserts, sampled, against
        # 2.3 s with this cache. Pages are cached only as they are used.
        self.db.execute("PRAGMA cache_size=-65536")  # KiB: 64 MiB
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Manifest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cached_hash(self, rel: str, size: int, mtime_ns: int) -> str | None:
        row = self.db.execute(
            "SELECT sha256 FROM seen_paths WHERE path = ? AND size = ? AND mtime_ns = ?",
            (rel, size, mtime_ns),
        ).fetchone()
        return row[0] if row else None

    def stat_cache(self) -> dict[str, tuple[str, int, int, str | None]]:
        """Every remembered path's (path, size, mtime_ns, sha256 or None), in one query.

        The hash is None when the path may be skipped unopened while its size and mtime are
        unchanged: the files table holds this path with this content hash, so its identity
        (content hash + what its name says) was processed. It is given otherwise: for a
        path whose identity is only known under another path, and for X activity CSVs, whose
        identity takes the account from a handle, not from the path.

        A run over a landing folder of known files decides "already ingested" from this alone,
        without a query, an open or a hash per file, and without looking up any identity. The
        rows are kept as SQLite returns them: a new tuple per path cost a second at 477k paths,
        and 64-character hashes nobody reads cost a fifth of one.
        """
        rows = self.db.execute(
            "SELECT s.path, s.size, s.mtime_ns, CASE WHEN instr(s.path, '/analytics/') = 0 "
            "AND EXISTS (SELECT 1 FROM files f WHERE f.path = s.path AND f.sha256 = s.sha256) "
            "THEN NULL ELSE s.sha256 END FROM seen_paths s"
        )
        return {row[0]: row for row in rows}

    def has_files(self) -> bool:
        """Whether any file was processed yet (a first ingest looks nothing up)."""
        return self.db.execute("SELECT EXISTS (SELECT 1 FROM files)").fetchone()[0] == 1

    def ingested_among(self, paths: Iterable[str]) -> set[str]:
        """Those of ``paths`` with rows in the lake: only these can have a version to
        supersede."""
        return self._among(
            "SELECT DISTINCT path FROM files "
            "WHERE outcome = 'ingested' AND rows > 0 AND path IN ({})",
            paths,
        )

    def _among(self, sql: str, values: Iterable[str]) -> set[str]:
        return _among(self.db, sql, values)

    def remember_paths(self, entries: Iterable[tuple[str, int, int, str]]) -> None:
        with closing(self.db.cursor()) as cur:
            cur.execute("BEGIN")
            cur.executemany(_REMEMBER_PATHS, entries)
            cur.execute("COMMIT")

    def known(self, file_key: str) -> str | None:
        """The outcome recorded for this file, or None if it was never processed."""
        row = self.db.execute(
            "SELECT outcome FROM files WHERE file_key = ?", (file_key,)
        ).fetchone()
        return row[0] if row else None

    def begin_batch(self, batch_id: str, lake_files: list[str]) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO batches VALUES (?, 'writing', ?, ?, NULL)",
            (batch_id, json.dumps(lake_files), _now()),
        )

    def active_versions(self, path: str) -> list[str]:
        """Content hashes of ``path`` ingested and not retracted (normally one)."""
        rows = self.db.execute(
            "SELECT sha256 FROM files WHERE path = ? AND outcome = 'ingested' AND rows > 0 "
            "AND NOT EXISTS (SELECT 1 FROM retractions r "
            "WHERE r.path = files.path AND r.sha256 = files.sha256) ORDER BY processed_at",
            (path,),
        ).fetchall()
        return list(dict.fromkeys(row[0] for row in rows))

    def retractions(self) -> list[tuple[str, str, str, str]]:
        return self.db.execute(
            "SELECT path, sha256, reason, retracted_at FROM retractions ORDER BY retracted_at, path"
        ).fetchall()

    def commit_batch(
        self,
        batch_id: str | None,
        records: list[FileRecord],
        retractions: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
        lake_ranges: dict[str, list[Range]] | None = None,
        file_ranges: dict[tuple[str, str], list[Range]] | None = None,
    ) -> None:
        """Marks the batch's lake files valid and records its files (and the versions they
        supersede) with their change log, in one transaction (``BatchCommit.add``)."""
        commit = self.open_commit(batch_id)
        try:
            commit.add(records, retractions, lake_ranges, file_ranges)
        except BaseException:
            commit.rollback()
            raise
        commit.commit()

    def open_commit(self, batch_id: str | None) -> BatchCommit:
        """A batch's commit in steps, for a batch whose rows come in while it is written
        (``BatchCommit``)."""
        return BatchCommit(self.db, batch_id)

    def last_change(self) -> int:
        """The newest change's seq (0: none logged yet)."""
        return self.db.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0]

    def changes_since(self, seq: int, upto: int) -> list[tuple]:
        """Change rows with ``seq < n <= upto``: (change, lake_file, source_file,
        source_sha256, platform, kind, account_id, min_date, max_date)."""
        return self.db.execute(
            "SELECT change, lake_file, source_file, source_sha256, platform, kind, account_id, "
            "min_date, max_date FROM changes WHERE seq > ? AND seq <= ? ORDER BY seq",
            (seq, upto),
        ).fetchall()

    def abandoned_batches(self) -> list[tuple[str, list[str]]]:
        rows = self.db.execute(
            "SELECT batch_id, lake_files FROM batches WHERE status = 'writing'"
        ).fetchall()
        return [(batch_id, json.loads(files)) for batch_id, files in rows]

    def forget_batch(self, batch_id: str) -> None:
        self.db.execute("DELETE FROM batches WHERE batch_id = ?", (batch_id,))


class BatchCommit:
    """A batch's commit as one transaction, opened before all of its rows are known.

    ``add`` inserts rows as they come: the ingest adds each parse task's records while the
    workers parse the next tasks, instead of inserting ~290k rows (files, their ranges, the
    change log: a first build at 200 accounts) after the last, with a core idle. ``commit``
    marks the batch committed and commits, ``rollback`` undoes every row added. From open to
    commit it holds the manifest's write lock; readers (a build asking for the change log)
    go on in WAL mode and see the manifest as it was, and the only other writers (an ingest,
    a retraction) wait for the ingest lock first anyway."""

    def __init__(self, db: sqlite3.Connection, batch_id: str | None) -> None:
        self.batch_id = batch_id
        self.now = _now()
        self.cur = db.cursor()
        self.cur.execute("BEGIN IMMEDIATE")

    def add(
        self,
        records: Iterable[FileRecord],
        retractions: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
        lake_ranges: dict[str, list[Range]] | None = None,
        file_ranges: dict[tuple[str, str], list[Range]] | None = None,
    ) -> None:
        """Records files (and the versions they supersede) with the change log: ``lake_ranges``
        per lake file written, ``file_ranges`` per (landing path, sha256) ingested, and a
        change per retracted version with the ranges its ingest recorded."""
        cur, now, batch_id = self.cur, self.now, self.batch_id
        _log_changes(cur, retractions, lake_ranges or {}, file_ranges or {})
        cur.executemany(
            "INSERT OR IGNORE INTO retractions VALUES (?, ?, ?, ?)",
            [(path, sha, reason, now) for path, sha, reason in retractions],
        )
        cur.executemany(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (r.file_key, r.sha256, r.size, r.path, r.platform, r.kind, r.rows, r.outcome, r.reason,
                 batch_id if r.outcome == "ingested" else None, now)
                for r in records
            ],
        )  # fmt: skip

    def remember(self, entries: list[tuple[str, int, int, str]]) -> None:
        """Stat-cache entries (``Manifest.remember_paths``) in the batch's transaction, as
        each task is merged: written after the commit instead, a first build's 95k entries
        (200 accounts) took 0.23 s at the end of the ingest, with both workers done. Rolled
        back with the batch, the files are hashed again next run, as they must be."""
        self.cur.executemany(_REMEMBER_PATHS, entries)

    def commit(self) -> None:
        if self.batch_id:
            self.cur.execute(
                "UPDATE batches SET status = 'committed', committed_at = ? WHERE batch_id = ?",
                (self.now, self.batch_id),
            )
        self.cur.execute("COMMIT")
        self.cur.close()

    def rollback(self) -> None:
        self.cur.execute("ROLLBACK")
        self.cur.close()


def _log_changes(
    cur: sqlite3.Cursor,
    retractions: list[tuple[str, str, str]],
    lake_ranges: dict[str, list[Range]],
    file_ranges: dict[tuple[str, str], list[Range]],
) -> None:
    cur.executemany(
        "INSERT OR REPLACE INTO file_ranges VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(path, sha, *r) for (path, sha), ranges in file_ranges.items() for r in ranges],
    )  # fmt: skip
    for path, sha, _ in retractions:
        known = cur.execute(
            "SELECT platform, kind, account_id, min_date, max_date FROM file_ranges "
            "WHERE path = ? AND sha256 = ?",
            (path, sha),
        ).fetchall()
        # Ingested before the change log existed: its accounts are unknown, so the
        # change names none and the build recomputes every account of the platform.
        platform = path.split("/", 1)[0]
        for row in known or [(platform, "?", None, None, None)]:
            cur.execute(
                "INSERT INTO changes (change, source_file, source_sha256, platform, kind, "
                "account_id, min_date, max_date) VALUES ('retracted', ?, ?, ?, ?, ?, ?, ?)",
                (path, sha, *row),
            )
    cur.executemany(
        "INSERT INTO changes (change, lake_file, platform, kind, account_id, min_date, "
        "max_date) VALUES ('lake_file', ?, ?, ?, ?, ?, ?)",
        [(lake_file, *r) for lake_file, ranges in lake_ranges.items() for r in ranges],
    )  # fmt: skip
