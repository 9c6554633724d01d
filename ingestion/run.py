"""Landing → lake: one idempotent ingestion pass over everything new in the landing folder."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingestion.errors import IngestError
from ingestion.lake import ensure_schema_files, plan_partitions, write_partition
from ingestion.landing import LandingFile, scan
from ingestion.manifest import FileRecord, Manifest
from ingestion.parsers import PARSERS
from ingestion.quarantine import quarantine
from realreach_core.home import Home
from realreach_core.locking import exclusive

log = logging.getLogger(__name__)

# Rows held in memory before a batch is flushed to the lake; bounds memory on big backfills
# while keeping files few and large rather than one tiny Parquet file per export.
FLUSH_ROWS = 500_000


@dataclass
class IngestReport:
    files_seen: int = 0
    files_ingested: int = 0
    files_skipped: int = 0
    files_quarantined: int = 0
    # "platform/table" -> rows, per lake table (an X archive counts under the tables it fed)
    rows_by_kind: dict[str, int] = field(default_factory=dict)
    platforms: list[str] = field(default_factory=list)
    new_files: list[str] = field(default_factory=list)  # landing-relative paths ingested
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    lake_files: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.rows_by_kind.values())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _recover(manifest: Manifest) -> None:
    """Removes lake files of batches that died before committing, so nothing counts twice."""
    for batch_id, files in manifest.abandoned_batches():
        for name in files:
            Path(name).unlink(missing_ok=True)
        manifest.forget_batch(batch_id)
        log.warning("removed %d lake file(s) of unfinished batch %s", len(files), batch_id)


class _Batch:
    """Parsed rows waiting to be written, and the files they came from."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.records: list[FileRecord] = []
        self.row_count = 0

    def batch_id(self) -> str:
        digest = hashlib.sha256("".join(sorted(r.file_key for r in self.records)).encode())
        return digest.hexdigest()[:20]


def ingest_landing(home: Home, *, flush_rows: int = FLUSH_ROWS) -> IngestReport:
    """Ingests every landing file not ingested before; quarantines what it cannot read."""
    started = time.perf_counter()
    home.ensure()
    report = IngestReport()
    with exclusive(home.state / "ingest.lock"), Manifest(home.manifest) as manifest:
        _recover(manifest)
        ensure_schema_files(home.lake)
        batch = _Batch()
        seen_in_run: set[str] = set()
        stat_cache: list[tuple[str, int, int, str]] = []
        ingested_at = datetime.now(UTC)
        for file in scan(home.landing):
            report.files_seen += 1
            stat = file.path.stat()
            sha = manifest.cached_hash(file.rel, stat.st_size, stat.st_mtime_ns)
            if sha is None:
                sha = _sha256(file.path)
                stat_cache.append((file.rel, stat.st_size, stat.st_mtime_ns, sha))
            key = file_key(file, sha)
            if key in seen_in_run or manifest.known(key):
                report.files_skipped += 1
                continue
            seen_in_run.add(key)
            _process(file, key, sha, stat.st_size, ingested_at, home, batch, report)
            if batch.row_count >= flush_rows:
                _flush(batch, home, manifest, report)
                batch = _Batch()
        _flush(batch, home, manifest, report)
        manifest.remember_paths(stat_cache)
    report.platforms = sorted({key.split("/")[0] for key in report.rows_by_kind})
    report.elapsed_s = time.perf_counter() - started
    return report


def file_key(file: LandingFile, sha: str) -> str:
    """Identity of a landing file: its bytes plus what its name adds to them.

    The same bytes under another account id or pull time are other data (an unchanged
    timeline pulled on two days is byte-identical), so they are not skipped as duplicates.
    """
    context = f"{sha}|{file.platform}|{file.kind}|{file.account_id}|{file.pulled_at}"
    return hashlib.sha256(context.encode()).hexdigest()


def _process(
    file: LandingFile,
    key: str,
    sha: str,
    size: int,
    ingested_at: datetime,
    home: Home,
    batch: _Batch,
    report: IngestReport,
) -> None:
    parser = PARSERS.get((file.platform, file.kind))
    try:
        if parser is None:
            raise IngestError(_unknown_reason(file))
        tables = parser.parse(file, file.path.read_bytes())
        unexpected = set(tables) - set(parser.lake_tables())
        if unexpected:  # a parser bug, not the file's fault: fail loudly in tests
            raise AssertionError(f"{type(parser).__name__} returned tables {sorted(unexpected)}")
    except IngestError as exc:
        reason = str(exc)
    # A format quirk we did not foresee: quarantine the file, keep the batch going.
    except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        reason = f"{file.rel}: could not parse ({type(exc).__name__}: {exc})"
    else:
        total = 0
        for table, rows in tables.items():
            for row in rows:
                row.setdefault("platform", parser.platform)
                row["source_file"] = file.rel
                row["source_sha256"] = sha
                row["ingested_at"] = ingested_at
            if rows:
                batch.rows[(parser.platform, table)].extend(rows)
            total += len(rows)
            # Rows per lake table, so "x/archive" shows as the tables it fed.
            name = f"{parser.platform}/{table}"
            report.rows_by_kind[name] = report.rows_by_kind.get(name, 0) + len(rows)
        batch.row_count += total
        # The manifest records the landing kind (the folder), which is what a file "is".
        batch.records.append(
            FileRecord(key, sha, size, file.rel, parser.platform, parser.kind, total, "ingested")
        )
        report.new_files.append(file.rel)
        report.files_ingested += 1
        return
    quarantine(home.quarantine, file, sha, size, reason)
    batch.records.append(
        FileRecord(
            key,
            sha,
            size,
            file.rel,
            file.platform or "?",
            file.kind or "?",
            0,
            "quarantined",
            reason,
        )
    )
    report.quarantined.append((file.rel, reason))
    report.files_quarantined += 1
    log.warning("quarantined %s", reason)


def _unknown_reason(file: LandingFile) -> str:
    known = sorted({f"{p}/{k}" for p, k in PARSERS if p != "registry"})
    if not file.platform:
        return (
            f"{file.rel}: not where exports go: expected landing/<platform>/<kind>/<file> "
            f"or accounts.csv at the root"
        )
    return (
        f"{file.rel}: unknown landing folder {file.platform}/{file.kind}; known: {', '.join(known)}"
    )


def _flush(batch: _Batch, home: Home, manifest: Manifest, report: IngestReport) -> None:
    if not batch.records:
        return
    batch_id = batch.batch_id() if batch.rows else None
    if batch_id:
        plan = plan_partitions(batch.rows, home.lake, batch_id)
        manifest.begin_batch(batch_id, [str(path) for path in plan])
        for path, (schema, rows) in plan.items():
            write_partition(path, schema, rows)
        report.lake_files.extend(os.fspath(p) for p in plan)
    manifest.commit_batch(batch_id, batch.records)
