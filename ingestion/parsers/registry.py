"""``accounts.csv``: who owns which account (platform, account_id, handle, owner, role)."""

from __future__ import annotations

from datetime import UTC, datetime

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.parsers.base import Parser, Tables
from ingestion.parsers.csv_table import read_csv

REQUIRED = ("platform", "account_id")
ROLES = {"brand", "employee", "leader"}


class AccountsCsvParser(Parser):
    platform = "registry"
    kind = "accounts"

    def parse(self, file: LandingFile, raw: bytes) -> Tables:
        table = read_csv(file, raw, REQUIRED)
        # The registry is a current statement, not a pull: it is as of when it landed.
        observed = file.pulled_at or datetime.fromtimestamp(file.path.stat().st_mtime, tz=UTC)
        rows = []
        for line, record in table:
            platform = (record.get("platform") or "").strip().lower()
            account = (record.get("account_id") or "").strip()
            if not platform or not account:
                raise IngestError(f"{file.rel}: line {line} has no platform or account_id")
            role = (record.get("role") or "").strip().lower() or None
            if role is not None and role not in ROLES:
                raise IngestError(
                    f"{file.rel}: line {line}: role {role!r} is not one of {sorted(ROLES)}"
                )
            rows.append(
                {
                    "account_id": account,
                    "platform": platform,  # the account's platform, not "registry"
                    "observed_at": observed,
                    "handle": (record.get("handle") or "").strip() or None,
                    "owner": (record.get("owner") or "").strip() or None,
                    "role": role,
                }
            )
        return {self.kind: rows}
