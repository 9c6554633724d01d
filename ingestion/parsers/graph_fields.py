"""Small readers for Graph API (Instagram, Facebook) node fields shared by their parsers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingestion.errors import IngestError
from ingestion.values import to_int, to_time


def count(where: str, item: Mapping[str, Any], field: str) -> int | None:
    value = item.get(field)
    try:
        return to_int(value)
    except (ValueError, TypeError):
        raise IngestError(f"{where}: {field} is not a number: {value!r}") from None


def summary_count(
    where: str, item: Mapping[str, Any], field: str, key: str = "total_count"
) -> int | None:
    """``reactions.summary.total_count``-style counts, or ``shares.count``; None when absent."""
    node = item.get(field)
    if not isinstance(node, Mapping):
        return None
    holder = node.get("summary") if isinstance(node.get("summary"), Mapping) else node
    return count(f"{where}: {field}", holder, key)


def time(where: str, item: Mapping[str, Any], field: str):
    try:
        return to_time(item.get(field))
    except ValueError as exc:
        raise IngestError(f"{where}: {field}: {exc}") from None


def nested_insights(item: Mapping[str, Any]) -> dict[str, Any]:
    """Insights requested inline (``fields=insights.metric(...)``): metric name -> first value.

    Media and post insights are lifetime numbers, one value each.
    """
    node = item.get("insights")
    data = node.get("data") if isinstance(node, Mapping) else None
    metrics: dict[str, Any] = {}
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, Mapping) or not entry.get("name"):
            continue
        if "total_value" in entry and isinstance(entry["total_value"], Mapping):
            metrics[str(entry["name"])] = entry["total_value"].get("value")
            continue
        values = entry.get("values")
        if isinstance(values, list) and values and isinstance(values[0], Mapping):
            metrics[str(entry["name"])] = values[0].get("value")
    return metrics
