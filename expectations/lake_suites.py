"""The GX lake suites, written from the lake's own definition (``ingestion/schemas.py``).

Every lake kind of every platform gets a suite: its columns, the non-null columns, the
platform, the platform id patterns, counts in [0, 10^12] (signed where the schema says so),
accepted values, one row per natural key, and freshness where a kind is pulled on a schedule.
Ingestion enforces the same definition before each write (``ingestion/validate.py``): these
suites confirm on what is in the lake (retracted file versions excluded) what the edge let in.

``python -m expectations.lake_suites`` rewrites ``expectations/suites/lake_*.json``; a test
keeps the committed files equal to what this module writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from expectations.gx_context import SUITES_DIR
from ingestion.schemas import (
    ACCEPTED_VALUES,
    ID_PATTERNS,
    LAKE_SCHEMAS,
    MAX_COUNT,
    NATURAL_KEYS,
    SIGNED_COLUMNS,
)
from realreach_core.home import PLATFORMS

#: Kinds pulled on a schedule: a stale newest observation means the pulls stopped.
FRESH_KINDS = frozenset({("x", "users"), ("x", "tweets"), ("x", "followers")})
_FRESHNESS_NOTE = (
    "freshness: newest observation not older than REALREACH_FRESHNESS_HOURS before the check"
)
# Where a natural key may repeat a little, and why.
_KEY_TOLERANCE: dict[tuple[str, str], tuple[float, str]] = {
    ("x", "followers"): (
        0.99,
        "Follower pages of one pull can repeat a follower when the list shifts between page "
        "requests; models deduplicate. Systematic duplication (a pull stored twice) still fails.",
    ),
}


def _expectation(kind: str, meta: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "meta": meta or {}}


def suite_for(platform: str, kind: str) -> dict[str, Any]:
    key = (platform, kind)
    schema = LAKE_SCHEMAS[key]
    expectations = [
        _expectation(
            "expect_table_columns_to_match_set", column_set=schema.names, exact_match=False
        ),
        *(
            _expectation("expect_column_values_to_not_be_null", column=field.name)
            for field in schema
            if not field.nullable
        ),
    ]
    accepted = ACCEPTED_VALUES.get(key, {})
    platforms = list(accepted.get("platform", PLATFORMS if platform == "registry" else [platform]))
    expectations.append(
        _expectation("expect_column_values_to_be_in_set", column="platform", value_set=platforms)
    )
    for column, values in accepted.items():
        if column != "platform":
            expectations.append(
                _expectation(
                    "expect_column_values_to_be_in_set", column=column, value_set=list(values)
                )
            )
    for column, pattern in ID_PATTERNS.get(key, {}).items():
        expectations.append(
            _expectation("expect_column_values_to_match_regex", column=column, regex=pattern)
        )
    signed = SIGNED_COLUMNS.get(key, frozenset())
    for field in schema:
        if pa.types.is_integer(field.type) or pa.types.is_floating(field.type):
            low = -MAX_COUNT if field.name in signed else 0
            expectations.append(
                _expectation(
                    "expect_column_values_to_be_between",
                    column=field.name,
                    min_value=low,
                    max_value=MAX_COUNT,
                )
            )
    if key in NATURAL_KEYS:
        mostly, note = _KEY_TOLERANCE.get(key, (None, None))
        kwargs: dict[str, Any] = {"column_list": list(NATURAL_KEYS[key])}
        if mostly is not None:
            kwargs["mostly"] = mostly
        expectations.append(
            _expectation(
                "expect_compound_columns_to_be_unique", {"notes": note} if note else None, **kwargs
            )
        )
    if key in FRESH_KINDS:
        expectations.append(
            _expectation(
                "expect_column_max_to_be_between",
                {"notes": _FRESHNESS_NOTE},
                column="observed_at",
                min_value={"$PARAMETER": "observed_at_fresh_since"},
            )
        )
    checks = "schema, ids, counts"
    checks += ", one row per natural key" if key in NATURAL_KEYS else ""
    checks += ", freshness" if key in FRESH_KINDS else ""
    return {
        "name": suite_name(platform, kind),
        "expectations": expectations,
        "meta": {
            "realreach": {
                "source": "lake",
                "platform": platform,
                "kind": kind,
                "purpose": "quality",
            }
        },
        "notes": f"Raw zone {platform}/{kind}: {checks} (written by expectations/lake_suites.py "
        "from ingestion/schemas.py).",
    }


def suite_name(platform: str, kind: str) -> str:
    return f"lake_{platform}_{kind}"


def render(platform: str, kind: str) -> str:
    return json.dumps(suite_for(platform, kind), indent=2) + "\n"


def write_all(folder: Path = SUITES_DIR) -> list[Path]:
    written = []
    for platform, kind in LAKE_SCHEMAS:
        path = folder / f"{suite_name(platform, kind)}.json"
        path.write_text(render(platform, kind))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all():
        print(path)
