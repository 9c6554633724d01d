"""Moved to ``realreach_core.locking``; re-exported for older imports."""

from realreach_core.locking import LockTimeout, exclusive, holder_of, wait_bound  # noqa: F401
