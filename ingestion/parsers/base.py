"""The one interface every platform format implements, and the JSON reading they share."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import numpy as np
import orjson

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.values import to_time

Row = dict[str, Any]
#: What a parser returns: rows per lake table (the ``kind`` of ``LAKE_SCHEMAS`` under the
#: parser's platform). Most landing kinds feed the table of their own name; an X archive feeds
#: ``archive_account``, ``archive_relations`` and ``tweets``.
Tables = dict[str, list[Row]]


class Parser:
    """Turns one landing file of ``platform/kind`` into rows of one or more lake tables.

    Rows carry ``account_id`` and ``observed_at`` plus the table's own columns; the runner adds
    provenance (platform, source file, hash, ingest time). Anything unreadable raises
    ``IngestError`` with a reason a person can act on.
    """

    platform: ClassVar[str]
    kind: ClassVar[str]  # the landing folder this parser reads
    tables: ClassVar[tuple[str, ...]] = ()  # lake tables it writes; () means (kind,)

    def lake_tables(self) -> tuple[str, ...]:
        return self.tables or (self.kind,)

    def parse(self, file: LandingFile, raw: bytes) -> Tables:
        raise NotImplementedError


# An id we can file data under: the platforms' ids are digits, letters, "_" and "-". Sample
# files carry placeholders such as "<page-id>", which are not ids.
_USABLE_ID = re.compile(r"^[A-Za-z0-9_.:-]+$")


def usable_id(value: Any) -> str | None:
    """``value`` as an id, or None when it is absent or a placeholder."""
    text = None if value is None else str(value).strip()
    return text if text and _USABLE_ID.match(text) else None


def resolve_account(file: LandingFile, from_response: Any, where: str) -> str:
    """Whose data this is: the id the response carries, else the one leading the file name.

    When both exist they must agree: a file named for one account but holding another's data
    was filed wrongly, and landing it under either id would credit one account with the
    other's numbers. Such a file is quarantined with both ids in the reason, to be renamed.
    """
    response_id = usable_id(from_response)
    named = file.account_id
    if response_id and named and response_id != named:
        raise IngestError(
            f"{where}: the file name says account {named} but the response is account "
            f"{response_id}; rename the file (or move it) so both agree"
        )
    account = response_id or named
    if not account:
        raise IngestError(
            f"{where}: the response does not say whose data it is, so the account id must "
            f"lead the file name (e.g. 1234567_20261121T060000Z.json)"
        )
    return account


def pull_time(file: LandingFile, where: str | None = None) -> datetime:
    """When the export was pulled, from its name (the contract's rule for timeless bodies)."""
    if file.pulled_at is None:
        raise IngestError(
            f"{where or file.rel}: no pull time: the name must carry it as YYYYMMDDTHHMMSSZ "
            "(e.g. 20261121T060000Z.json) because the response has none"
        )
    return file.pulled_at


def _where(file: LandingFile | str) -> str:
    """How errors name a file: its landing path, or ``<zip>!<member>`` inside an archive."""
    return file if isinstance(file, str) else file.rel


def require_content(file: LandingFile | str, raw: bytes) -> None:
    if not raw.strip():
        raise IngestError(f"{_where(file)}: empty file")


def decode_text(file: LandingFile | str, raw: bytes) -> str:
    """Text of a file in UTF-8 (with or without BOM) or UTF-16 (Excel's "Unicode text")."""
    require_content(file, raw)
    codec = "utf-8"
    for bom, bom_codec in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if raw.startswith(bom):
            codec = bom_codec
            break
    else:
        # UTF-16 without a BOM: ASCII-range text has a NUL in every other byte.
        head = raw[:64]
        if len(head) >= 4 and b"\x00" in head:
            if head[1::2].count(0) > len(head) // 4:
                codec = "utf-16-le"
            elif head[0::2].count(0) > len(head) // 4:
                codec = "utf-16-be"
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{_where(file)}: not {codec.upper()} text ({exc.reason} at byte {exc.start})"
        ) from None


#: Deepest nesting accepted. Platform responses nest a handful of levels; 100k-deep input
#: would exhaust the parser's recursion, so it is refused before parsing.
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST = re.compile(r"\[\]|\{\}")


def check_json_depth(where: str, text: str, limit: int = MAX_JSON_DEPTH) -> None:
    """IngestError when ``text`` nests deeper than ``limit``, found without recursion.

    Strings are blanked, everything but brackets dropped, then innermost pairs are removed
    once per level (C-speed regex passes): what is left after ``limit`` passes is deeper.
    """
    if text.count("[") + text.count("{") <= limit:
        return  # cannot nest deeper than it has openings: most API pages stop here, at C speed
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    removed, deepest = _measure(brackets, limit)
    if removed + deepest > limit:
        raise IngestError(_too_deep(where, limit))


