"""Landing → lake: one idempotent ingestion pass over everything new in the landing folder."""

from __future__ import annotations

import functools
import hashlib
import logging
import multiprocessing
import os
import stat
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from ingestion.changes import lake_file_ranges, source_file_ranges
from ingestion.errors import IngestError
from ingestion.handles import HandleDirectory, parse_activity_name, resolve_activity_file
from ingestion.lake import (
    atomic_write_table,
    ensure_schema_files,
    plan_partitions,
    remove_leftovers,
    retracted_dir,
    retraction_file,
    retraction_table,
)
from ingestion.landing import Known, LandingFile, describe, walk
from ingestion.manifest import FileRecord, Manifest
from ingestion.parallel import Chunk, Parsed, init_worker, parse_chunk
from ingestion.parsers import PARSERS, Parser
from ingestion.parsers.safe_zip import is_zip
from ingestion.quarantine import quarantine
from ingestion.reading import Content, NotSettled, read_landing, special_reason
from ingestion.sniff import HEAD_BYTES, looks_like, misfiled, says_empty
from ingestion.validate import validated_table
from realreach_core.files import make_durable
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
    files_waiting: int = 0  # younger than the settle time or changing: left for the next run
    superseded: list[str] = field(default_factory=list)  # paths whose older version was retracted
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


def _recover(manifest: Manifest) -> None:
    """Removes lake files of batches that died before committing, so nothing counts twice."""
    for batch_id, files in manifest.abandoned_batches():
        for name in files:
            Path(name).unlink(missing_ok=True)
        manifest.forget_batch(batch_id)
        log.warning("removed %d lake file(s) of unfinished batch %s", len(files), batch_id)


class _Batch:
    """Validated tables waiting to be written, the files they came from, what they supersede."""

    def __init__(self) -> None:
        self.tables: dict[tuple[str, str], list[pa.Table]] = defaultdict(list)
        self.records: list[FileRecord] = []
        self.retractions: list[tuple[str, str, str]] = []  # (path, sha256, reason)
        self.row_count = 0

    def batch_id(self) -> str:
        digest = hashlib.sha256("".join(sorted(r.file_key for r in self.records)).encode())
        return digest.hexdigest()[:20]

    def pending(self) -> list[tuple[str, str, pa.Table]]:
        return [(p, k, t) for (p, k), tables in self.tables.items() for t in tables]


def prepare_lake(home: Home) -> None:
    """Under the ingest lock: drop temp files of killed writes, make sure every kind has its
    zero-row schema file. For callers outside ingestion (the build step)."""
    home.ensure()
    with exclusive(home.state / "ingest.lock"):
        remove_leftovers(home.lake)
        ensure_schema_files(home.lake)


