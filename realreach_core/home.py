"""Where everything lives under a realreach home (see shared/spec/CONTRACT.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

PLATFORMS = ("x", "instagram", "facebook", "linkedin")


def default_home() -> Path:
    """``REALREACH_HOME``, else ./.realreach (the settings object documents the variable)."""
    from realreach_core.settings import load_settings

    return load_settings().home.resolve()


@dataclass(frozen=True)
class Home:
    """The folders of one realreach home; every component takes one of these."""

    root: Path

    def __post_init__(self) -> None:
        # Absolute, always: dbt runs in the dbt project's folder, where a relative home would
        # put a second warehouse (seen: Home(Path("p_old")) built dbt_project/p_old/).
        object.__setattr__(self, "root", Path(self.root).absolute())

    @classmethod
    def resolve(cls, home: str | os.PathLike[str] | None = None) -> Home:
        return cls(Path(home).resolve() if home else default_home())

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def lake(self) -> Path:
        return self.root / "lake"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def alerts(self) -> Path:
        return self.root / "alerts"

    @property
    def alerts_file(self) -> Path:
        return self.alerts / "alerts.jsonl"

    @property
    def marts_export(self) -> Path:
        """Parquet copies of the marts, for BI tools that must not touch the warehouse."""
        return self.root / "marts"

    @property
    def bi_database(self) -> Path:
        """A read-only DuckDB file of views over the exported marts, for BI tools."""
        return self.root / "bi.duckdb"

    @property
    def state(self) -> Path:
        """Pipeline bookkeeping: the landing manifest, locks, GX results, dbt logs."""
        return self.root / "state"

    @property
    def manifest(self) -> Path:
        return self.state / "manifest.sqlite"

    @property
    def gx(self) -> Path:
        return self.root / "gx"

    @property
    def data_docs(self) -> Path:
        return self.gx / "data_docs"

    @property
    def audited_spikes(self) -> Path:
        """The follower_spikes rows as their own suites passed them: what alerts read. Alerts
        go out before the slower quality suites, so neither the published export (after all
        suites) nor the warehouse (the next build may be writing it) is theirs to read."""
        return self.state / "checks" / "follower_spikes.parquet"

    def ensure(self) -> Home:
        for folder in (self.landing, self.lake, self.quarantine, self.alerts, self.state):
            folder.mkdir(parents=True, exist_ok=True)
        return self