def _measure(brackets: str, limit: int) -> tuple[int, int]:
    """(levels peeled as innermost pairs, up to ``limit``; depth of what is left)."""
    removed = 0  # levels peeled off so far
    while brackets and removed < limit:
        reduced = _INNERMOST.sub("", brackets)
        if reduced == brackets:
            break  # unbalanced (truncated or malformed): measure what is left below
        brackets, removed = reduced, removed + 1
    depth = deepest = 0
    for char in brackets:
        depth = depth + 1 if char in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return removed, deepest


def _too_deep(where: str, limit: int) -> str:
    return f"{where}: JSON nested deeper than {limit} levels; refused unparsed"


#: For ``_valid_json_depth``: every byte but quotes and brackets; escapes; strings.
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
_ESCAPED = re.compile(rb"\\.", re.DOTALL)
_QUOTED = re.compile(rb'"[^"]*"')


def _valid_json_depth(raw: bytes) -> int:
    """How deep valid UTF-8 JSON (BOM-less) nests: escapes dropped, then (C-speed
    ``translate``) every byte but quotes and brackets, then strings; the deepest running
    count of what is left. UTF-8 never puts an ASCII byte inside a multi-byte character."""
    if b"\\" in raw:
        raw = _ESCAPED.sub(b"", raw)
    brackets = _QUOTED.sub(b"", raw.translate(None, _NOT_STRUCTURE))
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _loads(text: str) -> Any:
    """orjson first (the fastest decoder measured on landing files, benchmarks/run.py); it is
    strict JSON, refusing NaN/Infinity as we do. Whatever it refuses goes through ``json.loads``,
    so a bad file is judged, and its reason worded, exactly as before (big integers, lone
    surrogates and malformed text included)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text, parse_constant=_no_constants)


def load_json(where: str, text: str) -> Any:
    """``json.loads`` refusing NaN/Infinity and nesting beyond ``MAX_JSON_DEPTH``."""
    check_json_depth(where, text)
    return _loads(text)


def json_documents(file: LandingFile | str, raw: bytes) -> list[Any]:
    """One JSON document, or JSON Lines (one response per line, as twarc writes them)."""
    where = _where(file)
    if raw[:1] in (b"{", b"["):
        # UTF-8 without a BOM, as API responses come: orjson reads the bytes and checks the
        # UTF-8 itself, so the text is not decoded first (2-4 µs a file). Whatever orjson
        # refuses is judged below from the decoded text, exactly as before.
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
        else:
            # Could nest too deeply. The text measure (check_json_depth) blanks strings and
            # peels bracket pairs with regexes, 3x the cost of parsing; for JSON that orjson
            # accepts (valid, so its brackets match) the depth is the structure's running
            # count. Fewer openings than the limit cannot nest deeper.
            if (
                raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH
                and _valid_json_depth(raw) > MAX_JSON_DEPTH
            ):
                raise IngestError(_too_deep(where, MAX_JSON_DEPTH))
            return [doc]
    text = decode_text(file, raw)
    check_json_depth(where, text)
    try:
        return [_loads(text)]
    except ValueError as whole_error:  # JSONDecodeError or a NaN/Infinity constant
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            raise IngestError(f"{where}: malformed JSON ({whole_error})") from None
        docs = []
        for number, line in enumerate(lines, start=1):
            try:
                docs.append(json.loads(line, parse_constant=_no_constants))
            except ValueError as exc:
                raise IngestError(
                    f"{where}: malformed JSON Lines at line {number} ({getattr(exc, 'msg', exc)})"
                ) from None
        return docs


@dataclass(slots=True)
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
        return pull_time(file, where)

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
            # type() first: an isinstance check against the Mapping ABC costs more per item
            if not (type(item) is dict or isinstance(item, Mapping)) or not item.get("id"):
                raise IngestError(f"{where}: data[{index}] has no id")
        return data

    def parse(self, file: LandingFile, raw: bytes) -> Tables:
        return {self.kind: [self.row(item, page, file) for page, item in self.items(file, raw)]}

    def items(self, file: LandingFile, raw: bytes) -> list[tuple[Page, Mapping[str, Any]]]:
        """Each row's source (page, item), after every check on the response."""
        if self.account_in_name:
            self.require_account(file)
        return [
            (page, item)
            for page in self.pages(file, raw)
            for item in self.data_items(page, file.rel)
        ]

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
