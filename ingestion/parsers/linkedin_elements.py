"""What LinkedIn organization responses share: ``elements[]``, organization URNs, time ranges."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.parsers.base import JsonApiParser, Page
from ingestion.values import to_time


def organization_id(urn: Any) -> str | None:
    """``urn:li:organization:1234`` -> ``1234`` (any ``urn:li:<type>:<id>``)."""
    if urn is None:
        return None
    text = str(urn)
    return text.rsplit(":", 1)[-1] if text.startswith("urn:li:") else text


def time_range(where: str, element: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """``timeRange{start, end}`` in epoch milliseconds; (None, None) for lifetime elements."""
    span = element.get("timeRange")
    if not isinstance(span, Mapping):
        return None, None
    try:
        return to_time(span.get("start")), to_time(span.get("end"))
    except ValueError as exc:
        raise IngestError(f"{where}: timeRange: {exc}") from None


class LinkedInElementsParser(JsonApiParser):
    """A response with ``elements[]``, or (as SDK fixtures store it) one bare element."""

    def elements(
        self, file: LandingFile, raw: bytes
    ) -> Iterator[tuple[str, Page, Mapping[str, Any]]]:
        for page in self.pages(file, raw):
            if "elements" not in page.body and "organizationalEntity" not in page.body:
                raise IngestError(
                    f"{file.rel}: neither an 'elements' list nor an element with "
                    "'organizationalEntity'"
                )
            elements = page.body.get("elements", [page.body])
            if not isinstance(elements, list):
                raise IngestError(f"{file.rel}: 'elements' should be a list")
            for index, element in enumerate(elements):
                if not isinstance(element, Mapping):
                    raise IngestError(f"{file.rel}: elements[{index}] is not an object")
                yield f"{file.rel}: elements[{index}]", page, element
