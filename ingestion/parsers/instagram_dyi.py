"""Instagram "Download your information": followers_N.json, loose or inside the export .zip."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.parsers.base import Parser, Row, Tables, json_documents, pull_time, resolve_account
from ingestion.parsers.safe_zip import SafeZip, is_zip
from ingestion.values import to_json, to_text, to_time

# connections/followers_and_following/followers_1.json, _2, ... (older exports: followers.json)
_FOLLOWERS = re.compile(r"(?:^|/)followers(?:_\d+)?\.json$")
_ENTRY_KNOWN = frozenset(("title", "string_list_data", "media_list_data"))
_ITEM_KNOWN = frozenset(("href", "value", "timestamp"))


class InstagramDyiParser(Parser):
    platform = "instagram"
    kind = "dyi"
    tables = ("dyi_followers",)

    def parse(self, file: LandingFile, raw: bytes) -> Tables:
        # The export is the account's own, but names it nowhere: the file name must.
        account = resolve_account(file, None, file.rel)
        observed = pull_time(file)
        documents: list[tuple[str, bytes]]
        if is_zip(raw) or file.name.lower().endswith(".zip"):
            archive = SafeZip(file, raw)
            names = sorted(name for name in archive.names() if _FOLLOWERS.search(name))
            if not names:
                raise IngestError(
                    f"{file.rel}: no followers_N.json in the archive (expected "
                    "connections/followers_and_following/followers_1.json)"
                )
            documents = [(f"{file.rel}!{name}", archive.read(name)) for name in names]
        else:
            documents = [(file.rel, raw)]
        rows: list[Row] = []
        for where, body in documents:
            for doc in json_documents(where, body):
                for entry in _entries(where, doc):
                    rows.extend(_follower_rows(where, entry, account, observed))
        return {"dyi_followers": rows}


def _entries(where: str, doc: Any) -> list[Mapping[str, Any]]:
    if isinstance(doc, Mapping):
        # Some exports wrap the list: {"relationships_followers": [...]}.
        lists = [value for key, value in doc.items() if isinstance(value, list)]
        if len(lists) != 1:
            raise IngestError(f"{where}: expected a list of followers")
        doc = lists[0]
    if not isinstance(doc, list):
        raise IngestError(f"{where}: expected a list of followers, found {type(doc).__name__}")
    return doc


def _follower_rows(where: str, entry: Any, account: str, observed: Any) -> list[Row]:
    if not isinstance(entry, Mapping):
        raise IngestError(f"{where}: a follower entry is not an object: {entry!r}")
    items = entry.get("string_list_data") or [{}]
    if not isinstance(items, list):
        raise IngestError(f"{where}: string_list_data should be a list: {items!r:.80}")
    rows = []
    for item in items:
        if not isinstance(item, Mapping):
            raise IngestError(f"{where}: string_list_data item is not an object")
        # Newer exports put the username in ``title`` and leave ``value`` out.
        username = to_text(item.get("value")) or to_text(entry.get("title"))
        if not username:
            raise IngestError(f"{where}: a follower has neither value nor title")
        try:
            followed = to_time(item.get("timestamp"))  # unix seconds
        except ValueError as exc:
            raise IngestError(f"{where}: timestamp: {exc}") from None
        extra = {k: v for k, v in entry.items() if k not in _ENTRY_KNOWN}
        extra.update({k: v for k, v in item.items() if k not in _ITEM_KNOWN})
        if entry.get("media_list_data"):
            extra["media_list_data"] = entry["media_list_data"]
        rows.append(
            {
                "account_id": account,
                "observed_at": observed,
                "follower_username": username,
                "href": to_text(item.get("href")),
                "followed_at": followed,
                "extra": to_json(extra),
            }
        )
    return rows
