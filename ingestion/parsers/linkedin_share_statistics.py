"""LinkedIn ``organizationalEntityShareStatistics``: totals per time range (or lifetime)."""

from __future__ import annotations

from collections.abc import Mapping

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.parsers.base import Row, Tables, resolve_account
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


class LinkedInShareStatisticsParser(LinkedInElementsParser):
    platform = "linkedin"
    kind = "share_statistics"

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
