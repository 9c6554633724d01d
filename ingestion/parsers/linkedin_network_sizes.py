"""LinkedIn ``networkSizes``: ``{"firstDegreeSize": N}``, the follower count of an organization."""

from __future__ import annotations

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.parsers.base import JsonApiParser, Row, Tables, resolve_account
from ingestion.parsers.graph_fields import count
from ingestion.values import leftovers

_KNOWN = frozenset(("firstDegreeSize",))


class LinkedInNetworkSizesParser(JsonApiParser):
    platform = "linkedin"
    kind = "network_sizes"

    def parse(self, file: LandingFile, raw: bytes) -> Tables:
        # The response names nobody: the organization id must lead the file name.
        account = resolve_account(file, None, file.rel)
        rows: list[Row] = []
        for page in self.pages(file, raw):
            if "firstDegreeSize" not in page.body:
                raise IngestError(f"{file.rel}: no firstDegreeSize in the response")
            rows.append(
                {
                    "account_id": account,
                    "observed_at": page.observed_at,
                    "first_degree_size": count(file.rel, page.body, "firstDegreeSize"),
                    "extra": leftovers(page.body, _KNOWN),
                }
            )
        return {self.kind: rows}
