"""What the checks have validated already: ``<home>/state/checks/validated.json``.

- ``lake``: per ``platform/kind``, the lake files (``date=…/part-<batch>.parquet``, relative to
  the kind's folder) whose rows passed the kind's suite. A file is recorded only once its suite
  passed, so a run that crashed after ingest, or a batch that failed, is checked again next time.
- ``marts``: per mart table, the ``seq`` of the dbt build whose rows passed the table's suites
  (see ``expectations.build_changes``).

Lake files are immutable (one file per kind × date × batch, never rewritten), so a name is
enough to know that its rows are the ones validated.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from realreach_core.files import atomic_write_text
from realreach_core.home import Home


def record_path(home: Home) -> Path:
    return home.state / "checks" / "validated.json"


@dataclass
class Validated:
    lake: dict[str, set[str]] = field(default_factory=dict)
    marts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, home: Home) -> Validated:
        path = record_path(home)
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: unreadable record of validated data ({exc!r})") from exc
        try:
            return cls(
                lake={str(k): set(map(str, v)) for k, v in data.get("lake", {}).items()},
                marts={str(k): int(v) for k, v in data.get("marts", {}).items()},
            )
        except (AttributeError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: unreadable record of validated data ({exc!r})") from exc

    def save(self, home: Home) -> None:
        data = {
            "lake": {k: sorted(v) for k, v in sorted(self.lake.items())},
            "marts": dict(sorted(self.marts.items())),
        }
        # Durable: a lost record only costs a re-validation, but a torn one would stop the run.
        atomic_write_text(record_path(home), json.dumps(data, indent=1), durable=True)


def kind_key(platform: str, kind: str) -> str:
    return f"{platform}/{kind}"


def lake_files(home: Home, platform: str, kind: str) -> list[str]:
    """The kind's data files of committed batches, relative to the kind's folder. Files of a
    batch still being written (another process ingesting now) wait for the next check."""
    folder = home.lake / f"platform={platform}" / f"kind={kind}"
    if not folder.is_dir():
        return []
    writing = _batches_being_written(home)
    found = []
    for path in folder.glob("date=*/part-*.parquet"):
        batch = path.stem.removeprefix("part-").split("-", 1)[0]  # part-<batch>[-<task>]
        if batch not in writing:
            found.append(path.relative_to(folder).as_posix())
    return sorted(found)


def _batches_being_written(home: Home) -> set[str]:
    if not home.manifest.exists():
        return set()
    uri = f"file:{home.manifest}?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=30)) as db:
            rows = db.execute("SELECT batch_id FROM batches WHERE status = 'writing'").fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return set()
        raise
    return {str(row[0]) for row in rows}
