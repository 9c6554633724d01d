"""Marts as an analyst meets them: rates that are rates, names on every fact, a join that
works, and bi.duckdb opened from wherever the home is mounted. One built home (conftest)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from realreach.transform import open_bi_database

pytestmark = pytest.mark.slow

FACTS = (
    "fct_followers_daily", "fct_engagement_daily", "fct_post_interactions",
    "fct_follower_profiles", "fct_follower_gains_daily", "follower_spikes",
    "fct_follower_batches", "fct_audience_quality",
)  # fmt: skip


def _bi(home: Path) -> duckdb.DuckDBPyConnection:
    return open_bi_database(home / "bi.duckdb")


def test_engagement_rate_impressions_is_a_share_where_impressions_are_reported(
    built_home: Path,
) -> None:
    with _bi(built_home) as con:
        rows, above, numerator_above = con.execute(
            "select count(*), count(*) filter (where engagement_rate_impressions > 1), "
            "count(*) filter (where interactions_with_impressions > impressions) "
            "from marts.fct_engagement_daily where impressions > 0"
        ).fetchone()
        assert rows > 0
        assert (above, numerator_above) == (0, 0)
        # the rolling rates too
        (rolling_above,) = con.execute(
            "select count(*) from marts.fct_engagement_daily "
            "where engagement_rate_impressions_7d > 1 or engagement_rate_impressions_28d > 1"
        ).fetchone()
        assert rolling_above == 0


def test_dim_accounts_joins_the_facts_without_an_ambiguous_followers(built_home: Path) -> None:
    with _bi(built_home) as con:
        for fact in ("fct_engagement_daily", "fct_followers_daily"):
            rows = con.execute(
                f"select platform, account_id, date, followers, followers_latest "
                f"from marts.{fact} join marts.dim_accounts using (platform, account_id)"
            ).fetchall()
            assert rows, fact


def test_every_fact_table_names_the_account(built_home: Path) -> None:
    with _bi(built_home) as con:
        named = dict(
            con.execute(
                "select platform || ':' || account_id, handle from marts.dim_accounts"
            ).fetchall()
        )
        for fact in FACTS:
            columns = {r[0] for r in con.execute(f"describe marts.{fact}").fetchall()}
            assert "handle" in columns, fact
            wrong = con.execute(
                f"select count(*) from marts.{fact} where handle is distinct from "
                "(select d.handle from marts.dim_accounts d "
                f"where d.platform = {fact}.platform and d.account_id = {fact}.account_id)"
            ).fetchone()[0]
            assert wrong == 0, fact
        assert any(named.values())
        spikes = con.execute(
            "select count(*) filter (where handle is not null and profile_url is not null), "
            "count(*) from marts.follower_spikes"
        ).fetchone()
        assert spikes[1] > 0 and spikes[0] == spikes[1]


def test_bi_database_opens_from_another_mount_point(
    built_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a BI container mounts the home somewhere else and starts in an unrelated directory
    mounted = tmp_path / "mnt" / "realreach"
    shutil.copytree(built_home / "marts", mounted / "marts")
    shutil.copy2(built_home / "bi.duckdb", mounted / "bi.duckdb")
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with duckdb.connect(str(built_home / "bi.duckdb"), read_only=True) as con:
        expected = con.execute(
            f"set file_search_path = '{built_home}'; select count(*) from marts.fct_followers_daily"
        ).fetchone()[0]
    with open_bi_database(mounted / "bi.duckdb") as con:
        assert con.execute("select count(*) from marts.fct_followers_daily").fetchone()[0] == (
            expected
        )
        views = con.execute("select sql from duckdb_views() where schema_name = 'marts'").fetchall()
        assert views and all(str(built_home) not in v[0] for v in views)  # no absolute path
    # without the setting DuckDB looks in the reader's cwd: that is why it is needed
    with (
        duckdb.connect(str(mounted / "bi.duckdb"), read_only=True) as con,
        pytest.raises(duckdb.IOException),
    ):
        con.execute("select count(*) from marts.fct_followers_daily").fetchone()


def test_bi_views_carry_the_yaml_descriptions(built_home: Path) -> None:
    with _bi(built_home) as con:
        view = con.execute(
            "select comment from duckdb_views() "
            "where schema_name = 'marts' and view_name = 'fct_engagement_daily'"
        ).fetchone()[0]
        assert view and "account" in view
        (column,) = con.execute(
            "select comment from duckdb_columns() where schema_name = 'marts' "
            "and table_name = 'fct_engagement_daily' "
            "and column_name = 'engagement_rate_impressions'"
        ).fetchone()
        assert column.startswith("interactions_with_impressions / impressions")


def test_realreach_docs_builds_dbt_docs_into_the_home(built_home: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [str(Path(sys.executable).with_name("realreach")), "docs", "--home", str(built_home)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    page = built_home / "docs" / "dbt" / "static_index.html"
    assert str(page) in done.stdout
    html = page.read_text()
    # the manifest (lineage) and the catalog (columns as built) are embedded in the page
    assert "fct_follower_gains_daily" in html and "expected_gain_upper" in html
    assert (built_home / "docs" / "dbt" / "catalog.json").exists()
