"""Reading, parsing, validating and landing files in worker processes, a task at a time.

A worker takes a task of files, reads each through the jail (``read_landing``: lstat'd
regular files, O_NOFOLLOW, bounded), parses it into rows and validates the task's rows of each
lake table in one vectorised pass — the common case, where every value is fine. Only when that
pass finds a bad value are the task's files validated one by one, so the bad file is named,
quarantined by the runner, and the rest of the task still lands: the same edge check as
``parse_file``, paid once per task instead of once per file.

``land_task`` then writes the rows to the lake itself (``Task`` says why that is safe) and
sends back, per file, its outcome and identity, and the change log's ranges of what it wrote;
the runner records, quarantines and commits. ``parse_chunk`` is the same without writing.
"""

from __future__ import annotations

import importlib.abc
import os
import sys
from collections import defaultdict
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa

from ingestion.changes import DaySplit, add_ranges, day_ranges, iso_day, split_by_day
from ingestion.errors import IngestError
from ingestion.lake import atomic_write_table, by_day, partition_path
from ingestion.landing import LandingFile
from ingestion.manifest import Range
from ingestion.parsers.columnar import ColumnarParser, Item, Items, NotColumnar, table_of
from ingestion.parsers.safe_zip import is_zip
from ingestion.reading import Content, NotSettled, read_landing
from ingestion.schemas import schema_for
from ingestion.validate import checked_table, validated_table
from realreach_core.memory import gc_paused

#: Exceptions a format quirk can raise in a parser: the file is quarantined, the batch goes on.
PARSE_ERRORS = (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError,
                OverflowError, UnicodeError, RecursionError, pa.ArrowException)  # fmt: skip


class _NoPandas(importlib.abc.MetaPathFinder):
    """pyarrow imports pandas (if installed) the first time it converts Python objects, only
    to ask whether they are pandas objects; ours never are. That import cost each worker
    about a second of CPU (two when the machine is busy)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r} (parse worker)", name=name)
        return None


def init_worker() -> None:
    """A spawned parse worker's set-up: see ``_NoPandas``. Never in the parent, which runs
    dbt and GX (both use pandas) in the same process."""
    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _NoPandas())


@dataclass
class Parsed:
    """One file's outcome in a worker."""

    status: str  # "ok", "bad" (quarantine with raw), "unread" (quarantine by name), "waiting"
    sha: str | None = None
    size: int = 0
    reason: str | None = None
    raw: bytes | None = None  # only for "bad": the quarantine keeps the bytes
    platform: str | None = None  # the parser's platform and landing kind, for "ok"
    kind: str | None = None
    # lake table -> (offset, rows) in the chunk's table of that name
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    columnar: bool = False  # rows built column by column (already validated)


#: A ``Parsed`` as sent back to the runner: its fields in order, in a plain tuple. The runner
#: unpickled 256 ``Parsed`` objects in 2.0 ms, the same tuples in 0.03 ms: 0.7 s of its time
#: in a first build at 200 accounts, on the one core every chunk passes through.
Outcome = tuple


@dataclass
class Chunk:
    outcomes: list[Outcome]  # per file, in order: ``Parsed``'s fields
    # (platform, lake table) -> validated rows, with what they change
    splits: dict[tuple[str, str], DaySplit]
    keys: list[str | None] = field(default_factory=list)  # per file: its identity, if read

    @property
    def files(self) -> list[Parsed]:
        return [Parsed(*outcome) for outcome in self.outcomes]


class Stat(NamedTuple):
    """The part of a landing entry's lstat a worker needs: sent instead of the entry."""

    st_mode: int
    st_size: int
    st_mtime_ns: int


#: A landing entry to read, as the runner sends it: (landing-relative parts, its lstat).
Entry = tuple[tuple[str, ...], Stat]


def parse_entries(
    landing: str, entries: list[Entry], expected: list[str | None], ingested_at: datetime
) -> Chunk:
    """``parse_chunk`` for entries as the walk found them: each is described here, in the
    worker (a described ``LandingFile`` cost the runner 12 µs to make and 7 µs to pickle),
    and each read file's identity comes back with its outcome."""
    from ingestion.landing import describe
    from ingestion.run import file_key  # the runner imports this module

    root = Path(landing)
    files = [describe(root, root.joinpath(*parts), parts, info) for parts, info in entries]
    chunk = parse_chunk(files, expected, ingested_at)
    chunk.keys = [
        file_key(file, outcome[1]) if outcome[1] else None
        for file, outcome in zip(files, chunk.outcomes, strict=True)
    ]
    return chunk


