"""What the report shows, read from the exported marts (Parquet), never from the warehouse.

Every number drawn comes from a mart: the expected band from fct_follower_gains_daily, real
followers from fct_audience_quality when that mart exists (followers until then).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from realreach_core.home import Home


@dataclass
class Account:
    platform: str
    account_id: str
    handle: str | None
    owner: str | None
    role: str | None
    profile_url: str | None
    overview: dict[str, Any]
    daily: list[dict[str, Any]] = field(default_factory=list)
    spikes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return page_key(self.platform, self.account_id)

    @property
    def label(self) -> str:
        return f"@{self.handle}" if self.handle else f"{self.platform} account {self.account_id}"


@dataclass
class ReportData:
    accounts: list[Account]
    real_followers_source: str  # 'fct_audience_quality' or 'followers'
    first_day: str | None
    last_day: str | None


def page_key(platform: str, account_id: str) -> str:
    """A file-name-safe key for an account's page."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(account_id))
    return f"{platform}-{safe}"


def spike_key(spike: dict[str, Any]) -> str:
    return f"{page_key(spike['platform'], spike['account_id'])}-{spike['spike_start']}"


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _parquet(exports: Path, table: str) -> str:
    path = str(exports / f"{table}.parquet").replace("'", "''")
    return f"read_parquet('{path}')"


def _has(exports: Path, table: str) -> bool:
    return (exports / f"{table}.parquet").exists()


def load(home: Home) -> ReportData:
    exports = home.marts_export
    if not _has(exports, "dim_accounts"):
        raise FileNotFoundError(f"no exported marts in {exports}: run `realreach run` first")
    con = duckdb.connect()
    try:
        return _load(con, exports)
    finally:
        con.close()


def _load(con: duckdb.DuckDBPyConnection, exports: Path) -> ReportData:
    def t(table: str) -> str:
        return _parquet(exports, table)

    has_band = _has(exports, "fct_follower_gains_daily")
    has_audience = _has(exports, "fct_audience_quality")
    band = (
        f"left join {t('fct_follower_gains_daily')} as band using (platform, account_id, date)"
        if has_band
        else ""
    )
    band_cols = (
        "band.followers_gain, band.expected_gain, band.expected_gain_upper"
        if has_band
        else "null as followers_gain, null as expected_gain, null as expected_gain_upper"
    )
    # real followers per week, carried to each day of the week (asof join on week_start)
    audience = (
        f"asof left join {t('fct_audience_quality')} as audience "
        "on f.platform = audience.platform and f.account_id = audience.account_id "
        "and f.date >= audience.week_start"
        if has_audience
        else ""
    )
    real_col = "audience.real_followers_est" if has_audience else "null"
    daily = _rows(
        con,
        f"""
        select f.platform, f.account_id, f.date::varchar as date, f.followers,
            f.is_observed, {band_cols},
            e.interactions, e.impressions,
            e.engagement_rate_followers_7d, {real_col} as real_followers_est
        from {t("fct_followers_daily")} as f
        left join {t("fct_engagement_daily")} as e using (platform, account_id, date)
        {band}
        {audience}
        order by f.platform, f.account_id, f.date
        """,
    )
    spikes = _rows(
        con,
        f"select * exclude (spike_start, spike_end), spike_start::varchar as spike_start, "
        f"spike_end::varchar as spike_end from {t('follower_spikes')} "
        "order by platform, account_id, spike_start",
    )
    dims = _rows(con, f"select * from {t('dim_accounts')} order by platform, handle, account_id")
    by_key: dict[tuple[str, str], Account] = {}
    for dim in dims:
        by_key[(dim["platform"], dim["account_id"])] = Account(
            platform=dim["platform"],
            account_id=dim["account_id"],
            handle=dim.get("handle"),
            owner=dim.get("owner"),
            role=dim.get("role"),
            profile_url=dim.get("profile_url"),
            overview={},
        )
    for row in daily:
        account = by_key.get((row["platform"], row["account_id"]))
        if account is not None:
            account.daily.append(row)
    for spike in spikes:
        account = by_key.get((spike["platform"], spike["account_id"]))
        if account is not None:
            spike["key"] = spike_key(spike)
            account.spikes.append(spike)
    accounts = [a for a in by_key.values() if a.daily or a.spikes]
    for account in accounts:
        account.overview = _overview(account)
    days = [r["date"] for r in daily]
    return ReportData(
        accounts=accounts,
        real_followers_source="fct_audience_quality" if has_audience else "followers",
        first_day=min(days) if days else None,
        last_day=max(days) if days else None,
    )


def _overview(account: Account) -> dict[str, Any]:
    """The overview row: latest followers, 30-day growth, engagement per 1,000 real followers
    over the last 28 days, real audience share, spikes by verdict."""
    days = [d for d in account.daily if d["followers"] is not None]
    latest = days[-1]["followers"] if days else None
    before = days[-31]["followers"] if len(days) > 30 else (days[0]["followers"] if days else None)
    growth = (latest - before) / before if latest is not None and before else None
    recent = account.daily[-28:]
    interactions = [d["interactions"] for d in recent if d["interactions"] is not None]
    real = next(
        (d["real_followers_est"] for d in reversed(account.daily) if d["real_followers_est"]),
        None,
    )
    audience = real if real is not None else latest
    per_1k = (
        1000 * (sum(interactions) / len(interactions)) / audience
        if interactions and audience
        else None
    )
    verdicts = [s["verdict"] for s in account.spikes]
    return {
        "followers": latest,
        "growth_30d": growth,
        "interactions_per_1k_real_per_day": per_1k,
        "real_share": real / latest if real is not None and latest else None,
        "suspicious": verdicts.count("suspicious"),
        "unexplained": verdicts.count("unexplained"),
        "explained": verdicts.count("explained"),
    }
