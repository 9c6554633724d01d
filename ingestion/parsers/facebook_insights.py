"""Facebook Page Insights, with the metrics Meta deprecated mapped onto their successors."""

from __future__ import annotations

from ingestion.parsers.insights import InsightsParser

# THE mapping of deprecated Page/post metrics (Meta, 2025-11-15) to their successors. A row
# keeps the file's name in ``source_metric``, so a mapped value is always traceable and a mart
# can tell an old export's number from a new one's. A key ending in "*" matches by prefix.
DEPRECATED_METRICS: dict[str, str] = {
    "page_fans": "page_follows",
    "page_fan_adds": "page_daily_follows_unique",
    "page_fan_adds_unique": "page_daily_follows_unique",
    "page_fan_removes": "page_daily_unfollows_unique",
    "page_fan_removes_unique": "page_daily_unfollows_unique",
    "page_impressions": "page_media_view",
    "post_impressions*": "post_media_view",  # _unique, _paid, _organic, ... all became views
}
_PREFIXES = tuple((k[:-1], v) for k, v in DEPRECATED_METRICS.items() if k.endswith("*"))


def successor(metric: str) -> str:
    """Today's name of ``metric``; a name we do not know is its own successor."""
    if metric in DEPRECATED_METRICS:
        return DEPRECATED_METRICS[metric]
    for prefix, new in _PREFIXES:
        if metric.startswith(prefix):
            return new
    return metric


class FacebookInsightsParser(InsightsParser):
    platform = "facebook"
    kind = "insights"

    def canonical_metric(self, name: str) -> str:
        return successor(name)
