"""Reading, parsing and validating landing files in worker processes, a chunk at a time.

A worker takes a chunk of files, reads each through the jail (``read_landing``: lstat'd
regular files, O_NOFOLLOW, bounded), parses it into rows and validates the chunk's rows of each
lake table in one vectorised pass — the common case, where every value is fine. Only when that
pass finds a bad value are the chunk's files validated one by one, so the bad file is named,
quarantined by the runner, and the rest of the chunk still lands: the same edge check as
``parse_file``, paid once per chunk instead of once per file.

What goes back to the runner is one Arrow table per lake table plus, per file, its hash and
where its rows sit in those tables; the runner decides what is new and what is quarantined.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.parsers.safe_zip import is_zip
from ingestion.reading import NotSettled, read_landing
from ingestion.validate import validated_table

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

    @property
    def rows(self) -> int:
        return sum(n for _, n in self.spans.values())


@dataclass
class Chunk:
    files: list[Parsed]
    tables: dict[tuple[str, str], pa.Table]  # (platform, lake table) -> validated rows


def parse_chunk(
    files: list[LandingFile], expected: list[str | None], ingested_at: datetime
) -> Chunk:
    """Reads, parses and validates ``files``; ``expected`` is the hash the stat cache holds
    for a file (a file that no longer has it changed while we looked: left for next run)."""
    from ingestion.run import parse_rows  # the runner imports this module

    out: list[Parsed] = []
    rows_by_table: dict[tuple[str, str], list[dict]] = defaultdict(list)
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
        try:
            parser, tables = parse_rows(file, content, ingested_at)
        except IngestError as exc:
            parsed.status, parsed.reason, parsed.raw = "bad", str(exc), content.raw
        except RecursionError:
            parsed.status, parsed.raw = "bad", content.raw
            parsed.reason = f"{file.rel}: nested too deeply to read"
        except PARSE_ERRORS as exc:
            parsed.status, parsed.raw = "bad", content.raw
            parsed.reason = f"{file.rel}: could not parse ({type(exc).__name__}: {exc})"
        else:
            parsed.platform, parsed.kind = parser.platform, parser.kind
            for table, rows in tables.items():
                key = (parser.platform, table)
                parsed.spans[table] = (len(rows_by_table[key]), len(rows))
                rows_by_table[key].extend(rows)
            parsed.raw = content.raw  # dropped below unless validation fails
        out.append(parsed)
    try:
        validated = {
            key: validated_table(key[0], key[1], rows, f"{len(files)} files")
            for key, rows in rows_by_table.items()
        }
    except (IngestError, *PARSE_ERRORS):
        validated = _validate_one_by_one(files, out, rows_by_table)
    for parsed in out:
        if parsed.status == "ok":
            parsed.raw = None
    return Chunk(out, validated)


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
                    source_bytes=None if raw is None or is_zip(raw) else raw,
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
