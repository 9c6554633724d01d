"""Errors that send a landing file to quarantine."""

from __future__ import annotations


class IngestError(Exception):
    """A landing file cannot be ingested; the message says why, for a person to act on."""
