"""The one interface every platform format implements, and the JSON reading they share."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.values import to_time

Row = dict[str, Any]


class Parser:
    """Turns one landing file into lake rows of ``(platform, kind)``.

    Rows carry ``account_id`` and ``observed_at`` plus the kind's own columns; the runner adds
    provenance (platform, source file, hash, ingest time). Anything unreadable raises
    ``IngestError`` with a reason a person can act on.
    """

    platform: ClassVar[str]
    kind: ClassVar[str]

    def parse(self, file: LandingFile, raw: bytes) -> list[Row]:
        raise NotImplementedError


def decode_text(file: LandingFile, raw: bytes) -> str:
    if not raw.strip():
        raise IngestError(f"{file.rel}: empty file")
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if raw.startswith(bom):
            return raw.decode(codec)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{file.rel}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None


def json_documents(file: LandingFile, raw: bytes) -> list[Any]:
    """One JSON document, or JSON Lines (one response per line, as twarc writes them)."""
    text = decode_text(file, raw)
    try:
        return [json.loads(text)]
    except json.JSONDecodeError as whole_error:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            raise IngestError(f"{file.rel}: malformed JSON ({whole_error})") from None
        docs = []
        for number, line in enumerate(lines, start=1):
            try:
                docs.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise IngestError(
                    f"{file.rel}: malformed JSON Lines at line {number} ({exc.msg})"
                ) from None
        return docs


@dataclass(frozen=True)
class Page:
    """One API response page and when it was pulled."""

    body: Mapping[str, Any]
    observed_at: datetime


class JsonApiParser(Parser):
    """Shared reading of API response files: JSON or JSON Lines pages with a ``data`` list."""

    #: Whether the response itself names the account; if not, the file name must.
    account_in_name: ClassVar[bool] = False

    def pages(self, file: LandingFile, raw: bytes) -> Iterator[Page]:
        for number, doc in enumerate(json_documents(file, raw), start=1):
            where = f"{file.rel}" + (f" (line {number})" if number > 1 else "")
            if not isinstance(doc, Mapping):
                raise IngestError(f"{where}: expected a JSON object, found {type(doc).__name__}")
            _reject_error_response(where, doc)
            yield Page(doc, self.observed_at(file, doc, where))

    def observed_at(self, file: LandingFile, doc: Mapping[str, Any], where: str) -> datetime:
        if file.pulled_at is not None:
            return file.pulled_at
        collector = doc.get("__twarc")  # twarc records when it pulled each page
        if isinstance(collector, Mapping) and collector.get("retrieved_at"):
            return to_time(collector["retrieved_at"])
        raise IngestError(
            f"{where}: no pull time: the name must carry it as YYYYMMDDTHHMMSSZ "
            "(e.g. 20261121T060000Z.json) because the response has none"
        )

    def require_account(self, file: LandingFile) -> str:
        if not file.account_id:
            raise IngestError(
                f"{file.rel}: the response does not say whose data it is, so the account id "
                f"must lead the file name (e.g. 1234567_20261121T060000Z.json)"
            )
        return file.account_id

    @staticmethod
    def data_items(page: Page, where: str) -> list[Mapping[str, Any]]:
        data = page.body.get("data", [])
        if not isinstance(data, list):
            raise IngestError(f"{where}: 'data' should be a list, found {type(data).__name__}")
        for index, item in enumerate(data):
            if not isinstance(item, Mapping) or not item.get("id"):
                raise IngestError(f"{where}: data[{index}] has no id")
        return data

    def parse(self, file: LandingFile, raw: bytes) -> list[Row]:
        if self.account_in_name:
            self.require_account(file)
        rows: list[Row] = []
        for page in self.pages(file, raw):
            for item in self.data_items(page, file.rel):
                rows.append(self.row(item, page, file))
        return rows

    def row(self, item: Mapping[str, Any], page: Page, file: LandingFile) -> Row:
        raise NotImplementedError


def _reject_error_response(where: str, doc: Mapping[str, Any]) -> None:
    """API error bodies (rate limits, auth) are not data: say so instead of landing zero rows."""
    if "data" in doc:
        return
    status = doc.get("status")
    title = doc.get("title") or doc.get("detail")
    if status or title:
        raise IngestError(f"{where}: API error response ({status or ''} {title or ''}), not data")
    error = doc.get("error")
    if isinstance(error, Mapping):
        raise IngestError(f"{where}: API error response ({error.get('message', error)}), not data")
