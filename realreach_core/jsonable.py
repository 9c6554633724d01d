"""The one JSON encoder: reports, alerts, check results and asset extras all go through it.

Values come from dataclasses, DuckDB/pandas rows (numpy scalars, Timestamps, NaN/NaT/NA) and
paths; JSON gets plain types. numpy and pandas are recognised without being imported, so this
module stays cheap for the command line and Airflow's DAG parsing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from pathlib import PurePath
from typing import Any

_MISSING_TYPES = {"NaTType", "NAType"}  # pandas' missing values


def to_jsonable(value: Any) -> Any:
    """Plain JSON types for ``value``: dates as ISO strings, missing values as None."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if type(value).__name__ in _MISSING_TYPES:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):  # numpy array/scalar
        return to_jsonable(value.tolist())
    return str(value)


def dumps(value: Any, **options: Any) -> str:
    """``json.dumps`` of ``to_jsonable(value)``; UTF-8 text is kept as it is."""
    options.setdefault("ensure_ascii", False)
    return json.dumps(to_jsonable(value), **options)