def ingest_landing(
    home: Home,
    *,
    flush_rows: int = FLUSH_ROWS,
    settle_seconds: float = 0.0,
    workers: int | None = None,
) -> IngestReport:
    """Ingests every landing file not ingested before; quarantines what it cannot read.

    Files modified less than ``settle_seconds`` ago may still be being written: they are left
    for the next run (``files_waiting``), as are files that change while read. A file whose
    path, size and mtime match the manifest's stat cache and whose identity is recorded is
    skipped without being opened; everything else is read, hashed, parsed and validated in
    ``workers`` processes (default: up to two cores).
    """
    started = time.perf_counter()
    home.ensure()
    report = IngestReport()
    with exclusive(home.state / "ingest.lock"), Manifest(home.manifest) as manifest:
        _recover(manifest)
        remove_leftovers(home.lake)
        remove_leftovers(home.quarantine)
        ensure_schema_files(home.lake)
        run = _Run(home, manifest, report, datetime.now(UTC), flush_rows)
        settled_before_ns = time.time_ns() - int(settle_seconds * 1e9)
        cache = manifest.stat_cache()
        known = Known(cache, settled_before_ns)
        deferred: list[LandingFile] = []  # X-named activity CSVs: after the users and registry
        landing = home.landing  # a property: a new Path per use
        with _Parsing(run, workers) as parsing:
            for parts, info in walk(landing, known):
                report.files_seen += 1
                file = describe(landing, landing.joinpath(*parts), parts, info)
                if file.kind == "analytics" and parse_activity_name_safe(file.name):
                    deferred.append(file)
                elif not stat.S_ISREG(file.mode):
                    run.batch = _take(file, None, manifest, run.batch, run.seen, run.stat_cache,
                                      home, report, run.ingested_at, settled_before_ns, flush_rows)  # fmt: skip
                elif file.mtime_ns > settled_before_ns:
                    report.files_waiting += 1
                else:
                    # Known and untouched ones were left out by the walk, but for a path whose
                    # identity is known under another path (its hash is cached)
                    _, size, mtime_ns, sha = cache.get(file.rel, (None, -1, -1, None))
                    if (size, mtime_ns) != (file.size, file.mtime_ns):
                        sha = None  # new or touched: read and hash it
                    elif (key := file_key(file, sha)) in run.seen or manifest.known(key):
                        report.files_skipped += 1  # known: never opened, never hashed
                        continue
                    parsing.add(file, sha)  # read, hashed and parsed while the walk goes on
            report.files_seen += known.skipped
            report.files_skipped += known.skipped
            parsing.finish()
        directory = None
        for file in deferred:
            if directory is None:
                directory = HandleDirectory(home.lake, run.batch.pending())
            run.batch = _take(file, directory, manifest, run.batch, run.seen, run.stat_cache,
                              home, report, run.ingested_at, settled_before_ns, flush_rows)  # fmt: skip
        _flush(run.batch, home, manifest, report)
        manifest.remember_paths(run.stat_cache)
    report.platforms = sorted({key.split("/")[0] for key in report.rows_by_kind})
    report.elapsed_s = time.perf_counter() - started
    return report


#: A landing file to read, with the hash the stat cache holds for it (None: new or touched).
_Found = tuple[LandingFile, str | None]

#: Files per worker task: big enough that a chunk's rows validate in one vectorised pass and
#: the process hop is cheap per file, small enough to keep both cores busy to the end.
CHUNK_FILES = 256
#: Below this many files to read, worker start-up (imports) costs more than it saves.
PARALLEL_MIN_FILES = 400


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


class _Run:
    """One ingestion pass's state: the batch being filled and what is known or seen."""

    def __init__(
        self, home: Home, manifest: Manifest, report: IngestReport, ingested_at: datetime,
        flush_rows: int,
    ) -> None:  # fmt: skip
        self.home, self.manifest, self.report = home, manifest, report
        self.ingested_at, self.flush_rows = ingested_at, flush_rows
        self.batch = _Batch()
        self.seen: set[str] = set()
        self.stat_cache: list[tuple[str, int, int, str]] = []

    def _merge(self, chunk: list[_Found], result: Chunk) -> None:
        """A worker's chunk into the batch: skip what is known, quarantine what is bad."""
        report, batch = self.report, self.batch
        accepted: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        offered: dict[tuple[str, str], int] = defaultdict(int)
        for parsed in result.files:
            for table, (_, n) in parsed.spans.items():
                offered[(parsed.platform, table)] += n
        read: list[tuple[LandingFile, Parsed, str, str]] = []  # (file, outcome, sha, key)
        for (file, cached), parsed in zip(chunk, result.files, strict=True):
            if parsed.status == "waiting":
                report.files_waiting += 1
                continue
            if parsed.status == "unread":
                sha = hashlib.sha256(
                    f"unread|{file.rel}|{file.size}|{file.mtime_ns}".encode()
                ).hexdigest()
            else:
                sha = parsed.sha or ""
                if cached is None:
                    self.stat_cache.append((file.rel, file.size, file.mtime_ns, sha))
            read.append((file, parsed, sha, file_key(file, sha)))
        # Two indexed queries per chunk, not every identity and path loaded up front: a new
        # day's 1,333 files at 1,000 accounts spent 2 s loading 600k of each.
        known: set[str] = set()
        ingested: set[str] = set()
        if self.manifest.has_files():  # a first ingest's 373 chunks (200 accounts) ask nothing
            known = self.manifest.known_among([key for _, _, _, key in read])
            ingested = self.manifest.ingested_among([file.rel for file, _, _, _ in read])
        for file, parsed, sha, key in read:
            if key in self.seen or key in known:
                report.files_skipped += 1
                continue
            self.seen.add(key)
            if parsed.status != "ok":
                _quarantine(file, key, sha, file.size if parsed.raw is None else parsed.size,
                            parsed.reason or "", parsed.raw, self.home, batch, report)  # fmt: skip
                continue
            for table, span in parsed.spans.items():
                accepted[(parsed.platform, table)].append(span)
                name = f"{parsed.platform}/{table}"
                report.rows_by_kind[name] = report.rows_by_kind.get(name, 0) + span[1]
            olds = self.manifest.active_versions(file.rel) if file.rel in ingested else []
            _record_ingested(file, key, sha, parsed.size, parsed.platform, parsed.kind,
                             parsed.rows, olds, batch, report)  # fmt: skip
        for key, spans in accepted.items():
            table = result.tables[key]
            rows = sum(n for _, n in spans)
            if not rows:
                continue
            if rows != offered[key]:  # some files were skipped or quarantined: take the rest
                index = [i for offset, n in spans for i in range(offset, offset + n)]
                table = table.take(pa.array(index, pa.int64()))
            batch.tables[key].append(table)
        if batch.row_count >= self.flush_rows:
            _flush(batch, self.home, self.manifest, report)
            self.batch = _Batch()


