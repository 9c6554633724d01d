"""X tweet activity CSV (legacy analytics export): one row per tweet per export."""

from __future__ import annotations

import json

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.parsers.base import Parser, Tables, pull_time, resolve_account
from ingestion.parsers.csv_table import read_csv
from ingestion.values import to_float, to_int, to_time

_COUNTS = (
    "impressions", "engagements", "retweets", "replies", "likes", "user profile clicks",
    "url clicks", "hashtag clicks", "detail expands", "permalink clicks", "app opens",
    "app installs", "follows", "email tweet", "dial phone", "media views", "media engagements",
)  # fmt: skip
# Older exports say "favorites" where newer ones say "likes".
_ALIASES = {"favorites": "likes", "promoted favorites": "promoted likes"}
REQUIRED = ("tweet id", "time", "impressions")
_TEXT = {"tweet id", "tweet permalink", "tweet text", "time"}
_NUMERIC = {
    **{name: name.replace(" ", "_") for name in _COUNTS},
    **{f"promoted {name}": "promoted_" + name.replace(" ", "_") for name in _COUNTS},
}
_RATES = {
    "engagement rate": "engagement_rate",
    "promoted engagement rate": "promoted_engagement_rate",
}


class XAnalyticsParser(Parser):
    platform = "x"
    kind = "analytics"

    def parse(self, file: LandingFile, raw: bytes) -> Tables:
        # The export names no account (the permalink has the handle, not the id): the file must.
        account = resolve_account(file, None, file.rel)
        observed = pull_time(file)
        table = read_csv(file, raw, REQUIRED, _ALIASES)
        unknown = [
            name for name in table.header if name not in _TEXT | _NUMERIC.keys() | _RATES.keys()
        ]
        rows = []
        for line, record in table:
            where = f"{file.rel}: line {line}"
            post_id = (record.get("tweet id") or "").strip()
            if not post_id:
                raise IngestError(f"{where}: no Tweet id")
            row = {
                "account_id": account,
                "observed_at": observed,
                "post_id": post_id,
                "permalink": record.get("tweet permalink") or None,
                "text": record.get("tweet text"),
            }
            try:
                row["created_at"] = to_time(record.get("time"))
            except ValueError as exc:
                raise IngestError(f"{where}: time: {exc}") from None
            for sources, convert in ((_NUMERIC, to_int), (_RATES, to_float)):
                for source, column in sources.items():
                    value = record.get(source)
                    try:
                        row[column] = convert(value)
                    except ValueError:
                        raise IngestError(
                            f"{where}: {source!r} is not a number: {value!r}"
                        ) from None
            extra = {
                name: record.get(name) for name in unknown if record.get(name) not in (None, "")
            }
            row["extra"] = json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None
            rows.append(row)
        return {self.kind: rows}
