"""Coercing the platforms' loose values into typed ones.

Exports carry counts as strings ("424.0"), dashes for "not reported", and several timestamp
spellings; none of that is an error, it is a value or a null.
"""

from __future__ import annotations

import json
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
    """An integer count, or None when absent/not reported. Raises ValueError for garbage."""
    if type(value) is int:  # the common case, millions of times per backfill
        return value
    if value is None or isinstance(value, bool):
        return None if value is None else int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else round(value)
    text = str(value).strip().replace(",", "")
    if text.lower() in _MISSING:
        return None
    return round(float(text))


def to_float(value: Any) -> float | None:
    """A rate or measure ("0.0123", "1,234.5", "-", "4.2%"), or None when not reported."""
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    if isinstance(value, int | float):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    text = str(value).strip().replace(",", "")
    if text.lower() in _MISSING:
        return None
    if text.endswith("%"):
        return float(text[:-1]) / 100
    return float(text)


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
    if value is None or type(value) is str:
        return value
    return str(value)


def to_time(value: Any) -> datetime | None:
    """A UTC datetime from ISO 8601, the X legacy format, or epoch seconds/milliseconds.

    Epoch numbers above 10**11 are milliseconds (LinkedIn); below, seconds (Instagram DYI):
    10**11 seconds is the year 5138, 10**11 ms is 1973, so the two never overlap in practice.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, tz=UTC)
    text = str(value).strip()
    if text.isdigit():  # epoch numbers sent as strings
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
    return parsed.astimezone(UTC)


def leftovers(item: Mapping[str, Any], known: frozenset[str]) -> str | None:
    """The fields a parser did not map, as JSON text, so schema drift is kept, not dropped."""
    return to_json({k: v for k, v in item.items() if k not in known})


def to_json(fields: Mapping[str, Any]) -> str | None:
    """Fields as JSON text for ``extra``/``value_json``; None when there are none."""
    return json.dumps(fields, ensure_ascii=False, sort_keys=True) if fields else None
