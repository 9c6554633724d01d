"""What the last dbt build changed, as ``realreach.transform`` records it for the checks.

The interface (shared with the incremental build): after a successful build,
``<home>/state/dbt/last_build.json`` is ``{"mode": "full" | "incremental" | "skipped",
"seq": N}`` and, for an incremental build, ``<home>/state/dbt/last_build_changes.parquet``
lists ``(platform, account_id, from_date)``: per changed account, the mart rows dated on or
after ``from_date`` were rewritten. ``seq`` counts builds that ran; a skipped build keeps it.

Only ``realreach_core``-level imports here (expectations sit below the CLI package).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from realreach_core.home import Home

FULL, INCREMENTAL, SKIPPED = "full", "incremental", "skipped"
MODES = (FULL, INCREMENTAL, SKIPPED)


def last_build_path(home: Home) -> Path:
    return home.state / "dbt" / "last_build.json"


def changes_path(home: Home) -> Path:
    return home.state / "dbt" / "last_build_changes.parquet"


@dataclass(frozen=True)
class LastBuild:
    """The last successful build: its mode, its sequence number and, for an incremental one,
    the changes file (None: every mart row may have changed)."""

    mode: str
    seq: int | None
    changes: Path | None = None

    @property
    def everything(self) -> bool:
        return self.mode == FULL or (self.mode == INCREMENTAL and self.changes is None)


def read_last_build(home: Home) -> LastBuild:
    """The record of the last build; no record (a home built before it existed) or one that
    cannot be read counts as a full build of unknown number: validate everything."""
    path = last_build_path(home)
    try:
        data = json.loads(path.read_text())
        mode = str(data["mode"])
        seq = data.get("seq")
        seq = int(seq) if seq is not None else None
    except FileNotFoundError:
        return LastBuild(FULL, None)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: unreadable build record ({exc!r})") from exc
    if mode not in MODES:
        raise ValueError(f"{path}: unknown build mode {mode!r} (expected one of {MODES})")
    changes = changes_path(home)
    return LastBuild(mode, seq, changes if mode == INCREMENTAL and changes.exists() else None)
