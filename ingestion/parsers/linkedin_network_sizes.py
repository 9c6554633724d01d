"""LinkedIn ``networkSizes``: ``{"firstDegreeSize": N}``, the follower count of an organization."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.parsers.base import JsonApiParser, Page, Row, Tables, resolve_account
from ingestion.parsers.columnar import ColumnarParser, Columns, Item, counts, extras, observed
from ingestion.parsers.graph_fields import count
from ingestion.values import leftovers

_KNOWN = frozenset(("firstDegreeSize",))


class LinkedInNetworkSizesParser(JsonApiParser, ColumnarParser):
    platform = "linkedin"
    kind = "network_sizes"

    def items(self, file: LandingFile, raw: bytes) -> list[tuple[Page, Mapping[str, Any]]]:
        # The response names nobody: the organization id must lead the file name.
        resolve_account(file, None, file.rel)
        found = []
        for page in self.pages(file, raw):
            if "firstDegreeSize" not in page.body:
                raise IngestError(f"{file.rel}: no firstDegreeSize in the response")
            found.append((page, page.body))
        return found

    def parse(self, file: LandingFile, raw: bytes) -> Tables:
        rows: list[Row] = [
            {
                "account_id": resolve_account(file, None, file.rel),
                "observed_at": page.observed_at,
                "first_degree_size": count(file.rel, body, "firstDegreeSize"),
                "extra": leftovers(body, _KNOWN),
            }
            for page, body in self.items(file, raw)
        ]
        return {self.kind: rows}

    def columns(self, items: Sequence[Item], files: Sequence[LandingFile]) -> Columns:
        bodies = [item.body for item in items]
        return {
            "account_id": [files[item.file].account_id for item in items],
            "observed_at": observed(items),
            "first_degree_size": counts([body["firstDegreeSize"] for body in bodies]),
            "extra": extras(bodies, _KNOWN),
        }
