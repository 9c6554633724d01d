"""Team mode's warehouse: a DuckLake whose catalog is in PostgreSQL and whose data files are in
S3-compatible object storage, attached from any machine that reaches both.

The building block the team mode issue rests on, checked against real servers in
``tests/test_ducklake.py`` with the extension versions pinned in ``pyproject.toml`` (DuckDB
1.4.4, DuckLake format 0.3):

* extensions load offline from the ``duckdb-ext-*`` wheels (``realreach.extensions``);
* a reader attaches ``READ_ONLY`` and only ever sees whole snapshots while writers commit;
* concurrent appends to one table both commit (DuckLake retries the catalog update:
  ``ducklake_max_retry_count``, 10 by default; with 0 the second writer fails on the
  catalog's primary key), and so do replacements of different tables;
* conflicts are per data file: two writers that delete from the same Parquet file conflict,
  and the second fails (``Transaction conflict - attempting to delete from file ...``). So
  shards that rewrite their own accounts' rows commit side by side only if no data file holds
  two shards' rows: a sharded table is partitioned by its shard (``partition_by``), and every
  insert then writes one file per shard.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from realreach import extensions

ALIAS = "lake"


def _quoted(value: str) -> str:
    """A SQL string literal (ATTACH and CREATE SECRET take no bound parameters)."""
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class ObjectStore:
    """An S3-compatible endpoint (``host:port``, path-style URLs) and its credentials."""

    endpoint: str
    key_id: str
    secret: str = field(repr=False)
    use_ssl: bool = False
    region: str = "us-east-1"

    def create_secret(self, con: duckdb.DuckDBPyConnection, name: str = "realreach_s3") -> None:
        con.execute(
            f"CREATE OR REPLACE SECRET {name} (TYPE s3, KEY_ID {_quoted(self.key_id)}, "
            f"SECRET {_quoted(self.secret)}, ENDPOINT {_quoted(self.endpoint)}, "
            f"URL_STYLE 'path', USE_SSL {str(self.use_ssl).lower()}, "
            f"REGION {_quoted(self.region)})"
        )


@dataclass(frozen=True)
class DuckLakeWarehouse:
    """``catalog``: a libpq connection string (``dbname=… host=… port=… user=… password=…``);
    ``data_path``: where the Parquet files go (``s3://bucket/prefix/``)."""

    catalog: str = field(repr=False)  # holds the password
    data_path: str
    store: ObjectStore
    alias: str = ALIAS

    def connect(self, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """A new in-memory DuckDB with the DuckLake attached as ``alias`` (and in use)."""
        con = extensions.connect()
        extensions.load(con)
        self.store.create_secret(con)
        options = f"DATA_PATH {_quoted(self.data_path)}" + (", READ_ONLY" if read_only else "")
        con.execute(
            f"ATTACH {_quoted('ducklake:postgres:' + self.catalog)} AS {self.alias} ({options})"
        )
        con.execute(f"USE {self.alias}")
        return con


def partition_by(con: duckdb.DuckDBPyConnection, table: str, column: str) -> None:
    """Every later insert into ``table`` writes one data file per value of ``column``: shards
    that delete and rewrite their own rows then never touch the same file (no conflict)."""
    con.execute(f"ALTER TABLE {table} SET PARTITIONED BY ({column})")
