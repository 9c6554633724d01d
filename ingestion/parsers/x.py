"""X (Twitter) API v2 responses: users lookup, tweets/timeline, followers pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.parsers.base import JsonApiParser, Page, Row, Tables
from ingestion.parsers.columnar import (
    ColumnarParser,
    Columns,
    Item,
    NotColumnar,
    counts,
    extras,
    flags,
    guard,
    mapping,
    observed,
    spelled,
    text,
    times,
)
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


def profile_arrays(bodies: Sequence[Mapping[str, Any]]) -> Columns:
    """``profile_columns`` of many users at once, for their strict shape (``columnar.py``)."""
    columns: Columns = {key: text([b.get(key) for b in bodies]) for key in _PROFILE_TEXT}
    columns["protected"] = flags([b.get("protected") for b in bodies])
    columns["verified"] = flags([b.get("verified") for b in bodies])
    columns["created_at"] = times([b.get("created_at") for b in bodies])
    metrics = [mapping(b.get("public_metrics")) for b in bodies]
    for column, spellings in _USER_METRICS.items():
        columns[column] = counts(spelled(metrics, spellings))
    columns["extra"] = extras(bodies, _PROFILE_KNOWN)
    return columns


class XUsersParser(JsonApiParser, ColumnarParser):
    platform = "x"
    kind = "users"

    def columns(self, items: Sequence[Item], files: Sequence[LandingFile]) -> Columns:
        bodies = [item.body for item in items]
        return {
            # str(item["id"]) in ``row``: an id sent as a number goes through ``parse``
            "account_id": text([body["id"] for body in bodies]),
            "observed_at": observed(items),
            **profile_arrays(bodies),
        }

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

    def parse(self, file: LandingFile, raw: bytes) -> Tables:
        # X lists followers newest first, so order is evidence (when each one followed):
        # keep the page (the file's _NNN, 1 without) and the position inside the file.
        tables = super().parse(file, raw)
        for position, row in enumerate(tables[self.kind], start=1):
            row["list_page"] = file.page or 1
            row["list_position"] = position
        return tables

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


# Click metrics merge two objects (``_metrics``): files that carry them go through ``parse``.
_TWEET_SPECIAL = frozenset(("organic_metrics", "non_public_metrics"))


class XTweetsParser(JsonApiParser, ColumnarParser):
    platform = "x"
    kind = "tweets"

    def columns(self, items: Sequence[Item], files: Sequence[LandingFile]) -> Columns:
        bodies = [item.body for item in items]
        guard(bodies, _TWEET_SPECIAL)
        firsts = [_first_reference(body) for body in bodies]
        metrics = [mapping(body.get("public_metrics")) for body in bodies]
        columns: Columns = {
            "account_id": text([_author(item, files) for item in items]),
            "observed_at": observed(items),
            "post_id": text([body["id"] for body in bodies]),
            "created_at": times([body.get("created_at") for body in bodies]),
            **{
                key: text([body.get(key) for body in bodies])
                for key in ("text", "lang", "conversation_id", "in_reply_to_user_id")
            },
            "referenced_type": text([first.get("type") for first in firsts]),
            "referenced_id": text([first.get("id") for first in firsts]),
            "extra": extras(bodies, _TWEET_KNOWN),
        }
        for column, spellings in _TWEET_METRICS.items():
            columns[column] = counts(spelled(metrics, spellings))
        return columns

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


def _author(item: Item, files: Sequence[LandingFile]) -> Any:
    """``row``'s account: the tweet's author_id, else the timeline's owner from the name."""
    author = item.body.get("author_id")
    if author is None or author == "":
        author = files[item.file].account_id
        if not author:
            raise NotColumnar  # ``parse`` says the name must carry it
    return author


def _first_reference(body: Mapping[str, Any]) -> Mapping[str, Any]:
    referenced = body.get("referenced_tweets") or []
    if type(referenced) is not list:
        raise NotColumnar
    return referenced[0] if referenced and type(referenced[0]) is dict else {}
