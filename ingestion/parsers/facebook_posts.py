"""Facebook Page posts (``GET /{page-id}/posts`` or ``/feed``): one row per post per pull."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingestion.landing import LandingFile
from ingestion.parsers.base import JsonApiParser, Page, Row, resolve_account
from ingestion.parsers.columnar import (
    ColumnarParser,
    Columns,
    Item,
    accounts,
    counts,
    extras,
    guard,
    observed,
    text,
    times,
)
from ingestion.parsers.facebook_insights import successor
from ingestion.parsers.graph_fields import count, nested_insights, summary_count, time
from ingestion.values import leftovers, to_text

_TEXT = ("message", "permalink_url", "status_type")
# Per-reaction aliases (``like``, ``love``, ...) other than ``like`` stay in ``extra``.
_KNOWN = frozenset(("id", "created_time", "shares", "reactions", "comments", "like", *_TEXT))


# Inline insights map deprecated names (``successor``): files with them go through ``parse``.
_SPECIAL = frozenset(("insights",))


def _summary(node: Any, key: str = "total_count") -> Any:
    """The raw value ``summary_count`` reads (it then takes it as a count). Decoded JSON:
    every object is a dict."""
    if type(node) is not dict:
        return None
    summary = node.get("summary")
    return (summary if type(summary) is dict else node).get(key)


class FacebookPostsParser(JsonApiParser, ColumnarParser):
    platform = "facebook"
    kind = "posts"

    def columns(self, items: Sequence[Item], files: Sequence[LandingFile]) -> Columns:
        bodies = [item.body for item in items]
        guard(bodies, _SPECIAL)
        post_ids = text([body["id"] for body in bodies]).to_pylist()
        pages = [pid.split("_")[0] if "_" in pid else None for pid in post_ids]
        return {
            "account_id": accounts(items, files, pages),
            "observed_at": observed(items),
            "post_id": post_ids,
            "created_at": times([body.get("created_time") for body in bodies]),
            **{key: text([body.get(key) for body in bodies]) for key in _TEXT},
            "shares_count": counts([_summary(body.get("shares"), "count") for body in bodies]),
            "reactions_count": counts([_summary(body.get("reactions")) for body in bodies]),
            "comments_count": counts([_summary(body.get("comments")) for body in bodies]),
            "likes_count": counts([_summary(body.get("like")) for body in bodies]),
            "extra": extras(bodies, _KNOWN),
        }

    def row(self, item: Mapping[str, Any], page: Page, file: LandingFile) -> Row:
        post_id = str(item["id"])
        where = f"{file.rel}: post {post_id}"
        # Post ids are "<page-id>_<post-id>": the page that owns the post is in the id.
        page_id = post_id.split("_")[0] if "_" in post_id else None
        inline: dict[str, Any] = {}
        for name, value in nested_insights(item).items():
            # post_impressions* of older exports are post_media_view today (one mapping table).
            inline.setdefault(successor(name), value)
        return {
            "account_id": resolve_account(file, page_id, where),
            "observed_at": page.observed_at,
            "post_id": post_id,
            "created_at": time(where, item, "created_time"),
            **{key: to_text(item.get(key)) for key in _TEXT},
            # Facebook leaves ``shares`` out when a post has none.
            "shares_count": summary_count(where, item, "shares", "count"),
            "reactions_count": summary_count(where, item, "reactions"),
            "comments_count": summary_count(where, item, "comments"),
            "likes_count": summary_count(where, item, "like"),
            "media_views": count(where, inline, "post_media_view"),
            "clicks": count(where, inline, "post_clicks"),
            "extra": leftovers(item, _KNOWN),
        }
