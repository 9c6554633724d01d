"""X (Twitter) API v2 responses: users lookup, tweets/timeline, followers pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.parsers.base import JsonApiParser, Page, Row
from ingestion.values import leftovers, to_bool, to_int, to_text, to_time

_PROFILE_TEXT = ("username", "name", "description", "location", "url", "profile_image_url")
_PROFILE_KNOWN = frozenset(
    (*_PROFILE_TEXT, "id", "protected", "verified", "created_at", "public_metrics")
)
# The published OpenAPI file spells some metrics differently from the docs: accept both.
_USER_METRICS = {
    "followers_count": ("followers_count",),
    "following_count": ("following_count",),
    "tweet_count": ("tweet_count", "post_count"),
    "listed_count": ("listed_count",),
    "like_count": ("like_count",),
    "media_count": ("media_count",),
}
_TWEET_METRICS = {
    "retweet_count": ("retweet_count", "repost_count"),
    "reply_count": ("reply_count",),
    "like_count": ("like_count",),
    "quote_count": ("quote_count",),
    "impression_count": ("impression_count",),
    "bookmark_count": ("bookmark_count",),
}
_CLICK_METRICS = {
    "url_link_clicks": ("url_link_clicks",),
    "user_profile_clicks": ("user_profile_clicks",),
}


def _metrics(where: str, sources: list[Any], spec: Mapping[str, tuple[str, ...]]) -> Row:
    present = [source for source in sources if isinstance(source, Mapping)]
    merged: Mapping[str, Any]
    if len(present) == 1:
        merged = present[0]
    else:
        merged = {}
        for source in present:
            merged.update(source)
    row: Row = {}
    for column, spellings in spec.items():
        value = None
        for spelling in spellings:
            if spelling in merged:
                value = merged[spelling]
                break
        try:
            row[column] = to_int(value)
        except ValueError:
            raise IngestError(f"{where}: {column} is not a number: {value!r}") from None
    return row


def _time(where: str, value: Any, field: str):
    try:
        return to_time(value)
    except ValueError as exc:
        raise IngestError(f"{where}: {field}: {exc}") from None


def profile_columns(user: Mapping[str, Any], where: str) -> Row:
    """The user-object columns shared by users lookups and followers pages."""
    row: Row = {key: to_text(user.get(key)) for key in _PROFILE_TEXT}
    row["protected"] = to_bool(user.get("protected"))
    row["verified"] = to_bool(user.get("verified"))
    row["created_at"] = _time(where, user.get("created_at"), "created_at")
    row.update(_metrics(where, [user.get("public_metrics")], _USER_METRICS))
    row["extra"] = leftovers(
        user, (*_PROFILE_TEXT, "id", "protected", "verified", "created_at", "public_metrics")
    )
    return row


class XUsersParser(JsonApiParser):
    platform = "x"
    kind = "users"

    def row(self, item: Mapping[str, Any], page: Page, file: LandingFile) -> Row:
        where = f"{file.rel}: user {item['id']}"
        return {
            "account_id": str(item["id"]),
            "observed_at": page.observed_at,
            **profile_columns(item, where),
        }


class XFollowersParser(JsonApiParser):
    platform = "x"
    kind = "followers"
    account_in_name = True  # the followers endpoint does not name the followed account

    def row(self, item: Mapping[str, Any], page: Page, file: LandingFile) -> Row:
        where = f"{file.rel}: follower {item['id']}"
        return {
            "account_id": file.account_id,
            "observed_at": page.observed_at,
            "follower_id": str(item["id"]),
            **profile_columns(item, where),
        }


_TWEET_KNOWN = frozenset((
    "id", "author_id", "created_at", "text", "lang", "conversation_id", "in_reply_to_user_id",
    "referenced_tweets", "public_metrics", "non_public_metrics", "organic_metrics",
))  # fmt: skip


class XTweetsParser(JsonApiParser):
    platform = "x"
    kind = "tweets"

    def row(self, item: Mapping[str, Any], page: Page, file: LandingFile) -> Row:
        where = f"{file.rel}: tweet {item['id']}"
        # A user timeline may omit author_id; then the file name says whose timeline it is.
        account = to_text(item.get("author_id")) or self.require_account(file)
        referenced = item.get("referenced_tweets") or []
        if not isinstance(referenced, list):
            raise IngestError(f"{where}: referenced_tweets should be a list: {referenced!r:.80}")
        first_ref = referenced[0] if referenced and isinstance(referenced[0], Mapping) else {}
        metric_sources = [
            item.get("public_metrics"),
            item.get("organic_metrics"),
            item.get("non_public_metrics"),
        ]
        return {
            "account_id": account,
            "observed_at": page.observed_at,
            "post_id": str(item["id"]),
            "created_at": _time(where, item.get("created_at"), "created_at"),
            "text": to_text(item.get("text")),
            "lang": to_text(item.get("lang")),
            "conversation_id": to_text(item.get("conversation_id")),
            "in_reply_to_user_id": to_text(item.get("in_reply_to_user_id")),
            "referenced_type": to_text(first_ref.get("type")),
            "referenced_id": to_text(first_ref.get("id")),
            **_metrics(where, metric_sources[:1], _TWEET_METRICS),
            **_metrics(where, metric_sources[1:], _CLICK_METRICS),
            "extra": leftovers(item, _TWEET_KNOWN),
        }