class _Parsing:
    """Landing files to read, hash, parse and validate, handed in as the walk finds them and
    merged into the run's batch in that order, a chunk at a time. Once there are enough to
    pay for worker start-up (``PARALLEL_MIN_FILES``), chunks go to worker processes while the
    walk goes on: the workers import and parse while the parent still lists and describes."""

    def __init__(self, run: _Run, workers: int | None) -> None:
        workers = default_workers() if workers is None else max(1, workers)
        if multiprocessing.current_process().daemon:
            workers = 1  # a daemonic process may not start children (some task runners)
        self.run, self.workers = run, workers
        self.files: list[_Found] = []  # found, not yet handed to a worker
        self.pool: ProcessPoolExecutor | None = None
        self.broken = False  # a worker died: everything left is parsed in-process
        self.pending: deque[tuple[list[_Found], Future]] = deque()

    def __enter__(self) -> _Parsing:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def add(self, file: LandingFile, sha: str | None) -> None:
        """``sha``: the hash the stat cache holds for ``file`` (None: new or touched)."""
        self.files.append((file, sha))
        enough = PARALLEL_MIN_FILES if self.pool is None else CHUNK_FILES
        if self.workers > 1 and not self.broken and len(self.files) >= enough:
            while len(self.files) >= CHUNK_FILES:
                self._submit(self.files[:CHUNK_FILES])
                del self.files[:CHUNK_FILES]

    def finish(self) -> None:
        """Parses what is left and merges every chunk still out."""
        rest = [self.files[i : i + CHUNK_FILES] for i in range(0, len(self.files), CHUNK_FILES)]
        self.files = []
        for chunk in rest:
            if self.pool is None or self.broken:
                self._drain()
                self._inline(chunk)
            else:
                self._submit(chunk)
        self._drain()

    def _submit(self, chunk: list[_Found]) -> None:
        if self.pool is None:
            # spawn, not fork: the parent holds pyarrow's thread pools, which fork does not
            # copy safely
            context = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=init_worker
            )
        try:
            future = self.pool.submit(parse_chunk, *_unzip(chunk), self.run.ingested_at)
        except BrokenProcessPool:
            self._broke([chunk])
            return
        self.pending.append((chunk, future))
        # Merge, in order, whatever is done, without waiting; wait only when enough is queued
        # to keep every worker busy meanwhile: memory stays bounded when the parent is slow.
        while self.pending and (self.pending[0][1].done() or len(self.pending) > 2 * self.workers):
            self._merge_next()

    def _drain(self) -> None:
        while self.pending:
            self._merge_next()

    def _merge_next(self) -> None:
        chunk, future = self.pending.popleft()
        try:
            result = future.result()
        except BrokenProcessPool:
            self._broke([chunk, *(c for c, _ in self.pending)])
            return
        self.run._merge(chunk, result)

    def _broke(self, chunks: list[list[_Found]]) -> None:
        """A worker was killed from outside (some task supervisors end children they did not
        start): chunks are merged in order, so the rest is parsed here, none twice."""
        log.warning("a parse worker died; parsing the remaining chunks in-process")
        self.broken = True
        self.pending.clear()
        for chunk in chunks:
            self._inline(chunk)

    def _inline(self, chunk: list[_Found]) -> None:
        self.run._merge(chunk, parse_chunk(*_unzip(chunk), self.run.ingested_at))


