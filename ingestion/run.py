"""Landing → lake: one idempotent ingestion pass over everything new in the landing folder."""

from __future__ import annotations

import functools
import hashlib
import logging
import multiprocessing
import os
import stat
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from ingestion.changes import add_ranges, split_by_day
from ingestion.errors import IngestError
from ingestion.handles import HandleDirectory, parse_activity_name, resolve_activity_file
from ingestion.lake import (
    atomic_write_table,
    batch_files,
    ensure_schema_files,
    remove_leftovers,
    retraction_file,
    retraction_table,
)
from ingestion.landing import NAME, Known, LandingFile, describe, walk
from ingestion.manifest import BatchCommit, FileRecord, Manifest, Range
from ingestion.parallel import Landed, Outcome, Stat, Task, init_worker, land_task, write_days
from ingestion.parsers import PARSERS, Parser
from ingestion.parsers.safe_zip import is_zip
from ingestion.quarantine import quarantine
from ingestion.reading import Content, NotSettled, read_landing, special_reason
from ingestion.sniff import HEAD_BYTES, looks_like, misfiled, says_empty
from ingestion.validate import validated_table
from realreach_core.files import make_durable
from realreach_core.home import Home
from realreach_core.locking import exclusive
from realreach_core.memory import gc_paused

log = logging.getLogger(__name__)

# Rows the runner itself parses (X activity CSVs, after the walk) held in memory before a
# batch is flushed; the workers write what they parse, so this bounds only those.
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


def _recover(manifest: Manifest, lake: Path) -> None:
    """Removes lake files of batches that died before committing, so nothing counts twice."""
    for batch_id, listed in manifest.abandoned_batches():
        # the workers write before the runner lists: the id in the names finds those too
        files = {Path(name) for name in listed} | set(batch_files(lake, batch_id))
        for path in files:
            path.unlink(missing_ok=True)
        manifest.forget_batch(batch_id)
        log.warning("removed %d lake file(s) of unfinished batch %s", len(files), batch_id)


