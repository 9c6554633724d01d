"""The lake's expectations, enforced on every file's rows before anything is written.

One layer for every parser, derived from ``ingestion/schemas.py``: the Arrow type of each
column (a text column holds text, a count an integer), nullability, the platform id patterns,
the non-negative counts and the sane ranges. A file with one bad value is quarantined with a
reason naming the file, the row, the field and the value; nothing that would fail a dbt
not_negative or type test, or a GX lake suite, reaches the lake.

Checks are vectorised with pyarrow.compute over the file's table; the slow row-by-row walk
only runs to name the offending value once a conversion has failed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ingestion.errors import IngestError
from ingestion.schemas import (
    ACCEPTED_VALUES,
    ID_PATTERNS,
    MAX_COUNT,
    MAX_TEXT,
    MAX_TIME,
    MIN_TIME,
    SIGNED_COLUMNS,
    schema_for,
)

_MIN_TIME = dt.datetime.fromisoformat(MIN_TIME)
_MAX_TIME = dt.datetime.fromisoformat(MAX_TIME)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _fail(where: str, table: str, index: int, column: str, value: Any, problem: str) -> IngestError:
    return IngestError(f"{where}: {table} row {index + 1}: {column} = {_show(value)}: {problem}")


def validated_table(
    platform: str,
    kind: str,
    rows: list[dict[str, Any]],
    where: str,
    *,
    sources: Sequence[bytes] | None = None,
) -> pa.Table:
    """``rows`` as a table of the lake's schema for ``platform/kind``, or IngestError
    (``sources``: as ``checked_table`` takes them)."""
    schema = schema_for(platform, kind)
    try:
        table = pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowException, OverflowError, TypeError, ValueError) as exc:
        raise _conversion_error(schema, rows, where, f"{platform}/{kind}", exc) from None
    return checked_table(platform, kind, table, where, sources=sources)


def checked_table(
    platform: str, kind: str, table: pa.Table, where: str, *, sources: Sequence[bytes] | None = None
) -> pa.Table:
    """``table`` (of the lake's schema for ``platform/kind``) if every value passes the lake's
    checks, else IngestError naming the first bad one (``validated_table``'s checks).

    ``sources`` (the bytes of the files the rows came from; None: unknown) lets text checks
    that cannot fail be skipped: with no NUL byte and no ``\\u0000`` escape in a file none of
    its text holds a NUL, and text from a small file cannot reach ``MAX_TEXT`` (JSON
    re-encoding at most doubles it). A byte search of the files is C's ``memchr``; the checks
    were three compute passes per text column, per chunk: a tenth of parsing posts."""
    schema = schema_for(platform, kind)
    name = f"{platform}/{kind}"
    nul = sources is None or any(b"\x00" in raw or b"\\u0000" in raw for raw in sources)
    long = sources is None or 2 * max(map(len, sources), default=0) + 1024 >= MAX_TEXT
    ids = ID_PATTERNS.get((platform, kind), {})
    signed = SIGNED_COLUMNS.get((platform, kind), frozenset())
    accepted = ACCEPTED_VALUES.get((platform, kind), {})
    for field in schema:
        column = table.column(field.name)
        if not field.nullable and column.null_count:
            index = _first(pc.is_null(column))
            raise _fail(where, name, index, field.name, None, "must not be empty")
        if pa.types.is_integer(field.type) or pa.types.is_floating(field.type):
            _check_numbers(where, name, field, column, signed=field.name in signed)
        elif pa.types.is_string(field.type):
            _check_text(where, name, field.name, column, ids.get(field.name), nul, long)
            if field.name in accepted:
                allowed = pa.array(accepted[field.name], pa.string())
                bad = pc.and_(pc.invert(pc.is_in(column, value_set=allowed)), column.is_valid())
                _reject_first(
                    bad, where, name, field.name, column, f"not one of {list(accepted[field.name])}"
                )
        elif pa.types.is_timestamp(field.type) or pa.types.is_date(field.type):
            _check_times(where, name, field, column)
    return table


def _reject_first(bad: Any, where: str, table: str, name: str, column: Any, problem: str) -> None:
    """IngestError naming the first row where ``bad`` holds, with its value; else nothing."""
    if pc.any(bad).as_py():
        index = _first(bad)
        raise _fail(where, table, index, name, column[index].as_py(), problem)


def _first(mask: Any) -> int:
    """Index of the first true value of a boolean (chunked) array."""
    filled = pc.fill_null(mask, False)
    if isinstance(filled, pa.ChunkedArray):
        filled = filled.combine_chunks()
    return pc.indices_nonzero(filled)[0].as_py()


def _check_numbers(where: str, table: str, field: pa.Field, column: Any, *, signed: bool) -> None:
    if pa.types.is_floating(field.type):
        not_finite = pc.invert(pc.is_finite(column))
        _reject_first(not_finite, where, table, field.name, column, "not a finite number")
    low = -MAX_COUNT if signed else 0
    if column.null_count == len(column):
        return
    extremes = pc.min_max(column)  # one pass; the row is looked for only when out of range
    if low <= extremes["min"].as_py() and extremes["max"].as_py() <= MAX_COUNT:
        return
    bad = pc.or_(pc.less(column, low), pc.greater(column, MAX_COUNT))
    if pc.any(bad).as_py():
        index = _first(bad)
        value = column[index].as_py()
        problem = (
            "must not be negative" if value < 0 and not signed else f"outside [{low}, {MAX_COUNT}]"
        )
        raise _fail(where, table, index, field.name, value, problem)


def _check_text(
    where: str, table: str, name: str, column: Any, pattern: str | None, nul: bool, long: bool
) -> None:
    if nul:
        has_nul = pc.match_substring(column, "\x00")
        _reject_first(has_nul, where, table, name, column, "contains a NUL byte")
    if long:
        too_long = pc.greater(pc.utf8_length(column), MAX_TEXT)
        _reject_first(too_long, where, table, name, column, f"longer than {MAX_TEXT}")
    if pattern and column.null_count < len(column):
        bad = pc.invert(pc.match_substring_regex(column, pattern))
        _reject_first(bad, where, table, name, column, f"not a platform id (expected {pattern})")


def _check_times(where: str, table: str, field: pa.Field, column: Any) -> None:
    if pa.types.is_date(field.type):
        low, high = pa.scalar(_MIN_TIME.date()), pa.scalar(_MAX_TIME.date())
    else:
        low = pa.scalar(_MIN_TIME, field.type)
        high = pa.scalar(_MAX_TIME, field.type)
    if column.null_count == len(column):
        return
    extremes = pc.min_max(column)
    if low.as_py() <= extremes["min"].as_py() and extremes["max"].as_py() < high.as_py():
        return
    bad = pc.or_(pc.less(column, low), pc.greater_equal(column, high))
    _reject_first(
        bad, where, table, field.name, column, f"outside {MIN_TIME[:10]} .. {MAX_TIME[:10]}"
    )


def _conversion_error(
    schema: pa.Schema, rows: list[dict[str, Any]], where: str, table: str, exc: Exception
) -> IngestError:
    """Names the first value whose Python type does not fit its column."""
    for index, row in enumerate(rows):
        for field in schema:
            value = row.get(field.name)
            if value is None:
                continue
            problem = _type_problem(field.type, value)
            if problem:
                return _fail(where, table, index, field.name, value, problem)
    return IngestError(f"{where}: {table}: values do not fit the lake schema ({exc})")


def _type_problem(kind: pa.DataType, value: Any) -> str | None:
    if pa.types.is_string(kind):
        return None if isinstance(value, str) else f"expected text, found {type(value).__name__}"
    if pa.types.is_boolean(kind):
        return (
            None
            if isinstance(value, bool)
            else f"expected true/false, found {type(value).__name__}"
        )
    if pa.types.is_integer(kind):
        if isinstance(value, bool) or not isinstance(value, int):
            return f"expected an integer, found {type(value).__name__}"
        return None if abs(value) <= MAX_COUNT else f"outside [-{MAX_COUNT}, {MAX_COUNT}]"
    if pa.types.is_floating(kind):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expected a number, found {type(value).__name__}"
        if isinstance(value, int) and abs(value) > MAX_COUNT:
            return f"outside [-{MAX_COUNT}, {MAX_COUNT}]"
        return None if math.isfinite(value) else "not a finite number"
    if pa.types.is_timestamp(kind):
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            return f"expected a UTC time, found {type(value).__name__}"
        return None
    if pa.types.is_date(kind):
        return (
            None if isinstance(value, dt.date) else f"expected a date, found {type(value).__name__}"
        )
    if isinstance(value, Mapping | list):
        return f"unexpected {type(value).__name__}"
    return None