def _unzip(
    chunk: list[_Found],
) -> tuple[list[LandingFile], list[str | None]]:
    return [f for f, _ in chunk], [s for _, s in chunk]


def parse_activity_name_safe(name: str) -> bool:
    try:
        return parse_activity_name(name) is not None
    except IngestError:
        return True  # shaped like one: the runner quarantines it with the reason


def _take(
    file: LandingFile,
    directory: HandleDirectory | None,
    manifest: Manifest,
    batch: _Batch,
    seen_in_run: set[str],
    stat_cache: list[tuple[str, int, int, str]],
    home: Home,
    report: IngestReport,
    ingested_at: datetime,
    settled_before_ns: int,
    flush_rows: int,
) -> _Batch:
    """One landing entry: skip, wait, quarantine or parse into the batch."""
    if not stat.S_ISREG(file.mode):
        # Never opened: a link, FIFO or device is recorded by name and what it is.
        sha = hashlib.sha256(f"special|{file.rel}|{file.mode}|{file.mtime_ns}".encode()).hexdigest()
        return _quarantine_unread(file, sha, special_reason(file), seen_in_run, manifest,
                                  home, batch, report)  # fmt: skip
    if file.mtime_ns > settled_before_ns:
        report.files_waiting += 1
        return batch
    sha = manifest.cached_hash(file.rel, file.size, file.mtime_ns)
    content: Content | None = None
    unresolved: str | None = None  # an X-named activity CSV whose handle nobody knows
    try:
        if sha is None:
            content = read_landing(file)
            sha = content.sha256
            stat_cache.append((file.rel, file.size, file.mtime_ns, sha))
        if directory is not None:  # the account and pull time come from the handle
            try:
                file = resolve_activity_file(file, directory)
            except IngestError as exc:
                unresolved = str(exc)
        key = file_key(file, sha)
        if _already_processed(key, seen_in_run, manifest, report):
            return batch
        if content is None:
            content = read_landing(file)
            if content.sha256 != sha:
                raise NotSettled(file.rel)
    except NotSettled:
        report.files_waiting += 1
        return batch
    except IngestError as exc:  # too big: kept by name only, never read
        sha = (
            sha
            or hashlib.sha256(f"unread|{file.rel}|{file.size}|{file.mtime_ns}".encode()).hexdigest()
        )
        return _quarantine_unread(file, sha, str(exc), seen_in_run, manifest, home, batch, report)
    seen_in_run.add(key)
    if unresolved:
        _quarantine(file, key, sha, file.size, unresolved, content.raw, home, batch, report)
        return batch
    _process(file, key, content, ingested_at, home, manifest, batch, report)
    if batch.row_count >= flush_rows:
        _flush(batch, home, manifest, report)
        return _Batch()
    return batch


def file_key(file: LandingFile, sha: str) -> str:
    """Identity of a landing file: its bytes plus what its name adds to them.

    The same bytes under another account id or pull time are other data (an unchanged
    timeline pulled on two days is byte-identical), so they are not skipped as duplicates.
    """
    return _identity(sha, file.platform, file.kind, file.account_id, file.pulled_at)


def _identity(
    sha: str, platform: str, kind: str, account: str | None, pulled: datetime | None
) -> str:
    context = f"{sha}|{platform}|{kind}|{account}|{_text(pulled)}"
    return hashlib.sha256(context.encode()).hexdigest()


@functools.lru_cache(maxsize=4096)
def _text(pulled: datetime | None) -> str:
    """str() of a pull time: a day's files share it, and datetime's str is slow at 100k files."""
    return str(pulled)