class _Batch:
    """A batch: the lake files the parse workers wrote for it, the validated tables the runner
    holds to write, the files they came from and what they supersede. Its lake files are
    named for its id, which is drawn before the first is written: a batch that never
    commits is found by its id and removed (``_recover``)."""

    def __init__(self) -> None:
        self.id = uuid.uuid4().hex[:20]
        self.begun = False  # recorded as being written (before any worker writes for it)
        # rows parsed in the runner (X activity CSVs): written at the flush
        self.tables: dict[tuple[str, str], list[pa.Table]] = defaultdict(list)
        # what the workers wrote: lake files, their accounts' ranges, the versions' ranges
        self.lake_files: list[str] = []
        self.lake_ranges: dict[str, list[Range]] = {}
        self.file_ranges: dict[tuple[str, str], list[Range]] = {}
        self.records: list[FileRecord] = []
        self.retractions: list[tuple[str, str, str]] = []  # (path, sha256, reason)
        self.row_count = 0  # rows held (in ``tables``)
        # Its commit, opened with the first lake file a worker wrote (``open_commit``): the
        # records before ``added`` and the ranges merged so far are in it already.
        self.commit: BatchCommit | None = None
        self.added = 0

    def add(self, landed: Landed) -> None:
        self.lake_files.extend(landed.lake_files)
        self.lake_ranges.update(landed.lake_ranges)
        add_ranges(self.file_ranges, landed.file_ranges)

    def open_commit(self, manifest: Manifest) -> None:
        """Opens the batch's commit now and adds what is merged so far; what is merged after
        goes in as it comes (``add_to_commit``), and the flush adds the rest and commits."""
        self.commit = manifest.open_commit(self.id)
        self.add_to_commit()

    def add_to_commit(self) -> None:
        """The records and worker ranges merged since the last call into the open commit."""
        if self.commit is None:
            return
        self.commit.add(self.records[self.added :], (), self.lake_ranges, self.file_ranges)
        self.added = len(self.records)
        self.lake_ranges, self.file_ranges = {}, {}

    def pending(self) -> list[tuple[str, str, pa.Table]]:
        return [(p, k, t) for (p, k), tables in self.tables.items() for t in tables]

    def write_held(self, lake: Path) -> Landed:
        """Writes the rows the runner holds as the workers write theirs, one file per lake
        table and day (``-r`` after the batch id: apart from the workers' files)."""
        held = Landed([], [])
        for (platform, table), tables in self.tables.items():
            whole = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
            # (no file of the rows is left out here, so which file each row came from is moot)
            split = split_by_day(whole, np.zeros(whole.num_rows, np.int32), table)
            write_days(split, lake, platform, table, self.id, held, suffix=lambda _: "-r")
        return held


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
    # A record, an outcome and a stat-cache entry per file pile up, none in a cycle
    with gc_paused(), exclusive(home.state / "ingest.lock"), Manifest(home.manifest) as manifest:
        _recover(manifest, home.lake)
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
                # what the folder and name say is read where the file is (the worker): here,
                # only what decides whether to read it
                if (
                    len(parts) == 3
                    and parts[1] == "analytics"
                    and parse_activity_name_safe(parts[2])
                ):
                    deferred.append(_describe(landing, parts, info))
                elif not stat.S_ISREG(info.st_mode):
                    file = _describe(landing, parts, info)
                    run.batch = _take(file, None, manifest, run.batch, run.seen, run.stat_cache,
                                      home, report, run.ingested_at, settled_before_ns, flush_rows)  # fmt: skip
                elif info.st_mtime_ns > settled_before_ns:
                    report.files_waiting += 1
                else:
                    rel = "/".join(parts)
                    # Known and untouched ones were left out by the walk, but for a path whose
                    # identity is known under another path (its hash is cached)
                    _, size, mtime_ns, sha = cache.get(rel, (None, -1, -1, None))
                    if (size, mtime_ns) != (info.st_size, info.st_mtime_ns):
                        sha = None  # new or touched: read and hash it
                    elif (key := _key(landing, parts, info, sha)) in run.seen or (
                        manifest.known(key)
                    ):
                        report.files_skipped += 1  # known: never opened, never hashed
                        continue
                    entry = Stat(info.st_mode, info.st_size, info.st_mtime_ns)
                    parsing.add(parts, rel, entry, sha)  # read and parsed while the walk goes on
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
        if run.stat_cache:
            manifest.remember_paths(run.stat_cache)
    report.platforms = sorted({key.split("/")[0] for key in report.rows_by_kind})
    report.elapsed_s = time.perf_counter() - started
    return report


#: A landing file to read: its landing-relative parts and path, its lstat, and the hash the
#: stat cache holds for it (None: new or touched).
_Found = tuple[tuple[str, ...], str, Stat, str | None]

#: Files per worker task: big enough that a chunk's rows validate in one vectorised pass and
#: the process hop is cheap per file, small enough to keep both cores busy to the end.
CHUNK_FILES = 256
#: Below this many files to read, worker start-up (imports) costs more than it saves.
PARALLEL_MIN_FILES = 400
#: Tasks handed out per worker and not yet merged, at most. This process merges each task
#: (its manifest rows: ~30 µs a file) while the workers parse: on folders of many small files
#: it is the slower one, on folders of posts the workers are. A longer lead lets the workers
#: run on while it catches up. 2 per worker left them waiting 2.8 s of a 200-account first
#: ingest, 16 per worker 1.7 s: 7.41 → 7.12 s (means of six alternating runs). What is held
#: is small: per file an outcome, an identity and its ranges (the rows are in the lake).
TASKS_AHEAD = 16


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


