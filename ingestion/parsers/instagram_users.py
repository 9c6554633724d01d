"""Instagram user node (``GET /{ig-user-id}?fields=...``): one row per account per pull."""

from __future__ import annotations

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.parsers.base import JsonApiParser, Row, Tables, resolve_account
from ingestion.parsers.graph_fields import count
from ingestion.values import leftovers, to_text

_TEXT = ("username", "name", "biography", "profile_picture_url")
_COUNTS = ("followers_count", "follows_count", "media_count")
_KNOWN = frozenset(("id", *_TEXT, *_COUNTS))


class InstagramUsersParser(JsonApiParser):
    platform = "instagram"
    kind = "users"

    def parse(self, file: LandingFile, raw: bytes) -> Tables:
        rows: list[Row] = []
        for page in self.pages(file, raw):
            # A single node; a batch of several (``?ids=``) arrives as ``data[]``.
            nodes = page.body["data"] if isinstance(page.body.get("data"), list) else [page.body]
            for node in nodes:
                if not isinstance(node, dict):
                    raise IngestError(f"{file.rel}: a user is not a JSON object")
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
