"""Instagram media page (``GET /{ig-user-id}/media``): one row per post per pull."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingestion.landing import LandingFile
from ingestion.parsers.base import JsonApiParser, Page, Row, resolve_account
from ingestion.parsers.columnar import (
    ColumnarParser,
    Columns,
    Item,
    counts,
    extras,
    guard,
    named,
    observed,
    text,
    times,
)
from ingestion.parsers.graph_fields import count, nested_insights, time
from ingestion.values import leftovers, to_text

_TEXT = ("media_type", "media_product_type", "caption", "permalink")
# Media insights, inline (``insights.metric(...)``) or flattened by an exporter as fields.
_INSIGHTS = ("reach", "views", "saved", "shares", "total_interactions", "follows", "profile_visits")
# ``insights`` stays in ``extra`` whole: it may hold metrics beyond the columns.
_KNOWN = frozenset(("id", "timestamp", "like_count", "comments_count", "owner", *_TEXT, *_INSIGHTS))


# An owner to check against the name, inline insights: files with them go through ``parse``.
_SPECIAL = frozenset(("owner", "insights"))


class InstagramMediaParser(JsonApiParser, ColumnarParser):
    platform = "instagram"
    kind = "media"

    def columns(self, items: Sequence[Item], files: Sequence[LandingFile]) -> Columns:
        bodies = [item.body for item in items]
        guard(bodies, _SPECIAL)
        return {
            "account_id": named(items, files),
            "observed_at": observed(items),
            "post_id": text([body["id"] for body in bodies]),
            "created_at": times([body.get("timestamp") for body in bodies]),
            **{key: text([body.get(key) for body in bodies]) for key in _TEXT},
            **{
                key: counts([body.get(key) for body in bodies])
                for key in ("like_count", "comments_count", *_INSIGHTS)
            },
            "extra": extras(bodies, _KNOWN),
        }

    def row(self, item: Mapping[str, Any], page: Page, file: LandingFile) -> Row:
        where = f"{file.rel}: media {item['id']}"
        # The media edge does not name its owner unless ``owner`` was requested: then the
        # file name must (and, when both exist, they must agree).
        owner = item.get("owner")
        owner_id = owner.get("id") if isinstance(owner, Mapping) else owner
        inline = nested_insights(item)
        row: Row = {
            "account_id": resolve_account(file, owner_id, where),
            "observed_at": page.observed_at,
            "post_id": str(item["id"]),
            "created_at": time(where, item, "timestamp"),
            **{key: to_text(item.get(key)) for key in _TEXT},
            "like_count": count(where, item, "like_count"),
            "comments_count": count(where, item, "comments_count"),
            "extra": leftovers(item, _KNOWN),
        }
        for metric in _INSIGHTS:
            row[metric] = count(where, {metric: item.get(metric, inline.get(metric))}, metric)
        return row