class _Run:
    """One ingestion pass's state: the batch being filled and what is known or seen."""

    def __init__(
        self, home: Home, manifest: Manifest, report: IngestReport, ingested_at: datetime,
        flush_rows: int,
    ) -> None:  # fmt: skip
        self.home, self.manifest, self.report = home, manifest, report
        self.landing = home.landing  # a property of Home: a new Path per use
        self.manifest_had_files = manifest.has_files()
        self.ingested_at, self.flush_rows = ingested_at, flush_rows
        self.batch = _Batch()
        self.seen: set[str] = set()
        self.stat_cache: list[tuple[str, int, int, str]] = []

    def _merge(self, files: list[_Found], landed: Landed) -> None:
        """A landed task into the batch: count what was skipped, quarantine what is bad,
        record what is ingested (its rows are in the lake files the worker wrote)."""
        report, batch, landing = self.report, self.batch, self.landing
        batch.add(landed)
        if batch.commit is None and batch.lake_files:
            # The records go into the manifest as each task is merged, while the workers
            # parse the next ones, not all after the last, with a core idle (1.1 s of a
            # first build at 200 accounts). Readers of the manifest (a build) go on meanwhile.
            batch.open_commit(self.manifest)
        read: list[tuple[_Found, Outcome, str]] = []  # (found, outcome, key)
        for found, outcome, key in zip(files, landed.outcomes, landed.keys, strict=True):
            status = outcome[0]
            if status == "waiting":
                report.files_waiting += 1
                continue
            parts, rel, info, cached = found
            if status == "unread":  # never read, so the worker could not know it
                sha = hashlib.sha256(
                    f"unread|{rel}|{info.st_size}|{info.st_mtime_ns}".encode()
                ).hexdigest()
                key = _key(landing, parts, info, sha)
                if key in self.seen or self.manifest.known(key):
                    report.files_skipped += 1
                    continue
                outcome = (status, sha, *outcome[2:])
            elif cached is None:
                self.stat_cache.append((rel, info.st_size, info.st_mtime_ns, outcome[1] or ""))
            if status == "skipped":  # known, or a repeat: read, not landed
                report.files_skipped += 1
                continue
            read.append((found, outcome, key or ""))
        # Which paths had a version ingested before: one indexed query per task, not every
        # path loaded up front (a new day's 1,333 files at 1,000 accounts spent 2 s on that).
        ingested: set[str] = set()
        if self.manifest_had_files:  # a first ingest's tasks ask nothing
            ingested = self.manifest.ingested_among(
                [found[1] for found, outcome, _ in read if outcome[0] == "ok"]
            )
        rows_by_kind = report.rows_by_kind
        for found, outcome, key in read:
            self.seen.add(key)
            status, sha, size, reason, raw, platform, kind, spans, _ = outcome
            parts, rel, info, _ = found
            if status != "ok":
                file = _describe(landing, parts, info)
                _quarantine(file, key, sha, info.st_size if raw is None else size,
                            reason or "", raw, self.home, batch, report)  # fmt: skip
                continue
            total = 0
            for table, (_, n) in spans.items():
                name = f"{platform}/{table}"
                rows_by_kind[name] = rows_by_kind.get(name, 0) + n
                total += n
            olds = self.manifest.active_versions(rel) if rel in ingested else []
            _record_ingested(rel, key, sha, size, platform, kind, total, olds, batch, report,
                             held=False)  # fmt: skip
        batch.add_to_commit()
        if batch.commit is not None and self.stat_cache:
            batch.commit.remember(self.stat_cache)
            self.stat_cache.clear()  # (the rest: ``remember_paths`` after the last flush)