def parse_chunk(
    files: list[LandingFile], expected: list[str | None], ingested_at: datetime
) -> Chunk:
    """Reads, parses and validates ``files``; ``expected`` is the hash the stat cache holds
    for a file (a file that no longer has it changed while we looked: left for next run).

    Files of a ``ColumnarParser`` are decoded one by one but their rows are built a chunk at
    a time (``parsers/columnar.py``); a group with a value outside that strict shape, or one
    failing the lake's checks, goes through the row-by-row path instead, file by file, so
    loose values are coerced and bad ones named exactly as ``parse_file`` does.
    """
    # A chunk's decoded documents stay alive until its columns are built: hundreds of
    # thousands of dicts and lists, which the cyclic garbage collector would traverse again
    # and again (a third of the chunk's time). JSON values cannot form cycles.
    with gc_paused():
        return _parse_chunk(files, expected, ingested_at)


def _parse_chunk(
    files: list[LandingFile], expected: list[str | None], ingested_at: datetime
) -> Chunk:
    from ingestion.run import parse_rows, parser_for  # the runner imports this module

    out: list[Parsed] = []
    rows_by_table: dict[tuple[str, str], list[dict]] = defaultdict(list)
    groups: dict[ColumnarParser, list[tuple[int, Content, Items]]] = defaultdict(list)
    for file, sha in zip(files, expected, strict=True):
        try:
            content = read_landing(file)
        except NotSettled:
            out.append(Parsed("waiting"))
            continue
        except IngestError as exc:  # too big, or not a regular file any more: never read
            out.append(Parsed("unread", reason=str(exc)))
            continue
        if sha is not None and content.sha256 != sha:
            out.append(Parsed("waiting"))
            continue
        parsed = Parsed("ok", sha=content.sha256, size=len(content.raw))
        out.append(parsed)
        try:
            found_parser = parser_for(file, content)
            parser = found_parser[0]
            if isinstance(parser, ColumnarParser) and not is_zip(content.raw):
                found = parser.items(file, content.raw)
                if found:  # (no rows: ``parse_rows`` says whether the response means it)
                    groups[parser].append((len(out) - 1, content, found))
                    parsed.platform, parsed.kind = parser.platform, parser.kind
                    continue
        except (IngestError, *PARSE_ERRORS) as exc:
            _refuse(parsed, content, _reason(file, exc))
            continue
        _rows(parse_rows, file, content, parsed, rows_by_table, ingested_at, found_parser)

    columnar: dict[tuple[str, str], list[pa.Table]] = defaultdict(list)
    for parser, group in groups.items():
        key = (parser.platform, parser.kind)
        offset = sum(table.num_rows for table in columnar.get(key, []))
        try:
            table = _columnar_table(parser, group, files, ingested_at)
        except (NotColumnar, IngestError, *PARSE_ERRORS):
            for index, content, _ in group:  # the strict shape does not hold: row by row
                out[index].platform = out[index].kind = None
                _rows(parse_rows, files[index], content, out[index], rows_by_table, ingested_at)
            continue
        columnar[key].append(table)
        for index, _, found in group:
            out[index].spans[parser.kind] = (offset, len(found))
            out[index].columnar = True
            offset += len(found)

    rowwise = [(f, p) for f, p in zip(files, out, strict=True) if not p.columnar]
    raws = [p.raw for _, p in rowwise if p.status == "ok"]
    sources = None if any(raw is None or is_zip(raw) for raw in raws) else raws
    try:
        validated = {
            key: validated_table(key[0], key[1], rows, f"{len(files)} files", sources=sources)
            for key, rows in rows_by_table.items()
        }
    except (IngestError, *PARSE_ERRORS):
        validated = _validate_one_by_one(
            [f for f, _ in rowwise], [p for _, p in rowwise], rows_by_table
        )
    tables: dict[tuple[str, str], pa.Table] = {}
    for key in {*columnar, *validated}:
        fast = columnar.get(key, [])
        shift = sum(table.num_rows for table in fast)
        if shift and key in validated:
            for _, parsed in rowwise:
                if parsed.platform == key[0] and key[1] in parsed.spans:
                    start, n = parsed.spans[key[1]]
                    parsed.spans[key[1]] = (start + shift, n)
        pieces = [*fast, *([validated[key]] if key in validated else [])]
        if not pieces:
            continue
        tables[key] = pieces[0] if len(pieces) == 1 else pa.concat_tables(pieces)
    for parsed in out:
        if parsed.status == "ok":
            parsed.raw = None
    return Chunk(
        [
            (p.status, p.sha, p.size, p.reason, p.raw, p.platform, p.kind, p.spans, p.columnar)
            for p in out
        ],
        {key: _split(key, table, out) for key, table in tables.items()},
    )


