"""Shared fixtures, and what this clone can test: say up front when ../shared (real export
samples) is missing. One built home is reused by every report test (building one takes ~1-2 min).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.landingkit import CORPUS, CORPUS_MISSING, HAVE_CORPUS
from tests.services import Postgres, SeaweedS3


def pytest_report_header() -> list[str]:
    if HAVE_CORPUS:
        return [f"realreach: real export samples from {CORPUS}"]
    return [f"realreach: {CORPUS_MISSING}: the tests that read them are SKIPPED (see -ra)"]


@pytest.fixture(scope="session")
def built_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home after a real run: generated exports of every platform, ingest, dbt build, GX
    checks, alerts and the report. Read-only for the tests that use it."""
    from realreach.pipeline import run_pipeline
    from realreach_core.home import Home
    from realreach_sim import generate

    home = Home(tmp_path_factory.mktemp("built-home")).ensure()
    generate(home.landing, accounts=5, days=75, seed=12, labels_path=home.root / "labels.json")
    run_pipeline(home, progress=lambda _message: None)
    return home.root


def _serving(server: Postgres | SeaweedS3) -> Iterator[Any]:
    """Starts ``server`` for the session and stops it after, even when a test failed."""
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    """A real PostgreSQL on loopback (Debian's package; ``.ci/run`` installs it)."""
    yield from _serving(Postgres(tmp_path_factory.mktemp("postgres")))


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    """A real S3-compatible server (SeaweedFS) on loopback, with a bucket ``realreach``."""
    yield from _serving(SeaweedS3(tmp_path_factory.mktemp("seaweedfs")))