class _Parsing:
    """Landing files to read, parse, validate and write to the lake, handed in as the walk
    finds them and merged into the run's batch in that order, a task at a time.

    A folder's files are grouped by the pull date in their names, and a task is whole groups
    (``parallel.Task``): the worker that lands it writes the lake file of each of its days.
    Once there are enough files to pay for worker start-up (``PARALLEL_MIN_FILES``), tasks go
    to worker processes while the walk goes on."""

    def __init__(self, run: _Run, workers: int | None) -> None:
        workers = default_workers() if workers is None else max(1, workers)
        if multiprocessing.current_process().daemon:
            workers = 1  # a daemonic process may not start children (some task runners)
        self.run, self.workers = run, workers
        self.landing = os.fspath(run.landing)
        self.lake = os.fspath(run.home.lake)
        # asked for known identities by the workers; a first ingest has none to ask for
        self.manifest = os.fspath(run.home.manifest) if run.manifest_had_files else None
        self.folder: tuple[str, ...] | None = None
        self.groups: dict[str | None, list[_Found]] = {}  # the folder's files, by pull date
        self.queue: deque[tuple[list[_Found], frozenset[tuple[str, str, str]]]] = deque()
        self.found = 0
        self.number = 0  # tasks made
        self.pool: ProcessPoolExecutor | None = None
        self.broken = False  # a worker died: everything left is landed in-process
        self.pending: deque[tuple[list[_Found], Task, Future]] = deque()

    def __enter__(self) -> _Parsing:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def add(self, parts: tuple[str, ...], rel: str, info: Stat, sha: str | None) -> None:
        """``sha``: the hash the stat cache holds for the file (None: new or touched)."""
        folder = parts[:-1]
        if folder != self.folder:
            self._close_folder()
            self.folder = folder
        match = NAME.match(parts[-1])
        day = f"{match['ts'][:4]}-{match['ts'][4:6]}-{match['ts'][6:8]}" if match else None
        self.groups.setdefault(day, []).append((parts, rel, info, sha))
        self.found += 1

    def _close_folder(self) -> None:
        """The folder's groups into tasks of about ``CHUNK_FILES`` files, a group never split."""
        folder, groups = self.folder, self.groups
        self.groups = {}
        if not groups or folder is None:
            return
        primary = folder if len(folder) == 2 else None  # the lake table named like the folder
        files: list[_Found] = []
        owned: set[tuple[str, str, str]] = set()
        for day, group in groups.items():
            files.extend(group)
            if day is not None and primary is not None:
                owned.add((primary[0], primary[1], day))
            if len(files) >= CHUNK_FILES:
                self.queue.append((files, frozenset(owned)))
                files, owned = [], set()
        if files:
            self.queue.append((files, frozenset(owned)))
        enough = self.pool is not None or self.found >= PARALLEL_MIN_FILES
        if self.workers > 1 and not self.broken and enough:
            while self.queue:
                self._submit(*self.queue.popleft())

    def finish(self) -> None:
        """Lands what is left and merges every task still out."""
        self._close_folder()
        while self.queue:
            files, owned = self.queue.popleft()
            if self.pool is None or self.broken:
                self._drain()
                self.run._merge(files, land_task(self._task(files, owned)))
            else:
                self._submit(files, owned)
        self._drain()

    def _task(self, files: list[_Found], owned: frozenset[tuple[str, str, str]]) -> Task:
        run = self.run
        if not run.batch.begun:  # before anything is written under its id
            run.manifest.begin_batch(run.batch.id, [])
            run.batch.begun = True
        self.number += 1
        return Task(
            self.landing,
            [(parts, info) for parts, _, info, _ in files],
            [sha for _, _, _, sha in files],
            run.ingested_at,
            self.lake,
            run.batch.id,
            self.number,
            owned,
            self.manifest,
            os.getpid(),
        )

    def _submit(self, files: list[_Found], owned: frozenset[tuple[str, str, str]]) -> None:
        if self.pool is None:
            # spawn, not fork: the parent holds pyarrow's thread pools, which fork does not
            # copy safely
            context = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=init_worker
            )
        task = self._task(files, owned)
        try:
            future = self.pool.submit(land_task, task)
        except BrokenProcessPool:
            self._broke([(files, task)])
            return
        self.pending.append((files, task, future))
        # Merge, in order, whatever is done, without waiting; wait only when enough is out
        # (``TASKS_AHEAD``) that the workers need not wait for this process meanwhile.
        ahead = TASKS_AHEAD * self.workers
        while self.pending and (self.pending[0][2].done() or len(self.pending) > ahead):
            self._merge_next()

    def _drain(self) -> None:
        while self.pending:
            self._merge_next()

    def _merge_next(self) -> None:
        files, task, future = self.pending.popleft()
        try:
            landed = future.result()
        except BrokenProcessPool:
            self._broke([(files, task), *((f, t) for f, t, _ in self.pending)])
            return
        self.run._merge(files, landed)

    def _broke(self, tasks: list[tuple[list[_Found], Task]]) -> None:
        """A worker was killed from outside (some task supervisors end children they did not
        start): tasks are merged in order, so the rest is landed here, none twice (a task
        landed again writes the same files under the same names)."""
        log.warning("a parse worker died; landing the remaining tasks in-process")
        self.broken = True
        self.pending.clear()
        for files, task in tasks:
            self.run._merge(files, land_task(task))


