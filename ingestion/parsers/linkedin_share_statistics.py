"""LinkedIn ``organizationalEntityShareStatistics``: totals per time range (or lifetime)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.parsers.base import Page, Row, Tables, resolve_account
from ingestion.parsers.columnar import (
    ColumnarParser,
    Columns,
    Item,
    NotColumnar,
    accounts,
    counts,
    epoch_ms,
    extras,
    floats,
    mapping,
    observed,
)
from ingestion.parsers.graph_fields import count
from ingestion.parsers.linkedin_elements import LinkedInElementsParser, organization_id, time_range
from ingestion.values import to_float, to_json

_COUNTS = {
    "click_count": "clickCount",
    "comment_count": "commentCount",
    "like_count": "likeCount",
    "share_count": "shareCount",
    "share_mention_count": "shareMentionsCount",
    "impression_count": "impressionCount",
    "unique_impressions_count": "uniqueImpressionsCount",
}
_KNOWN = frozenset(("organizationalEntity", "timeRange", "totalShareStatistics"))
_STATS_KNOWN = frozenset((*_COUNTS.values(), "engagement"))


class LinkedInShareStatisticsParser(LinkedInElementsParser, ColumnarParser):
    platform = "linkedin"
    kind = "share_statistics"

    def items(self, file: LandingFile, raw: bytes) -> list[tuple[Page, Mapping[str, Any]]]:
        found = []
        for where, page, element in self.elements(file, raw):
            if not isinstance(element.get("totalShareStatistics"), Mapping):
                raise IngestError(f"{where}: no totalShareStatistics")
            found.append((page, element))
        return found

    def parse(self, file: LandingFile, raw: bytes) -> Tables:
        rows: list[Row] = []
        for where, page, element in self.elements(file, raw):
            stats = element.get("totalShareStatistics")
            if not isinstance(stats, Mapping):
                raise IngestError(f"{where}: no totalShareStatistics")
            start, end = time_range(where, element)
            try:
                engagement = to_float(stats.get("engagement"))
            except ValueError:
                raise IngestError(f"{where}: engagement is not a number") from None
            extra = {k: v for k, v in element.items() if k not in _KNOWN}
            unknown_stats = {k: v for k, v in stats.items() if k not in _STATS_KNOWN}
            if unknown_stats:
                extra["totalShareStatistics"] = unknown_stats
            rows.append(
                {
                    "account_id": resolve_account(
                        file, organization_id(element.get("organizationalEntity")), where
                    ),
                    "observed_at": page.observed_at,
                    "range_start": start,
                    "range_end": end,
                    **{column: count(where, stats, key) for column, key in _COUNTS.items()},
                    "engagement": engagement,
                    "extra": to_json(extra),
                }
            )
        return {self.kind: rows}

    def columns(self, items: Sequence[Item], files: Sequence[LandingFile]) -> Columns:
        bodies = [item.body for item in items]
        stats = [body["totalShareStatistics"] for body in bodies]
        if any(not node.keys() <= _STATS_KNOWN for node in stats):
            raise NotColumnar  # unknown statistics join ``extra`` under their object's name
        spans = [mapping(body.get("timeRange")) for body in bodies]
        urns = [organization_id(body.get("organizationalEntity")) for body in bodies]
        return {
            "account_id": accounts(items, files, urns),
            "observed_at": observed(items),
            "range_start": epoch_ms([span.get("start") for span in spans]),
            "range_end": epoch_ms([span.get("end") for span in spans]),
            **{
                column: counts([node.get(key) for node in stats]) for column, key in _COUNTS.items()
            },
            "engagement": floats([node.get("engagement") for node in stats]),
            "extra": extras(bodies, _KNOWN),
        }
