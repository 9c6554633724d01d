"""What this clone can test: say up front when ../shared (real export samples) is missing."""

from __future__ import annotations

from tests.landingkit import CORPUS, CORPUS_MISSING, HAVE_CORPUS


def pytest_report_header() -> list[str]:
    if HAVE_CORPUS:
        return [f"realreach: real export samples from {CORPUS}"]
    return [f"realreach: {CORPUS_MISSING}: the tests that read them are SKIPPED (see -ra)"]
