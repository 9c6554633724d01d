"""Moved to ``realreach_core.contract``; re-exported for older imports."""

from realreach_core.contract import MART_COLUMNS, MARTS, SPIKE_FIELDS, VERDICTS  # noqa: F401
