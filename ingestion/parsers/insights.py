"""The long-format insights reader shared by Instagram and Facebook Page Insights.

Both APIs answer ``data[]`` of ``{name, period, values[{value, end_time}], id:
"<object-id>/insights/<metric>/<period>"}``; newer Instagram metrics answer ``total_value``
(with ``breakdowns``) instead of ``values``. One row per metric value.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.parsers.base import JsonApiParser, Page, Row, Tables, resolve_account, usable_id
from ingestion.parsers.columnar import (
    ColumnarParser,
    Columns,
    Item,
    Items,
    NotColumnar,
    accounts,
    floats,
    observed,
    text,
    times,
)
from ingestion.values import to_float, to_json, to_time

# Insights days are Pacific days: a day's value ends (end_time) at the following midnight
# Pacific, whatever the account's own time zone.
PACIFIC = ZoneInfo("America/Los_Angeles")

# title/description are Meta's documentation strings repeated on every response: not data.
_ENTRY_KNOWN = frozenset(("name", "period", "values", "total_value", "id", "title", "description"))
_VALUE_KNOWN = frozenset(("value", "end_time"))


@functools.lru_cache(maxsize=4096)  # a day's files share one end_time; zoneinfo math is slow
def value_date(end_time: datetime | None) -> date | None:
    """The day a value describes: the Pacific day that ends at ``end_time``."""
    if end_time is None:
        return None
    return end_time.astimezone(PACIFIC).date() - timedelta(days=1)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _value_dates(ends: pa.Array) -> pa.Array:
    """``value_date`` of each end time (UTC timestamps), worked out once per distinct time and
    repeated by index: a chunk's files share a handful, and a Python datetime per row cost a
    fifth of the kind's parse. A missing end time has no value date."""
    missing = np.asarray(ends.is_null())
    micros = ends.cast(pa.int64()).fill_null(0).to_numpy()
    distinct, position = np.unique(micros, return_inverse=True)
    days = [value_date(_EPOCH + timedelta(microseconds=int(us))) for us in distinct]
    return pa.array(days, pa.date32()).take(pa.array(position, pa.int32(), mask=missing))


def split_value(value: Any) -> tuple[float | None, str | None]:
    """A number goes to ``value``; an object (by city, by age, ...) to ``value_json``."""
    if isinstance(value, Mapping | list):
        return None, json.dumps(value, ensure_ascii=False, sort_keys=True)
    try:
        return to_float(value), None
    except ValueError:  # a label where a number belongs: keep it rather than fail the file
        return None, json.dumps(value, ensure_ascii=False)