def _split(key: tuple[str, str], table: pa.Table, out: list[Parsed]) -> DaySplit:
    """The chunk's rows of one lake table by lake file (``changes.split_by_day``)."""
    file_of_row = np.full(table.num_rows, -1, dtype=np.int32)
    for position, parsed in enumerate(out):
        if parsed.platform == key[0] and key[1] in parsed.spans:
            start, n = parsed.spans[key[1]]
            file_of_row[start : start + n] = position
    return split_by_day(table, file_of_row, key[1])


def _refuse(parsed: Parsed, content: Content, reason: str) -> None:
    parsed.status, parsed.reason, parsed.raw = "bad", reason, content.raw


def _reason(file: LandingFile, exc: BaseException) -> str:
    """Why a file is quarantined, from what reading it raised."""
    if isinstance(exc, IngestError):
        return str(exc)
    if isinstance(exc, RecursionError):
        return f"{file.rel}: nested too deeply to read"
    return f"{file.rel}: could not parse ({type(exc).__name__}: {exc})"


def _rows(
    parse_rows: Callable[..., tuple[Any, dict[str, list[dict]]]],
    file: LandingFile,
    content: Content,
    parsed: Parsed,
    rows_by_table: dict[tuple[str, str], list[dict]],
    ingested_at: datetime,
    found: tuple | None = None,
) -> None:
    """One file through ``parse_rows`` (``ingestion.run``'s row-by-row path, passed in: the
    runner imports this module) into ``rows_by_table``."""
    try:
        parser, tables = parse_rows(file, content, ingested_at, found)
    except (IngestError, *PARSE_ERRORS) as exc:
        _refuse(parsed, content, _reason(file, exc))
    else:
        parsed.platform, parsed.kind = parser.platform, parser.kind
        for table, rows in tables.items():
            key = (parser.platform, table)
            parsed.spans[table] = (len(rows_by_table[key]), len(rows))
            rows_by_table[key].extend(rows)
        parsed.raw = content.raw  # dropped at the end unless validation fails


def _columnar_table(
    parser: ColumnarParser,
    group: list[tuple[int, Content, Items]],
    files: list[LandingFile],
    ingested_at: datetime,
) -> pa.Table:
    """A group's rows, built column by column and checked as the lake requires."""
    items = [
        Item(position, page, body)
        for position, (_, _, found) in enumerate(group)
        for page, body in found
    ]
    mine = [files[index] for index, _, _ in group]
    columns = parser.columns(items, mine)
    table = table_of(
        schema_for(parser.platform, parser.kind),
        columns,
        platform=parser.platform,
        files=[
            (file.rel, content.sha256) for file, (_, content, _) in zip(mine, group, strict=True)
        ],
        file_of_row=np.fromiter((item.file for item in items), np.int32, len(items)),
        ingested_at=ingested_at,
    )
    # (no zip reaches this path: ``_parse_chunk`` sends those through ``parse``)
    sources = [content.raw for _, content, _ in group]
    return checked_table(
        parser.platform, parser.kind, table, f"{len(group)} files", sources=sources
    )


def _validate_one_by_one(
    files: list[LandingFile],
    out: list[Parsed],
    rows_by_table: dict[tuple[str, str], list[dict]],
) -> dict[tuple[str, str], pa.Table]:
    """The slow path: a value somewhere is bad; find the file(s) and keep the rest."""
    pieces: dict[tuple[str, str], list[pa.Table]] = defaultdict(list)
    lengths: dict[tuple[str, str], int] = defaultdict(int)
    for file, parsed in zip(files, out, strict=True):
        if parsed.status != "ok":
            continue
        mine: dict[str, pa.Table] = {}
        try:
            for table, (offset, n) in parsed.spans.items():
                rows = rows_by_table[(parsed.platform, table)][offset : offset + n]
                raw = parsed.raw
                mine[table] = validated_table(
                    parsed.platform, table, rows, file.rel,
                    sources=None if raw is None or is_zip(raw) else [raw],
                )  # fmt: skip
        except IngestError as exc:
            parsed.status, parsed.reason, parsed.spans = "bad", str(exc), {}
            continue
        except PARSE_ERRORS as exc:
            parsed.status, parsed.spans = "bad", {}
            parsed.reason = f"{file.rel}: could not parse ({type(exc).__name__}: {exc})"
            continue
        for table, arrow in mine.items():
            key = (parsed.platform, table)
            parsed.spans[table] = (lengths[key], arrow.num_rows)
            lengths[key] += arrow.num_rows
            pieces[key].append(arrow)
    return {key: pa.concat_tables(tables) for key, tables in pieces.items()}


