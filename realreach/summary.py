"""The short summary printed after a run, read from the exported marts (never the warehouse)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from realreach_core.home import Home


@dataclass
class Summary:
    accounts: int
    days: int
    first_day: str | None
    last_day: str | None
    marts: list[str]
    spikes: list[dict[str, Any]]

    @property
    def suspicious(self) -> list[dict[str, Any]]:
        return [s for s in self.spikes if s["verdict"] == "suspicious"]


def read_summary(home: Home) -> Summary:
    exports = home.marts_export
    marts = sorted(p.stem for p in exports.glob("*.parquet"))
    con = duckdb.connect()
    try:

        def query(sql: str, table: str) -> list[tuple]:
            return con.execute(
                sql.format(t=f"read_parquet('{exports / table}.parquet')")
            ).fetchall()

        accounts = query("select count(*) from {t}", "dim_accounts")[0][0]
        days, first, last = query(
            "select count(distinct date), min(date)::varchar, max(date)::varchar from {t}",
            "fct_followers_daily",
        )[0]
        cur = con.execute(
            f"select * from read_parquet('{exports / 'follower_spikes'}.parquet') "
            "order by suspicion_score desc"
        )
        names = [d[0] for d in cur.description]
        spikes = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()
    return Summary(accounts, days, first, last, marts, spikes)
