"""DuckDB extensions from PyPI wheels, loaded offline.

DuckDB is pinned to the 1.4 LTS line because 2.0 cannot load extensions here, and team mode
needs DuckLake, httpfs and postgres. The ``duckdb-ext-*`` wheels (dependency group ``team``)
put the extension binaries under ``duckdb_ext/extensions/v<version>/<platform>/``; pointing
DuckDB's ``extension_directory`` there lets ``LOAD`` find them without any download, and
autoinstall stays off so a missing wheel fails loudly instead of reaching for the network.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb

TEAM_EXTENSIONS = ("ducklake", "httpfs", "postgres")


class ExtensionsMissing(RuntimeError):
    """The duckdb-ext wheels are not installed (install the project's ``team`` group)."""


def extension_directory() -> Path:
    spec = importlib.util.find_spec("duckdb_ext")
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionsMissing(
            "DuckDB extensions are not installed: `uv sync` the project's 'team' group "
            "(duckdb-ext-ducklake, duckdb-ext-httpfs, duckdb-ext-postgres)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "extensions"


def connect(database: str = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection that loads extensions only from the installed wheels."""
    return duckdb.connect(
        database,
        read_only=read_only,
        config={
            "extension_directory": str(extension_directory()),
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": True,
        },
    )


def load(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    for name in names or TEAM_EXTENSIONS:
        con.load_extension(name)