@dataclass
class Task:
    """Landing files for a worker to read, parse, validate and write to the lake.

    The runner makes a task of whole groups of one landing folder, a group being the files
    pulled on one day (the date in their names): rows of a group's day in the folder's own
    lake table are in this task and no other, so the worker writes them to the batch's one
    file of that kind and day (``owned``). Rows on another day (a time the file carries, an X
    archive's tweets) go to a file named for the task as well. Files whose identity the
    manifest knows, or that repeat one earlier in the task, are read but not landed: a repeat
    has the name's account and pull time, so it is in the same group, never in another task.
    """

    landing: str
    entries: list[Entry]
    expected: list[str | None]  # the hash the stat cache holds, per entry
    ingested_at: datetime
    lake: str
    batch_id: str
    number: int
    owned: frozenset[tuple[str, str, str]]  # (platform, lake table, ISO day)
    manifest: str | None  # where to ask for known identities (None: nothing processed yet)
    runner: int  # the runner's pid: a worker whose runner died writes nothing more


@dataclass
class Landed:
    """What a task did: per file its outcome ("skipped": known or repeated) and identity; the
    lake files it wrote, their accounts' ranges and its landing file versions' ranges."""

    outcomes: list[Outcome]
    keys: list[str | None]
    lake_files: list[str] = field(default_factory=list)
    lake_ranges: dict[str, list[Range]] = field(default_factory=dict)
    file_ranges: dict[tuple[str, str], list[Range]] = field(default_factory=dict)


class RunnerGone(Exception):
    """The process that handed out the task died: its batch is rolled back at the next run,
    so nothing more may be written under it."""


def land_task(task: Task) -> Landed:
    """Reads, parses and validates a task's files, then writes their rows to the lake (a
    file per lake table and day, as ``atomic_write_table`` writes) and ranges what it wrote.

    Writing here rather than in the runner keeps the rows off the one core every chunk
    passes through: at 200 accounts a first build's runner spent 0.9 s sorting the batch
    by day, 2 s writing it (two threads) and about 1 s receiving it."""
    chunk = parse_entries(task.landing, task.entries, task.expected, task.ingested_at)
    outcomes, keys = chunk.outcomes, chunk.keys
    known = _known(task.manifest, [key for key in keys if key]) if task.manifest else set()
    seen: set[str] = set()
    skipped: list[int] = []
    for position, key in enumerate(keys):
        if key is None:
            continue
        if key in known or key in seen:
            outcome = outcomes[position]
            outcomes[position] = ("skipped", *outcome[1:])
            skipped.append(position)
        seen.add(key)
    landed = Landed(outcomes, keys)
    lake = Path(task.lake)

    def before_write() -> None:
        if task.runner not in (os.getpid(), os.getppid()):
            raise RunnerGone(task.batch_id)

    for (platform, table), split in chunk.splits.items():
        if skipped:
            keep = ~np.isin(split.file_of_row, skipped)
            if not keep.all():
                split = split_by_day(
                    split.table.filter(pa.array(keep)), split.file_of_row[keep], table
                )
        # a day's rows are all in this task when the runner says it owns the day's file
        write_days(
            split, lake, platform, table, task.batch_id, landed,
            suffix=lambda day, key=(platform, table): (
                "" if (*key, day) in task.owned else f"-{task.number}"
            ),
            before_write=before_write,
        )  # fmt: skip
    return landed


def write_days(
    split: DaySplit,
    lake: Path,
    platform: str,
    table: str,
    batch_id: str,
    into: Landed,
    *,
    suffix: Callable[[str], str],
    before_write: Callable[[], None] = lambda: None,
) -> None:
    """Writes ``split``'s rows (of lake table ``table``) to the batch's lake file of each data
    day, named ``part-<batch id><suffix(day)>.parquet``, and adds to ``into`` the files, their
    accounts' ranges and the ranges of the landing file versions the rows came from."""
    if not split.table.num_rows:
        return
    add_ranges(into.file_ranges, split.file_ranges)
    ranges = day_ranges(split, table)
    for day, rows in by_day([split.table], [split.days]):
        iso = iso_day(day)
        path = partition_path(lake, platform, table, iso, batch_id)
        path = path.with_name(f"{path.stem}{suffix(iso)}{path.suffix}")
        before_write()
        atomic_write_table(rows, path)
        into.lake_files.append(os.fspath(path))
        into.lake_ranges[path.relative_to(lake).as_posix()] = ranges[day]


def _known(manifest: str, keys: list[str]) -> set[str]:
    """Those of ``keys`` the manifest has processed."""
    from ingestion import manifest as manifests  # looked up when called (tests count calls)

    with closing(manifests.read_only(manifest)) as db:
        return manifests.identities_among(db, keys)
