"""Instagram account insights (``GET /{ig-user-id}/insights``), old ``values`` and new ``total_value``."""

from __future__ import annotations

from ingestion.parsers.insights import InsightsParser


class InstagramInsightsParser(InsightsParser):
    # Instagram removed metrics (``impressions``, 2025) without successors: they keep their
    # own name, so old exports still load and marts choose what to use.
    platform = "instagram"
    kind = "insights"