# Folders whose files are JSON bodies (CSV and zip kinds are not sniffed).
_CSV_OR_ZIP = {("x", "analytics"), ("x", "archive"), ("registry", "accounts")}


def parse_rows(
    file: LandingFile,
    content: Content,
    ingested_at: datetime,
    found: tuple[Parser, str] | None = None,
) -> tuple[Parser, dict[str, list[dict]]]:
    """One landing file's rows per lake table with their provenance, not yet validated.
    ``found``: what ``parser_for`` already said of this file."""
    parser, head = found or parser_for(file, content)
    try:
        tables = parser.parse(file, content.raw)
    except RecursionError:
        raise IngestError(f"{file.rel}: nested too deeply to read") from None
    unexpected = set(tables) - set(parser.lake_tables())
    if unexpected:  # a parser bug, not the file's fault: fail loudly in tests
        raise AssertionError(f"{type(parser).__name__} returned tables {sorted(unexpected)}")
    if not any(tables.values()) and head and not says_empty(head):
        seen = sorted(looks_like(head))
        raise IngestError(
            f"{file.rel}: no rows: not a {file.platform}/{file.kind} response"
            + (f" (looks like {seen[0]})" if seen else "")
        )
    for rows in tables.values():
        for row in rows:
            row.setdefault("platform", parser.platform)
            row["source_file"] = file.rel
            row["source_sha256"] = content.sha256
            row["ingested_at"] = ingested_at
    return parser, tables


def parser_for(file: LandingFile, content: Content) -> tuple[Parser, str]:
    """The file's parser, after the checks made before any parsing (the name, the folder,
    a body that looks like another kind); and the head of its text ("" for CSV and zip)."""
    if file.name_error:
        raise IngestError(f"{file.rel}: {file.name_error}")
    parser = PARSERS.get((file.platform, file.kind))
    if parser is None:
        raise IngestError(_unknown_reason(file))
    head = ""
    if (file.platform, file.kind) not in _CSV_OR_ZIP and not is_zip(content.raw):
        head = content.raw[:HEAD_BYTES].decode("utf-8", errors="replace")
        other = misfiled(f"{file.platform}/{file.kind}", head)
        if other:
            raise IngestError(
                f"{file.rel}: looks like {other}, not {file.platform}/{file.kind}: move it to "
                f"landing/{other}/"
            )
    return parser, head


def parse_file(
    file: LandingFile, content: Content, ingested_at: datetime
) -> tuple[Parser, dict[str, pa.Table]]:
    """One landing file's rows per lake table, validated against the lake's expectations.

    Raises IngestError for anything wrong with the file; the fuzzer (`make fuzz`) calls this
    with hostile input and counts any other exception as a crash.
    """
    parser, tables = parse_rows(file, content, ingested_at)
    # The lake's expectations, before anything is written (ingestion/validate.py).
    validated = {
        table: validated_table(
            parser.platform,
            table,
            rows,
            file.rel,
            # a zip's members inflate: its own bytes say nothing about their text
            source_bytes=None if is_zip(content.raw) else content.raw,
        )
        for table, rows in tables.items()
    }
    return parser, validated


def _process(
    file: LandingFile,
    key: str,
    content: Content,
    ingested_at: datetime,
    home: Home,
    manifest: Manifest,
    batch: _Batch,
    report: IngestReport,
) -> None:
    sha, size = content.sha256, len(content.raw)
    try:
        parser, validated = parse_file(file, content, ingested_at)
    except IngestError as exc:
        reason = str(exc)
    except RecursionError:
        reason = f"{file.rel}: nested too deeply to read"
    # A format quirk we did not foresee: quarantine the file, keep the batch going.
    except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError,
            OverflowError, UnicodeError, pa.ArrowException) as exc:  # fmt: skip
        reason = f"{file.rel}: could not parse ({type(exc).__name__}: {exc})"
    else:
        total = 0
        for table, arrow in validated.items():
            if arrow.num_rows:
                batch.tables[(parser.platform, table)].append(arrow)
            total += arrow.num_rows
            # Rows per lake table, so "x/archive" shows as the tables it fed.
            name = f"{parser.platform}/{table}"
            report.rows_by_kind[name] = report.rows_by_kind.get(name, 0) + arrow.num_rows
        _record_ingested(file, key, sha, size, parser.platform, parser.kind, total,
                         manifest.active_versions(file.rel), batch, report)  # fmt: skip
        return
    _quarantine(file, key, sha, size, reason, content.raw, home, batch, report)


