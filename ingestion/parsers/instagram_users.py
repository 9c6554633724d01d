"""Instagram user node (``GET /{ig-user-id}?fields=...``): one row per account per pull."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.parsers.base import JsonApiParser, Page, Row, Tables, resolve_account
from ingestion.parsers.columnar import (
    ColumnarParser,
    Columns,
    Item,
    accounts,
    counts,
    extras,
    observed,
    text,
)
from ingestion.parsers.graph_fields import count
from ingestion.values import leftovers, to_text

_TEXT = ("username", "name", "biography", "profile_picture_url")
_COUNTS = ("followers_count", "follows_count", "media_count")
_KNOWN = frozenset(("id", *_TEXT, *_COUNTS))


class InstagramUsersParser(JsonApiParser, ColumnarParser):
    platform = "instagram"
    kind = "users"

    def items(self, file: LandingFile, raw: bytes) -> list[tuple[Page, Mapping[str, Any]]]:
        found = []
        for page in self.pages(file, raw):
            # A single node; a batch of several (``?ids=``) arrives as ``data[]``.
            nodes = page.body["data"] if isinstance(page.body.get("data"), list) else [page.body]
            for node in nodes:
                if not isinstance(node, dict):
                    raise IngestError(f"{file.rel}: a user is not a JSON object")
                found.append((page, node))
        return found

    def parse(self, file: LandingFile, raw: bytes) -> Tables:
        rows: list[Row] = []
        for page, node in self.items(file, raw):
            where = f"{file.rel}: user {node.get('id')}"
            row: Row = {
                "account_id": resolve_account(file, node.get("id"), where),
                "observed_at": page.observed_at,
                **{key: to_text(node.get(key)) for key in _TEXT},
                **{key: count(where, node, key) for key in _COUNTS},
                "extra": leftovers(node, _KNOWN),
            }
            rows.append(row)
        return {self.kind: rows}

    def columns(self, items: Sequence[Item], files: Sequence[LandingFile]) -> Columns:
        bodies = [item.body for item in items]
        return {
            "account_id": accounts(items, files, [body.get("id") for body in bodies]),
            "observed_at": observed(items),
            **{key: text([body.get(key) for body in bodies]) for key in _TEXT},
            **{key: counts([body.get(key) for body in bodies]) for key in _COUNTS},
            "extra": extras(bodies, _KNOWN),
        }
