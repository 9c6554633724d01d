"""Keeping files that could not be ingested, with the reason, without touching the landing copy."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from ingestion.landing import LandingFile
from realreach_core.files import atomic_write_bytes, atomic_write_text
from realreach_core.jsonable import dumps


def quarantine(
    root: Path, file: LandingFile, sha256: str, size: int, reason: str, raw: bytes | None
) -> Path:
    """Keeps ``raw`` (the bytes read) under ``root`` at the file's relative path, and writes
    ``<name>.error.json``.

    ``raw`` is None for what was never read (links, FIFOs, devices, oversized files): then
    only the reason is written. The landing path itself is never opened here, so a link
    cannot make us copy what it points at.
    """
    target = root / file.rel
    if _sha_of_error(target) not in (None, sha256):
        # Another version of this name was quarantined before: keep both.
        target = target.with_name(f"{target.stem}.{sha256[:12]}{target.suffix}")
    if raw is not None:
        atomic_write_bytes(target, raw)
    error = {
        "file": file.rel,
        "reason": reason,
        "platform": file.platform or None,
        "kind": file.kind or None,
        "sha256": sha256,
        "size": size,
        "file_type": file.file_type,
        "content_kept": raw is not None,
        "quarantined_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "retry": "fix the file and drop it into landing again; a changed file is processed anew",
    }
    error_path = target.with_name(target.name + ".error.json")
    atomic_write_text(error_path, dumps(error, indent=2) + "\n")
    return target


def _sha_of_error(target: Path) -> str | None:
    try:
        return json.loads(target.with_name(target.name + ".error.json").read_text())["sha256"]
    except (OSError, ValueError, KeyError):
        return None
