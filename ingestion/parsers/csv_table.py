"""Reading CSV exports: any of the encodings spreadsheets save, headers normalised, columns checked."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.parsers.base import decode_text


def normalise_header(name: str) -> str:
    """``"Tweet id"`` and ``" tweet ID "`` name the same column: lower case, single spaces."""
    return " ".join(name.replace("\ufeff", "").strip().lower().split())


@dataclass
class CsvTable:
    header: list[str]  # normalised column names, in file order
    records: list[tuple[int, dict[str, str]]]  # (line number, normalised column -> cell)

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        return iter(self.records)


def read_csv(
    file: LandingFile,
    raw: bytes,
    required: Iterable[str],
    aliases: Mapping[str, str] | None = None,
) -> CsvTable:
    """The file's rows keyed by normalised header; a missing required column quarantines it.

    ``aliases`` maps old spellings to today's (e.g. ``favorites`` → ``likes``) before the
    required columns are checked, so an older export is not rejected for its vocabulary.
    """
    text = decode_text(file, raw)
    if "\x00" in text:
        # Not a spreadsheet export: a NUL is binary garbage, and would reach ids as text.
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise IngestError(f"{file.rel}: NUL byte at line {line}: not a text CSV")
    # The delimiter is read off the header line only: tweet texts in the body are full of
    # commas and semicolons and would fool a sniffer. Spreadsheets in some locales save ";",
    # Excel's "Unicode text" saves tabs.
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=lambda d: (first_line.count(d), d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        raw_header = next(reader)
    except StopIteration:
        raise IngestError(f"{file.rel}: empty CSV (no header line)") from None
    except csv.Error as exc:
        raise IngestError(f"{file.rel}: unreadable CSV header ({exc})") from None
    aliases = aliases or {}
    header = [aliases.get(normalise_header(name), normalise_header(name)) for name in raw_header]
    missing = [name for name in required if name not in header]
    if missing:
        raise IngestError(f"{file.rel}: missing column(s) {', '.join(missing)}; found {header}")
    records = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, e.g. a trailing one
            line = reader.line_num
            if len(cells) > len(header):
                raise IngestError(
                    f"{file.rel}: line {line} has {len(cells)} cells but the header {len(header)}"
                )
            records.append((line, dict(zip(header, cells, strict=False))))
    except csv.Error as exc:
        raise IngestError(f"{file.rel}: malformed CSV at line {reader.line_num} ({exc})") from None
    return CsvTable(header, records)