class InsightsParser(JsonApiParser, ColumnarParser):
    """``insights`` of any Graph API object; subclasses name the platform.

    Columnar (``parsers/columnar.py``) for the common shape: metrics with a list of
    ``{value, end_time}`` points, numbers for values, nothing left over for ``extra``. A
    ``total_value`` metric, an object or text value, a post's insights (``object_id``) or an
    unknown field go through ``parse``."""

    def canonical_metric(self, name: str) -> str:
        """Today's name for a metric; the file's name stays in ``source_metric``.

        Unknown metrics are kept under their own name: a new metric never breaks a run.
        """
        return name

    def _entries(
        self, file: LandingFile, raw: bytes
    ) -> Iterator[tuple[Page, Mapping[str, Any], Any, int]]:
        """Each metric of the response: (page, entry, the page object's id, its index), after
        the checks on the response both ``parse`` and ``items`` make."""
        for page in self.pages(file, raw):
            body = page.body
            owner = body.get("id")  # a page object with its insights nested inside
            nested = body.get("insights")
            if isinstance(nested, Mapping):
                body = nested
            if "data" not in body:  # e.g. a page object without the insights edge
                raise IngestError(f"{file.rel}: neither 'data' nor 'insights.data': no insights")
            data = body["data"]
            if not isinstance(data, list):
                raise IngestError(
                    f"{file.rel}: 'data' should be a list, found {type(data).__name__}"
                )
            for index, entry in enumerate(data):
                if not isinstance(entry, Mapping) or not entry.get("name"):
                    raise IngestError(f"{file.rel}: data[{index}] is not a metric (no name)")
                yield page, entry, owner, index

    def parse(self, file: LandingFile, raw: bytes) -> Tables:
        rows: list[Row] = []
        for page, entry, owner, index in self._entries(file, raw):
            rows.extend(self._entry_rows(file, page, entry, owner, index))
        return {self.kind: rows}

    def items(self, file: LandingFile, raw: bytes) -> Items:
        """One item per value point; none (``parse`` reads the file) outside the list shape."""
        found: Items = []
        for page, entry, owner, _ in self._entries(file, raw):
            values = entry.get("values")
            if "total_value" in entry or type(values) is not list:
                return []
            for point in values:
                if type(point) is not dict:
                    return []
                found.append((page, {"entry": entry, "point": point, "owner": owner}))
        return found

    def columns(self, items: Sequence[Item], files: Sequence[LandingFile]) -> Columns:
        entries = [item.body["entry"] for item in items]
        points = [item.body["point"] for item in items]
        if not all(entry.keys() <= _ENTRY_KNOWN for entry in entries) or not all(
            point.keys() <= _VALUE_KNOWN for point in points
        ):
            raise NotColumnar  # leftovers go to ``extra``
        names = [entry["name"] for entry in entries]
        if not all(type(name) is str for name in names):
            raise NotColumnar
        objects = [usable_id(str(entry.get("id") or "").split("/")[0]) for entry in entries]
        owners = [item.body["owner"] for item in items]
        account = accounts(
            items,
            files,
            [
                (obj or "").split("_")[0] or owner
                for obj, owner in zip(objects, owners, strict=True)
            ],
        )
        if any(obj and obj != acc for obj, acc in zip(objects, account, strict=True)):
            raise NotColumnar  # a post's insights: its id goes to ``extra``
        ends = times([point.get("end_time") for point in points])
        return {
            "account_id": account,
            "observed_at": observed(items),
            "metric": [self.canonical_metric(name) for name in names],
            "source_metric": names,
            "period": text([entry.get("period") for entry in entries]),
            "end_time": ends,
            "value_date": _value_dates(ends),
            "value": floats([point.get("value") for point in points]),
        }

    def _entry_rows(
        self, file: LandingFile, page: Page, entry: Mapping[str, Any], owner: Any, index: int
    ) -> list[Row]:
        where = f"{file.rel}: data[{index}] ({entry['name']})"
        object_id = usable_id(str(entry.get("id") or "").split("/")[0])
        # A post's insights are filed under the post "<page-id>_<post-id>": the page owns it.
        account = resolve_account(file, (object_id or "").split("_")[0] or owner, where)
        source = str(entry["name"])
        base = {
            "account_id": account,
            "observed_at": page.observed_at,
            "metric": self.canonical_metric(source),
            "source_metric": source,
            "period": entry.get("period"),
        }
        extra = {k: v for k, v in entry.items() if k not in _ENTRY_KNOWN}
        if object_id and object_id != account:
            extra["object_id"] = object_id
        if "total_value" in entry:
            total = entry["total_value"]
            total = total if isinstance(total, Mapping) else {"value": total}
            value, value_json = split_value(total.get("value"))
            if total.get("breakdowns") is not None:
                value_json = json.dumps(total["breakdowns"], ensure_ascii=False, sort_keys=True)
            rest = {k: v for k, v in total.items() if k not in ("value", "breakdowns")}
            return [
                {
                    **base,
                    "end_time": None,  # the request's since/until bound it, not the response
                    "value_date": None,
                    "value": value,
                    "value_json": value_json,
                    "extra": to_json({**extra, **({"total_value": rest} if rest else {})}),
                }
            ]
        values = entry.get("values", [])
        if not isinstance(values, list):
            raise IngestError(f"{where}: 'values' should be a list")
        rows = []
        for point in values:
            if not isinstance(point, Mapping):
                raise IngestError(f"{where}: a value is not an object: {point!r}")
            try:
                end = to_time(point.get("end_time"))
            except ValueError as exc:
                raise IngestError(f"{where}: end_time: {exc}") from None
            value, value_json = split_value(point.get("value"))
            rest = {k: v for k, v in point.items() if k not in _VALUE_KNOWN}
            rows.append(
                {
                    **base,
                    "end_time": end,
                    "value_date": value_date(end),
                    "value": value,
                    "value_json": value_json,
                    "extra": to_json({**extra, **rest}),
                }
            )
        return rows
