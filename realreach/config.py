"""Moved to ``realreach_core.home``; this re-export keeps older imports (open branches,
user scripts) working. New code imports realreach_core."""

from realreach_core.home import (  # noqa: F401
    DBT_PROJECT_DIR,
    EXPECTATIONS_DIR,
    PLATFORMS,
    PROJECT_ROOT,
    Home,
    default_home,
)
