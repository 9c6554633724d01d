"""Building a chunk's rows column by column, for the shapes the busiest landing kinds arrive in.

A parser's ``parse`` builds one dict per row through the loose-value coercions of
``values.py``: about 25 µs of Python per row, five times the cost of reading and decoding the
file. A ``ColumnarParser`` also offers ``items`` (the same decoding and response checks as
``parse``, per file) and ``columns`` (the rows of a whole chunk of files at once, one Python
list and one Arrow conversion per column). ``columns`` covers only the strict shape of each
field: text that is text, counts that are integers, ISO 8601 times with a zone, epoch
milliseconds. Anything else — a count sent as "1,234", a float, an object where text should
be, a field that needs a parser's special handling — raises ``NotColumnar``, and the runner
sends those files through ``parse``, so the loose values keep their one definition and the
bad ones their reasons. ``tests/test_columnar.py`` checks both ways agree, row for row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.parsers.base import Page, Parser, resolve_account
from ingestion.schemas import TS
from ingestion.values import leftovers


class NotColumnar(Exception):
    """Some value is outside the shape ``columns`` builds: these files go through ``parse``."""


@dataclass(slots=True)
class Item:
    """One row's source: the item, the page it came from, the file (its index in the group).
    Not frozen: a frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__``, 0.45 µs an item against 0.14 µs, for every row of a chunk."""

    file: int
    page: Page
    body: Mapping[str, Any]


#: A file's items, as ``ColumnarParser.items`` gives them.
Items = list[tuple[Page, Mapping[str, Any]]]
Columns = dict[str, pa.Array | list]


class ColumnarParser(Parser):
    """A parser whose common shape can also be built a chunk at a time (see module doc)."""

    def items(self, file: LandingFile, raw: bytes) -> Items:
        """The file's row sources, after every check ``parse`` makes on the response."""
        raise NotImplementedError

    def columns(self, items: Sequence[Item], files: Sequence[LandingFile]) -> Columns:
        """The rows of ``items`` (files[item.file] is each one's file), one entry per column of
        the lake table but the provenance; NotColumnar for a value outside the strict shape."""
        raise NotImplementedError


# ------------------------------------------------------------------ one column, strictly


def text(values: list[Any]) -> pa.Array:
    """Text as given. ``to_text`` turns numbers into digits and passes objects on to be
    refused: either way not the strict shape."""
    try:
        return pa.array(values, pa.string())
    except (pa.ArrowException, TypeError, OverflowError):
        raise NotColumnar from None


def _arrow(values: list[Any], *types: pa.DataType) -> pa.Array:
    """``values`` as Arrow infers them, when that is one of ``types`` or all absent (then of
    the first); NotColumnar otherwise."""
    try:
        array = pa.array(values)
    except (pa.ArrowException, TypeError, OverflowError):  # mixed, or an int beyond int64
        raise NotColumnar from None
    if array.type in types:
        return array
    if array.type == pa.null():
        return pa.nulls(len(values), types[0])
    raise NotColumnar


def counts(values: list[Any]) -> pa.Array:
    """Integers (or absent). Floats round in ``to_int`` but truncate in Arrow, booleans count
    as 0/1 and text is parsed there: all of those go through ``parse``."""
    return _arrow(values, pa.int64())


def floats(values: list[Any]) -> pa.Array:
    """Numbers as floats (``to_float`` of an int or a float; NaN is not JSON)."""
    return _arrow(values, pa.float64(), pa.int64()).cast(pa.float64())


def flags(values: list[Any]) -> pa.Array:
    """Booleans (or absent); ``to_bool`` reads "yes"/"1" and the like, which go through parse."""
    return _arrow(values, pa.bool_())


#: The ISO 8601 times both ``to_time`` (``datetime.fromisoformat``) and Arrow's cast read the
#: same way: date, time to the second, optional milli- or microseconds, a zone. Anything else
#: (no zone, a space, "Sat Feb 18 ...", epoch text, "") is ``to_time``'s to judge.
_ISO_ZONED = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(\.[0-9]{3}|\.[0-9]{6})?(Z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])$"
)


def times(values: list[Any]) -> pa.Array:
    """ISO 8601 texts with a zone (or absent) as UTC timestamps."""
    strings = text(values)
    if strings.null_count == len(strings):
        return pa.nulls(len(values), TS)
    shaped = pc.match_substring_regex(strings, _ISO_ZONED)
    if not pc.all(pc.fill_null(shaped, True)).as_py():
        raise NotColumnar
    try:
        return pc.cast(strings, TS)
    except pa.ArrowException:  # 31 February: to_time names it
        raise NotColumnar from None


