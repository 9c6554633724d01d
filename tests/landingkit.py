"""Putting files into a landing folder and reading the lake back, for ingestion tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from ingestion.lake import kind_dir
from realreach.config import Home

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
if not CORPUS.exists():  # CI clones main with shared/ beside it
    CORPUS = Path("/work/shared/corpus")


def land(home: Home, rel: str, content: bytes | str | Path) -> Path:
    target = home.landing / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, Path):
        shutil.copyfile(content, target)
    elif isinstance(content, str):
        target.write_text(content, encoding="utf-8")
    else:
        target.write_bytes(content)
    return target


def lake_rows(home: Home, platform: str, kind: str) -> list[dict]:
    pattern = kind_dir(home.lake, platform, kind) / "**" / "*.parquet"
    con = duckdb.connect()
    try:
        cur = con.execute(f"select * from read_parquet('{pattern}', union_by_name=true)")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()