def _describe(landing: Path, parts: tuple[str, ...], info: os.stat_result | Stat) -> LandingFile:
    return describe(landing, landing.joinpath(*parts), parts, info)


def _key(landing: Path, parts: tuple[str, ...], info: os.stat_result | Stat, sha: str) -> str:
    """The identity of a file the runner did not hand to a worker, or a worker did not read."""
    return file_key(_describe(landing, parts, info), sha)


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
            sources=None if is_zip(content.raw) else [content.raw],
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
        _record_ingested(file.rel, key, sha, size, parser.platform, parser.kind, total,
                         manifest.active_versions(file.rel), batch, report)  # fmt: skip
        return
    _quarantine(file, key, sha, size, reason, content.raw, home, batch, report)


def _record_ingested(
    rel: str,
    key: str,
    sha: str,
    size: int,
    platform: str,
    kind: str,
    total: int,
    versions: Iterable[str],
    batch: _Batch,
    report: IngestReport,
    *,
    held: bool = True,
) -> None:
    """Books a parsed file into the batch (``held``: its rows are in the batch's tables, not
    already in lake files a worker wrote). ``versions``: the path's versions still in the lake;
    a new version supersedes their rows. The manifest records the landing kind (the folder),
    which is what a file "is"."""
    if held:
        batch.row_count += total
    for old in versions:
        if old != sha:
            batch.retractions.append((rel, old, f"superseded by version {sha[:12]}"))
            report.superseded.append(rel)
    note = None if total else "no rows: the response says it is empty"
    batch.records.append(FileRecord(key, sha, size, rel, platform, kind, total, "ingested", note))
    report.new_files.append(rel)
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
    if batch.commit is None:  # no worker wrote a lake file for the batch (that opens it)
        if not batch.records:
            if batch.begun:  # nothing was written under it
                manifest.forget_batch(batch.id)
            return
        if not (batch.tables or batch.retractions):
            manifest.commit_batch(None, batch.records)  # quarantined or empty files only
            if batch.begun:
                manifest.forget_batch(batch.id)
            return
        if not batch.begun:  # recorded as being written before the runner writes its files
            manifest.begin_batch(batch.id, [])
        batch.commit = manifest.open_commit(batch.id)
    # A batch that never commits is found by the id in its files' names (``_recover``): the
    # commit holds the manifest from the first lake file on, so none is listed.
    written = [Path(name) for name in batch.lake_files]
    commit = batch.commit
    try:
        held = batch.write_held(home.lake)
        written += [Path(name) for name in held.lake_files]
        if batch.retractions:
            target = retraction_file(home.lake, batch.id)
            atomic_write_table(retraction_table(batch.retractions, datetime.now(UTC)), target)
            written.append(target)
        commit.add(
            batch.records[batch.added :], batch.retractions,
            {**batch.lake_ranges, **held.lake_ranges},
            add_ranges(batch.file_ranges, held.file_ranges),
        )  # fmt: skip
        report.lake_files.extend(os.fspath(p) for p in written)
        # The commit says these files hold the batch's rows, and a rerun skips their
        # landing files from then on: they must be on disk before it, or a power cut
        # could leave a manifest naming files that never reached it (rows lost, never
        # re-read). The renames made them visible, not durable.
        make_durable(written, home.lake)
    except BaseException:
        commit.rollback()
        raise
    commit.commit()