def _record_ingested(
    file: LandingFile,
    key: str,
    sha: str,
    size: int,
    platform: str,
    kind: str,
    total: int,
    versions: Iterable[str],
    batch: _Batch,
    report: IngestReport,
) -> None:
    """Books a parsed file into the batch. ``versions``: the path's versions still in the lake;
    a new version supersedes their rows. The manifest records the landing kind (the folder),
    which is what a file "is"."""
    batch.row_count += total
    for old in versions:
        if old != sha:
            batch.retractions.append((file.rel, old, f"superseded by version {sha[:12]}"))
            report.superseded.append(file.rel)
    note = None if total else "no rows: the response says it is empty"
    batch.records.append(
        FileRecord(key, sha, size, file.rel, platform, kind, total, "ingested", note)
    )
    report.new_files.append(file.rel)
    report.files_ingested += 1


def _already_processed(
    key: str, seen_in_run: set[str], manifest: Manifest, report: IngestReport
) -> bool:
    """Processed earlier in this run or by an earlier one: counted as skipped."""
    if key in seen_in_run or manifest.known(key):
        report.files_skipped += 1
        return True
    return False


def _quarantine_unread(
    file: LandingFile,
    sha: str,
    reason: str,
    seen_in_run: set[str],
    manifest: Manifest,
    home: Home,
    batch: _Batch,
    report: IngestReport,
) -> _Batch:
    """A file quarantined by name only (never read: special, or too big), once."""
    key = file_key(file, sha)
    if not _already_processed(key, seen_in_run, manifest, report):
        seen_in_run.add(key)
        _quarantine(file, key, sha, file.size, reason, None, home, batch, report)
    return batch


def _quarantine(
    file: LandingFile,
    key: str,
    sha: str,
    size: int,
    reason: str,
    raw: bytes | None,
    home: Home,
    batch: _Batch,
    report: IngestReport,
) -> None:
    quarantine(home.quarantine, file, sha, size, reason, raw)
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
    batch_id = batch.batch_id() if batch.tables or batch.retractions else None
    lake_ranges: dict[str, list] = {}
    file_ranges: dict[tuple[str, str], list] = {}
    if batch_id:
        plan = plan_partitions(batch.tables, home.lake, batch_id)
        if batch.retractions:
            plan[retraction_file(home.lake, batch_id)] = retraction_table(
                batch.retractions, datetime.now(UTC)
            )
        manifest.begin_batch(batch_id, [str(path) for path in plan])
        # One file per kind × date: thousands of small writes on a first build. Parquet
        # encoding and the file system calls release the GIL, so threads keep both cores busy.
        with ThreadPoolExecutor(default_workers()) as pool:
            for _ in pool.map(atomic_write_table, plan.values(), plan.keys()):
                pass
        # The change log the incremental dbt build reads (ingestion/changes.py). Taken while
        # the writes ran, it only slowed them (both hold the GIL in their Python parts).
        lake_ranges = lake_file_ranges(
            {p: t for p, t in plan.items() if p.parent != retracted_dir(home.lake)}, home.lake
        )
        file_ranges = source_file_ranges(batch.tables)
        report.lake_files.extend(os.fspath(p) for p in plan)
        # The commit below says these files hold the batch's rows, and a rerun skips their
        # landing files from then on: they must be on disk before it, or a power cut could
        # leave a manifest naming files that never reached it (rows lost, never re-read).
        # The renames made them visible, not durable.
        make_durable(list(plan), home.lake)
    manifest.commit_batch(
        batch_id,
        batch.records,
        batch.retractions,
        lake_ranges=lake_ranges,
        file_ranges=file_ranges,
    )
