"""LinkedIn ``organizationalEntityFollowerStatistics``: DAY gains, or lifetime breakdowns."""

from __future__ import annotations

import json

from ingestion.landing import LandingFile
from ingestion.parsers.base import Row, Tables, resolve_account
from ingestion.parsers.graph_fields import count
from ingestion.parsers.linkedin_elements import LinkedInElementsParser, organization_id, time_range
from ingestion.values import leftovers

_KNOWN = frozenset(("organizationalEntity", "timeRange", "followerGains"))


class LinkedInFollowerStatisticsParser(LinkedInElementsParser):
    platform = "linkedin"
    kind = "follower_statistics"

    def parse(self, file: LandingFile, raw: bytes) -> Tables:
        rows: list[Row] = []
        for where, page, element in self.elements(file, raw):
            start, end = time_range(where, element)
            gains = element.get("followerGains")
            gains = gains if isinstance(gains, dict) else {}
            # Lifetime elements count followers by staff size, function, region, ...
            breakdowns = {k: v for k, v in element.items() if k.startswith("followerCountsBy")}
            rest = {k: v for k, v in element.items() if k not in breakdowns}
            rows.append(
                {
                    "account_id": resolve_account(
                        file, organization_id(element.get("organizationalEntity")), where
                    ),
                    "observed_at": page.observed_at,
                    "range_start": start,
                    "range_end": end,
                    "organic_follower_gain": count(where, gains, "organicFollowerGain"),
                    "paid_follower_gain": count(where, gains, "paidFollowerGain"),
                    "breakdowns": json.dumps(breakdowns, sort_keys=True) if breakdowns else None,
                    "extra": leftovers(rest, _KNOWN),
                }
            )
        return {self.kind: rows}
