"""The landing watch: an Airflow event trigger that fires when a complete new export lands.

Airflow 3 event-driven scheduling: the LANDING asset (``realreach.orchestration``) carries an
``AssetWatcher`` with this trigger; the triggerer runs it, every event it yields becomes an
asset event, and the ingest DAG, scheduled on LANDING, runs — no clock involved.

Why our own trigger: the standard provider's ``FileDeleteTrigger`` and
``DirectoryFileDeleteTrigger`` delete the file they saw, and the contract says the pipeline
never touches what arrives in ``landing/``. Only ``BaseEventTrigger`` subclasses are allowed
in an ``AssetWatcher``; the triggerer imports this class by its dotted path, so it lives in
the installed ``realreach`` package, not in ``dags/``.

Polling is cheap on purpose, and its cost follows what changed, not the history: a folder
whose mtime has not moved since it was listed holds the same names (adding, removing or
renaming an entry moves it), so it is not listed again, and only names that are new or were
not yet settled are ``lstat``-ed (``LandingScan``). No reading, no hashing — ingestion's
manifest hashes and decides what is really new, so a spurious event costs one ingest run that
skips everything, never a double count. A file is
announced once it is *complete*: not a temporary name (``.tmp``, ``.part``, dot files, the
same rule as ingestion's scan) and not written to for ``settle_seconds`` (its mtime is that
old: every write moves it), so a file still being copied in place is not announced half
written. The watch remembers what it announced while the triggerer lives; after a restart
the first complete scan fires once, and ingestion skips what it already has.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from realreach_core.settings import Settings

CLASSPATH = "realreach.landing_watch.LandingFileTrigger"
DEFAULT_POLL_SECONDS = Settings().landing_poll_seconds  # one default: the settings object
DEFAULT_SETTLE_SECONDS = 2.0  # REALREACH_LANDING_SETTLE_SECONDS unset: as `realreach run`
#: Every file is looked at again this often: an export rewritten in place (``cp`` over an old
#: one keeps its name, so its folder's mtime does not move) is announced within this time.
FULL_SCAN_SECONDS = 60.0
#: A folder modified this recently is listed again even if its mtime looks unchanged: a name
#: added in the same clock tick as the last listing leaves the mtime where it was.
RACY_NS = 1_000_000_000
MAX_LISTED = 20  # names carried in the event (it is stored in the metadata DB)

Signature = tuple[int, int]  # (size in bytes, mtime in ns)


def scan_signatures(landing: Path) -> dict[str, Signature]:
    """Every complete-looking file under ``landing`` by relative path, from scandir's stat:
    a first look of ``LandingScan``, which lists and stats everything."""
    return LandingScan(landing).snapshot()


@dataclass
class _Folder:
    mtime_ns: int
    listed_ns: int  # when it was last listed (time.time_ns)
    files: dict[str, Signature]  # complete-looking files by name (``is_partial`` left out)
    folders: list[str]  # sub-folder names


@dataclass
class LandingScan:
    """``scan_signatures`` kept between polls, at the cost of what changed.

    A year of a 200-account team is 95k files: stat-ing each one every poll took 0.45 s of
    CPU, a fifth of a core for the triggerer around the clock and through every ingest and
    build it started. Here an unchanged folder is not listed (its ``lstat`` says so), a
    changed one is listed but only its new names are ``lstat``-ed, and files not yet settled
    when last seen are looked at again each poll, as they may still grow. Every
    ``full_every_s`` everything is looked at again (a file rewritten in place)."""

    landing: Path
    settle_seconds: float = DEFAULT_SETTLE_SECONDS
    full_every_s: float = FULL_SCAN_SECONDS
    folders: dict[str, _Folder] = field(default_factory=dict)  # by relative path ("" = landing)
    last_full_ns: int = 0

    def snapshot(self, now_ns: int | None = None) -> dict[str, Signature]:
        now_ns = time.time_ns() if now_ns is None else now_ns
        full = now_ns - self.last_full_ns >= self.full_every_s * 1e9
        if full:
            self.last_full_ns = now_ns
        unsettled_after = now_ns - int(self.settle_seconds * 1e9) - RACY_NS
        found: dict[str, Signature] = {}
        seen: set[str] = set()
        stack = [""]
        while stack:
            rel = stack.pop()
            folder = self._look(rel, now_ns, full, unsettled_after)
            if folder is None:
                continue
            seen.add(rel)
            prefix = f"{rel}/" if rel else ""
            for name, sig in folder.files.items():
                found[prefix + name] = sig
            stack.extend(prefix + name for name in folder.folders)
        for gone in self.folders.keys() - seen:
            del self.folders[gone]
        return found

    def _look(self, rel: str, now_ns: int, full: bool, unsettled_after: int) -> _Folder | None:
        path = os.path.join(self.landing, rel) if rel else os.fspath(self.landing)
        try:
            mtime_ns = os.stat(path, follow_symlinks=False).st_mtime_ns
        except (FileNotFoundError, NotADirectoryError):
            return None
        known = self.folders.get(rel)
        if (
            full
            or known is None
            or known.mtime_ns != mtime_ns
            or known.listed_ns - mtime_ns < RACY_NS
        ):
            return self._list(rel, path, mtime_ns, now_ns, {} if full or known is None
                              else known.files, unsettled_after)  # fmt: skip
        # Same names as when listed: only files that may still be growing are looked at again.
        for name, sig in list(known.files.items()):
            if sig[1] >= unsettled_after:
                try:
                    st = os.stat(os.path.join(path, name), follow_symlinks=False)
                except FileNotFoundError:  # removed since: the folder's mtime moves next poll
                    continue
                known.files[name] = (st.st_size, st.st_mtime_ns)
        return known

    def _list(self, rel: str, path: str, mtime_ns: int, now_ns: int,
              before: dict[str, Signature], unsettled_after: int) -> _Folder | None:  # fmt: skip
        """Lists the folder; stats only names not in ``before`` or not settled there."""
        # Ingestion's own rule for names still being written, so both sides agree on "complete".
        from ingestion.landing import is_partial as is_partial_name

        try:
            entries = list(os.scandir(path))
        except (FileNotFoundError, NotADirectoryError):
            return None
        files: dict[str, Signature] = {}
        folders: list[str] = []
        for entry in entries:
            name = entry.name
            if is_partial_name(name):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(name)
                    continue
                sig = before.get(name)
                if sig is None or sig[1] >= unsettled_after:
                    # lstat only: a link or FIFO is announced as itself (ingestion
                    # quarantines it by name), never followed or opened here.
                    st = entry.stat(follow_symlinks=False)
                    sig = (st.st_size, st.st_mtime_ns)
                files[name] = sig
            except FileNotFoundError:  # removed between listing and stat
                continue
        folder = _Folder(mtime_ns, now_ns, files, folders)
        self.folders[rel] = folder
        return folder


@dataclass
class LandingWatch:
    """What the trigger remembers between polls; pure, so it is tested without a triggerer."""

    settle_seconds: float = DEFAULT_SETTLE_SECONDS
    announced: dict[str, Signature] = field(default_factory=dict)

    def poll(self, snapshot: Mapping[str, Signature], now_ns: int | None = None) -> list[str]:
        """Files that became complete since they were last announced (new or changed)."""
        now_ns = time.time_ns() if now_ns is None else now_ns
        settle_ns = int(self.settle_seconds * 1e9)
        # One look is enough: every write moves the mtime, so a file whose mtime is
        # settle_seconds old has not been written to for that long. (Two looks a poll apart,
        # as until 2026-12, cost the alert a poll interval and said nothing more.)
        ready = sorted(
            rel
            for rel, sig in snapshot.items()
            if self.announced.get(rel) != sig and now_ns - sig[1] >= settle_ns
        )
        for rel in ready:
            self.announced[rel] = snapshot[rel]
        # Forget files that went away, so dropping the same name again is news again.
        for rel in self.announced.keys() - snapshot.keys():
            del self.announced[rel]
        return ready


def event_payload(directory: str, ready: list[str]) -> dict[str, Any]:
    """The asset event's payload: how many files, which (capped), and their platforms."""
    platforms = sorted({rel.split("/", 1)[0] for rel in ready if "/" in rel})
    return {
        "landing": directory,
        "files": len(ready),
        "platforms": platforms,
        "sample": ready[:MAX_LISTED],
    }


class LandingFileTrigger(BaseEventTrigger):
    """Fires once per poll that finds complete new or changed files under ``directory``."""

    def __init__(
        self,
        *,
        directory: str,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    ) -> None:
        super().__init__()
        self.directory = str(directory)
        self.poll_seconds = float(poll_seconds)
        self.settle_seconds = float(settle_seconds)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return CLASSPATH, {
            "directory": self.directory,
            "poll_seconds": self.poll_seconds,
            "settle_seconds": self.settle_seconds,
        }

    async def run(self) -> AsyncIterator[TriggerEvent]:
        watch = LandingWatch(settle_seconds=self.settle_seconds)
        scan = LandingScan(Path(self.directory), settle_seconds=self.settle_seconds)
        while True:
            # scandir blocks; off the event loop, the triggerer's other triggers keep running.
            snapshot = await asyncio.to_thread(scan.snapshot)
            ready = watch.poll(snapshot)
            if ready:
                self.log.info("landing: %d complete new file(s), e.g. %s", len(ready), ready[:3])
                yield TriggerEvent(event_payload(self.directory, ready))
            await asyncio.sleep(self.poll_seconds)
