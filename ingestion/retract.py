"""Taking an ingested landing file back out: ``realreach quarantine <file>``.

The lake stays append-only. A retraction is a row in ``lake/retracted_files`` (and in the
manifest) naming the file's path and content hash; dbt's staging models and the GX lake
snapshots anti-join it, so the next build no longer counts the file's rows. A corrected file
dropped under the same name is a new version and is ingested on the next run; the retracted
bytes themselves are never ingested again.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingestion.errors import IngestError
from ingestion.lake import (
    atomic_write_table,
    ensure_schema_files,
    retraction_file,
    retraction_table,
)
from ingestion.landing import describe
from ingestion.manifest import Manifest
from ingestion.quarantine import quarantine
from ingestion.reading import NotSettled, read_landing
from realreach_core.files import make_durable
from realreach_core.home import Home
from realreach_core.locking import exclusive

DEFAULT_REASON = "retracted by hand (realreach quarantine)"


@dataclass(frozen=True)
class Retraction:
    path: str  # landing-relative
    versions: list[str]  # content hashes whose rows no longer count
    lake_file: Path


def landing_relative(home: Home, target: str | os.PathLike[str]) -> str:
    """``target`` as the landing-relative path the manifest knows (absolute or relative)."""
    path = Path(target)
    landing = home.landing.resolve()
    for candidate in (path, Path.cwd() / path):
        try:
            return Path(os.path.normpath(candidate.absolute())).relative_to(landing).as_posix()
        except ValueError:
            continue
    return path.as_posix().removeprefix("landing/")


def retract(home: Home, target: str | os.PathLike[str], reason: str | None = None) -> Retraction:
    """Retracts every ingested version of ``target``; ValueError if none is ingested."""
    home.ensure()
    rel = landing_relative(home, target)
    why = reason or DEFAULT_REASON
    with exclusive(home.state / "ingest.lock"), Manifest(home.manifest) as manifest:
        versions = manifest.active_versions(rel)
        if not versions:
            raise ValueError(
                f"{rel}: no ingested rows to retract (never ingested, quarantined, or already "
                "retracted); paths are relative to landing/, e.g. linkedin/network_sizes/<file>"
            )
        ensure_schema_files(home.lake)
        entries = [(rel, sha, why) for sha in versions]
        batch_id = (
            "retract-" + hashlib.sha256(f"{rel}|{'|'.join(versions)}".encode()).hexdigest()[:16]
        )
        lake_file = retraction_file(home.lake, batch_id)
        manifest.begin_batch(batch_id, [str(lake_file)])
        atomic_write_table(retraction_table(entries, datetime.now(UTC)), lake_file)
        make_durable([lake_file], home.lake)  # on disk before the manifest names it
        manifest.commit_batch(batch_id, [], entries)
        _keep_in_quarantine(home, rel, why)
    return Retraction(rel, versions, lake_file)


def _keep_in_quarantine(home: Home, rel: str, why: str) -> None:
    """A copy beside the other quarantined files, with the reason, when it is still in landing."""
    path = home.landing / rel
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    file = describe(home.landing, path, tuple(rel.split("/")), info)
    raw = sha = None
    if stat.S_ISREG(info.st_mode):
        try:
            content = read_landing(file)
            raw, sha = content.raw, content.sha256
        except (IngestError, OSError, NotSettled):  # kept by name only
            raw = None
    quarantine(home.quarantine, file, sha or "", info.st_size, f"{rel}: {why}", raw)
