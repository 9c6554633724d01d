"""The DuckDB version decision, checked: team mode's extensions load offline from the wheels."""

from __future__ import annotations

from pathlib import Path

import duckdb

from realreach import extensions


def test_duckdb_is_the_lts_line_the_extension_wheels_were_built_for() -> None:
    version = duckdb.__version__
    built_for = {p.name for p in extensions.extension_directory().iterdir()}
    assert f"v{version}" in built_for, (version, built_for)


def test_team_extensions_load_from_the_wheels_and_a_ducklake_round_trips(tmp_path: Path) -> None:
    con = extensions.connect()
    extensions.load(con)
    loaded = {
        name
        for (name,) in con.sql(
            "select extension_name from duckdb_extensions() where loaded"
        ).fetchall()
    }
    assert {"ducklake", "httpfs", "postgres_scanner"} <= loaded
    # A DuckLake on local disk: a committed snapshot is what a BI reader would attach.
    con.sql(f"ATTACH 'ducklake:{tmp_path}/catalog.ducklake' AS lake (DATA_PATH '{tmp_path}/data')")
    con.sql("CREATE TABLE lake.t AS SELECT 42 AS answer")
    con.close()
    reader = extensions.connect()
    extensions.load(reader, "ducklake")
    reader.sql(f"ATTACH 'ducklake:{tmp_path}/catalog.ducklake' AS lake (READ_ONLY)")
    assert reader.sql("SELECT answer FROM lake.t").fetchall() == [(42,)]
    assert list((tmp_path / "data").rglob("*.parquet")), "data files are Parquet in DATA_PATH"
