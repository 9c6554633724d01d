"""X account archive (.zip): account.js, tweets.js (or tweet.js, with parts), follower.js, following.js.

One landing file feeds three lake tables: ``archive_account`` (the owner), ``archive_relations``
(follower and following lists, a snapshot without dates) and ``tweets`` (the same table as the
API's tweets, so marts need no second path).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.parsers.base import Parser, Row, Tables, decode_text, load_json, resolve_account
from ingestion.parsers.safe_zip import SafeZip
from ingestion.values import leftovers, to_int, to_text, to_time

# data/<name>.js or data/<name>-part<N>.js, possibly under one top folder of the download.
_DATA_FILE = re.compile(r"(?:^|/)data/(?P<name>[a-z_]+?)(?:-part(?P<part>\d+))?\.js$", re.I)
_TWEET_FILES = ("tweets", "tweet")  # newer / older archives
# Personal details that identify a person beyond the public account: not kept in the lake.
_PRIVATE = frozenset(("email", "phoneNumber", "createdVia"))
_ACCOUNT_KNOWN = frozenset(("accountId", "username", "accountDisplayName", "createdAt")) | _PRIVATE
_TWEET_KNOWN = frozenset((
    "id", "id_str", "full_text", "text", "created_at", "lang", "in_reply_to_status_id",
    "in_reply_to_status_id_str", "in_reply_to_user_id", "in_reply_to_user_id_str",
    "retweet_count", "favorite_count",
))  # fmt: skip
_RELATION_KNOWN = frozenset(("accountId", "userLink"))


def read_ytd(where: str, raw: bytes) -> Any:
    """``window.YTD.<name>.part0 = [...]`` (or any ``x = <json>``) -> the JSON value."""
    text = decode_text(where, raw)
    head, sep, body = text.partition("=")
    if not sep or not head.strip().startswith("window."):
        raise IngestError(f"{where}: not an archive data file (expected 'window.YTD.<name> = ...')")
    try:
        return load_json(where, body.strip().rstrip(";"))
    except ValueError as exc:
        raise IngestError(f"{where}: malformed JSON in archive data file ({exc})") from None


class XArchiveParser(Parser):
    platform = "x"
    kind = "archive"
    tables = ("archive_account", "archive_relations", "tweets")

    def parse(self, file: LandingFile, raw: bytes) -> Tables:
        archive = SafeZip(file, raw)
        members: dict[str, list[tuple[int, str]]] = {}
        manifest = None
        for name in archive.names():
            match = _DATA_FILE.search(name)
            if not match:
                continue
            kind = match["name"].lower()
            if kind == "manifest":
                manifest = name
            members.setdefault(kind, []).append((int(match["part"] or 0), name))

        def items(kind: str) -> list[tuple[str, Mapping[str, Any]]]:
            found = []
            for _, name in sorted(members.get(kind, [])):
                where = f"{file.rel}!{name}"
                data = read_ytd(where, archive.read(name))
                if not isinstance(data, list):
                    raise IngestError(f"{where}: expected a list")
                found.extend((where, item) for item in data)
            return found

        if not members:
            raise IngestError(
                f"{file.rel}: no data/*.js files in the archive: not an X account archive"
            )
        account_items = items("account")
        account_node = _unwrap(account_items[0][1], "account") if account_items else {}
        where = account_items[0][0] if account_items else file.rel
        account = resolve_account(file, account_node.get("accountId"), where)
        observed = file.pulled_at or (
            _generated_at(f"{file.rel}!{manifest}", archive.read(manifest)) if manifest else None
        )
        if observed is None:
            raise IngestError(
                f"{file.rel}: no pull time: the name must carry it as YYYYMMDDTHHMMSSZ "
                "(the archive has no data/manifest.js with generationDate)"
            )
        tables: Tables = {"archive_account": [], "archive_relations": [], "tweets": []}
        if account_items:
            tables["archive_account"].append(
                {
                    "account_id": account,
                    "observed_at": observed,
                    "username": to_text(account_node.get("username")),
                    "display_name": to_text(account_node.get("accountDisplayName")),
                    "created_at": _time(where, account_node.get("createdAt")),
                    "extra": leftovers(account_node, _ACCOUNT_KNOWN),
                }
            )
        for relation in ("follower", "following"):
            for item_where, item in items(relation):
                node = _unwrap(item, relation)
                other = to_text(node.get("accountId"))
                if not other:
                    raise IngestError(f"{item_where}: a {relation} has no accountId")
                tables["archive_relations"].append(
                    {
                        "account_id": account,
                        "observed_at": observed,
                        "relation": relation,
                        "other_id": other,
                        "user_link": to_text(node.get("userLink")),
                        "extra": leftovers(node, _RELATION_KNOWN),
                    }
                )
        tweet_kind = next((k for k in _TWEET_FILES if k in members), None)
        for item_where, item in items(tweet_kind) if tweet_kind else []:
            tables["tweets"].append(
                _tweet_row(item_where, _unwrap(item, "tweet"), account, observed)
            )
        return tables


def _unwrap(item: Any, key: str) -> Mapping[str, Any]:
    """Archive items are ``{"<key>": {...}}``; very old tweet files are bare objects."""
    if isinstance(item, Mapping):
        inner = item.get(key)
        return inner if isinstance(inner, Mapping) else item
    raise IngestError(f"archive item is not an object: {item!r}")


def _time(where: str, value: Any) -> datetime | None:
    try:
        return to_time(value)
    except ValueError as exc:
        raise IngestError(f"{where}: {exc}") from None


def _generated_at(where: str, raw: bytes) -> datetime | None:
    config = read_ytd(where, raw)
    info = config.get("archiveInfo") if isinstance(config, Mapping) else None
    return _time(where, info.get("generationDate")) if isinstance(info, Mapping) else None


def _count(where: str, tweet: Mapping[str, Any], field: str) -> int | None:
    value = tweet.get(field)
    try:
        return to_int(value)  # archives carry counts as strings ("12")
    except ValueError:
        raise IngestError(f"{where}: {field} is not a number: {value!r}") from None


def _tweet_row(where: str, tweet: Mapping[str, Any], account: str, observed: datetime) -> Row:
    post_id = to_text(tweet.get("id_str") or tweet.get("id"))
    if not post_id:
        raise IngestError(f"{where}: a tweet has no id_str")
    where = f"{where}: tweet {post_id}"
    text = to_text(tweet.get("full_text") or tweet.get("text"))
    reply_to = to_text(tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id"))
    if reply_to:
        ref_type, ref_id = "replied_to", reply_to
    elif isinstance(text, str) and text.startswith("RT @"):
        ref_type, ref_id = "retweeted", None  # the archive does not give the original's id
    else:
        ref_type, ref_id = None, None
    return {
        "account_id": account,
        "observed_at": observed,
        "post_id": post_id,
        "created_at": _time(where, tweet.get("created_at")),
        "text": text,
        "lang": to_text(tweet.get("lang")),
        "conversation_id": None,
        "in_reply_to_user_id": to_text(
            tweet.get("in_reply_to_user_id_str") or tweet.get("in_reply_to_user_id")
        ),
        "referenced_type": ref_type,
        "referenced_id": ref_id,
        "retweet_count": _count(where, tweet, "retweet_count"),
        "reply_count": None,
        "like_count": _count(where, tweet, "favorite_count"),
        "quote_count": None,
        "impression_count": None,
        "bookmark_count": None,
        "url_link_clicks": None,
        "user_profile_clicks": None,
        "extra": leftovers(tweet, _TWEET_KNOWN),
    }
