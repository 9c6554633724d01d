"""Coercing the platforms' loose values into typed ones.

Exports carry counts as strings ("424.0"), dashes for "not reported", and several timestamp
spellings; none of that is an error, it is a value or a null.
"""

from __future__ import annotations

import functools
import json
import json.encoder
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

_MISSING = {"", "-", "--", "n/a", "na", "null", "none"}
_TIME_FORMATS = (
    "%a %b %d %H:%M:%S %z %Y",  # X archive / v1.1: "Sat Feb 18 19:45:15 +0000 2023"
    "%Y-%m-%d %H:%M %z",  # tweet activity CSV: "2016-09-12 18:32 +0000"
    "%Y-%m-%dT%H:%M:%S%z",  # Graph API: "2026-06-02T07:00:00+0000"
)


def to_int(value: Any) -> int | None:
    """An integer count, or None when absent/not reported. Raises ValueError for garbage.

    "424.0" is 424 and a fraction rounds; infinities ("1e400" parses to one) and containers
    are garbage. Range checks are the lake's (``ingestion/validate.py``).
    """
    if type(value) is int:  # the common case, millions of times per backfill
        return value
    if value is None or isinstance(value, bool):
        return None if value is None else int(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, Mapping | list | tuple | set):
        raise ValueError(f"not a number: {type(value).__name__}")
    if isinstance(value, float):
        return None if math.isnan(value) else _whole(value)
    text = str(value).strip().replace(",", "")
    if text.lower() in _MISSING:
        return None
    if text.isascii() and (text.isdigit() or (text[:1] == "-" and text[1:].isdigit())):
        return int(text)  # exact, however long: the range check rejects what is too big
    return _whole(float(text))


def _whole(number: float) -> int:
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {number}")
    return round(number)


def to_float(value: Any) -> float | None:
    """A rate or measure ("0.0123", "1,234.5", "-", "4.2%"), or None when not reported."""
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    if isinstance(value, Mapping | list | tuple | set):
        raise ValueError(f"not a number: {type(value).__name__}")
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return None
        return _finite(float(value))
    text = str(value).strip().replace(",", "")
    if text.lower() in _MISSING:
        return None
    if text.endswith("%"):
        return _finite(float(text[:-1]) / 100)
    return _finite(float(text))


def _finite(number: float) -> float:
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {number}")
    return number


def to_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "yes"}:
        return True
    if text in {"false", "0", "no"}:
        return False
    return None


def to_text(value: Any) -> str | None:
    """Text as given; numbers (ids sent as JSON numbers) as their digits.

    Objects, lists and booleans are not text: they pass through unchanged so the lake's type
    check (``ingestion/validate.py``) rejects them naming the field, instead of landing
    ``"{'$oid': ...}"`` as if it were a value.
    """
    if value is None or type(value) is str:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def to_time(value: Any) -> datetime | None:
    """A UTC datetime from ISO 8601, the X legacy format, or epoch seconds/milliseconds.

    Epoch numbers above 10**11 are milliseconds (LinkedIn); below, seconds (Instagram DYI):
    10**11 seconds is the year 5138, 10**11 ms is 1973, so the two never overlap in practice.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"epoch time out of range: {value}") from None
    if isinstance(value, Mapping | list | tuple | set):
        raise ValueError(f"not a timestamp: {type(value).__name__}")
    return _text_time(str(value).strip())


@functools.lru_cache(maxsize=16384)
def _text_time(text: str) -> datetime | None:
    """``to_time`` of a text: cached, as a day's files repeat the same few stamps (an
    insights end_time, a pull time) thousands of times; datetimes are immutable."""
    if text.isascii() and text.isdigit() and len(text) <= 16:  # epoch numbers sent as strings
        return to_time(int(text))
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for fmt in _TIME_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"unrecognised timestamp {text!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 with an offset
        raise ValueError(f"timestamp out of range: {text!r}") from None


def leftovers(item: Mapping[str, Any], known: frozenset[str]) -> str | None:
    """The fields a parser did not map, as JSON text, so schema drift is kept, not dropped."""
    return to_json({k: v for k, v in item.items() if k not in known})


def to_json(fields: Mapping[str, Any]) -> str | None:
    """Fields as JSON text for ``extra``/``value_json``; None when there are none."""
    return _dumps(fields) if fields else None


_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def _dumps(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, sort_keys=True)``, the same text, at a fifth of
    the cost: dumps builds an encoder per call, and ``extra`` is written for most rows of a
    backfill. Values come from a JSON decoder, so they cannot be circular."""
    if _C_ENCODE is None:
        return _JSON.encode(value)
    return "".join(_C_ENCODE(value, 0))


_C_ENCODE = (
    None
    if json.encoder.c_make_encoder is None
    else json.encoder.c_make_encoder(
        None, _JSON.default, json.encoder.encode_basestring, None, ": ", ", ", True, False, True
    )
)