# Epoch milliseconds between 1973 and 2100: ``to_time`` reads numbers above 10**11 as
# milliseconds; smaller ones (seconds) and out-of-range ones are its to judge.
_MIN_MS, _MAX_MS = 10**11 + 1, 4_102_444_800_000


def epoch_ms(values: list[Any]) -> pa.Array:
    """Epoch milliseconds (or absent) as UTC timestamps, as ``to_time`` reads them."""
    array = counts(values)
    if array.null_count != len(array):
        low, high = pc.min_max(array).values()
        if low.as_py() < _MIN_MS or high.as_py() > _MAX_MS:
            raise NotColumnar
    micros = pc.multiply(array, 1000)
    return micros.cast(pa.timestamp("us")).cast(TS)


# ------------------------------------------------------------------ reading items


def mapping(value: Any) -> Mapping[str, Any]:
    """A nested object the strict shape expects (absent reads as empty)."""
    if value is None:
        return _EMPTY
    if type(value) is not dict:
        raise NotColumnar
    return value


_EMPTY: Mapping[str, Any] = {}


def spelled(nodes: Sequence[Mapping[str, Any]], spellings: tuple[str, ...]) -> list[Any]:
    """Per node, the value under the first of ``spellings`` present (as ``x._metrics`` takes
    it); None when none is."""
    first, *others = spellings
    if not others:
        return [node.get(first) for node in nodes]
    return [node[first] if first in node else spelled([node], tuple(others))[0] for node in nodes]


def extras(bodies: Sequence[Mapping[str, Any]], known: frozenset[str]) -> list[str | None]:
    """``leftovers`` of each body: what the parser does not map, as JSON text (or None)."""
    return [None if body.keys() <= known else leftovers(body, known) for body in bodies]


def guard(bodies: Sequence[Mapping[str, Any]], special: frozenset[str]) -> None:
    """NotColumnar when a body carries a field the parser handles specially (inline insights,
    an owner to check against the name...): such files keep ``parse``'s handling."""
    if any(not body.keys().isdisjoint(special) for body in bodies):
        raise NotColumnar


def accounts(
    items: Sequence[Item], files: Sequence[LandingFile], response_ids: Sequence[Any]
) -> list[str]:
    """``resolve_account`` per row: the response's id, else the name's; when they disagree, or
    neither says, ``parse`` words the reason."""
    try:
        return [
            resolve_account(files[item.file], rid, "")
            for item, rid in zip(items, response_ids, strict=True)
        ]
    except IngestError:
        raise NotColumnar from None


def named(items: Sequence[Item], files: Sequence[LandingFile]) -> list[str]:
    """The account leading each file's name, where the response names nobody."""
    return accounts(items, files, [None] * len(items))


def observed(items: Sequence[Item]) -> pa.Array:
    """Each row's page's ``observed_at``. A page's rows are consecutive: each page's time is
    converted once and repeated by index (a datetime to Arrow is ~0.5 µs, a row's index
    ~0.05 µs)."""
    stamps: list[datetime] = []
    index: list[int] = []
    last = None
    for item in items:
        if item.page is not last:
            last = item.page
            stamps.append(last.observed_at)
        index.append(len(stamps) - 1)
    return pa.array(stamps, TS).take(pa.array(index, pa.int32()))


def table_of(
    schema: pa.Schema,
    columns: Columns,
    *,
    platform: str,
    files: Sequence[tuple[str, str]],
    file_of_row: np.ndarray,
    ingested_at: datetime,
) -> pa.Table:
    """``columns`` plus the provenance (platform, source file and hash, ingest time) as a
    table of ``schema``; columns not given are null, as ``Table.from_pylist`` leaves them."""
    rows = len(file_of_row)
    index = pa.array(file_of_row, pa.int32())
    zeros = pa.array(np.zeros(rows, np.int32))
    given = {
        "platform": pa.array([platform], pa.string()).take(zeros),
        "source_file": pa.array([f for f, _ in files], pa.string()).take(index),
        "source_sha256": pa.array([s for _, s in files], pa.string()).take(index),
        "ingested_at": pa.array([ingested_at], TS).take(zeros),
    }
    arrays = []
    for field in schema:
        value = given.get(field.name, columns.get(field.name))
        if value is None:
            arrays.append(pa.nulls(rows, field.type))
            continue
        if not isinstance(value, pa.Array):
            value = pa.array(value, field.type)
        elif value.type != field.type:
            value = value.cast(field.type)
        if len(value) != rows:
            raise AssertionError(f"{field.name}: {len(value)} values for {rows} rows")
        arrays.append(value)
    return pa.Table.from_arrays(arrays, schema=schema)
