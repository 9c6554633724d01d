"""Issue 13 as a hostile user tried it: every file is generated here, landed, and ingested.

Each bad file is quarantined with a reason naming the file, the field and the value; the good
files of the same batch land; nothing reaches the lake that the lake's expectations refuse;
links, FIFOs and devices are never opened; a file still being written waits; a file that grows
after ingestion supersedes its old rows; a retracted file stops counting and a corrected one
heals the marts (one real dbt build).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import duckdb
import pytest

from ingestion.lake import kind_dir, retracted_dir
from ingestion.landing import describe
from ingestion.reading import NotSettled, read_landing
from ingestion.retract import retract
from ingestion.run import ingest_landing
from realreach.cli import main as cli_main
from realreach_core.home import Home
from tests.landingkit import lake_rows, land


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home").ensure()


def _user(uid: object, followers: object = 10, **extra: object) -> dict:
    metrics = {"followers_count": followers, "following_count": 1, "tweet_count": 2}
    return {"id": uid, "username": f"u{uid}"[:15], "name": "N", "public_metrics": metrics, **extra}


def _users(*users: dict) -> str:
    return json.dumps({"data": list(users)})


def _tweets_jsonl(account: str, count: int) -> str:
    """twarc-style JSON Lines: one response page per line, one tweet each."""
    lines = []
    for i in range(count):
        tweet = {
            "id": str(9000000 + i),
            "author_id": account,
            "created_at": "2026-11-20T10:00:00.000Z",
            "text": f"post {i}",
            "public_metrics": {"retweet_count": 1, "reply_count": 0, "like_count": 3,
                               "quote_count": 0, "impression_count": 100},
        }  # fmt: skip
        lines.append(json.dumps({"data": [tweet]}))
    return "\n".join(lines) + "\n"


def _reason(home: Home, rel: str) -> str:
    matches = sorted(home.quarantine.glob(rel + "*.error.json")) or sorted(
        (home.quarantine / rel).parent.glob(Path(rel).name + "*.error.json")
    )
    assert matches, f"{rel} was not quarantined"
    return json.loads(matches[0].read_text())["reason"]


FB_INSIGHT_PERIOD_OBJECT = {
    "data": [
        {
            "name": "page_follows",
            "period": {"$gt": "day"},  # a nested object where a string belongs
            "values": [{"value": 10, "end_time": "2026-11-20T08:00:00+0000"}],
            "id": "123456/insights/page_follows/day",
        }
    ]
}
IG_USERS_RESPONSE = {"id": "17841400008460056", "username": "acme", "followers_count": 10,
                     "follows_count": 3, "media_count": 4}  # fmt: skip

# (landing path, body, phrases the reason must contain: the field and the value)
BAD_VALUES = [
    ("x/users/20261121T060000Z.json", _users(_user("11", 100000000000000000000)),
     ["followers_count", "100000000000000000000"]),
    ("x/users/20261121T070000Z.json", _users(_user("12")).replace('"followers_count": 10', '"followers_count": 1e400'),
     ["followers_count", "inf"]),
    ("x/users/20261121T080000Z.json", _users(_user("13", "1e400")), ["followers_count", "1e400"]),
    ("x/users/20261121T090000Z.json", _users(_user("14", -5)), ["followers_count = -5", "negative"]),
    ("x/users/20261121T100000Z.json", _users(_user({"$oid": "5f1d"})), ["account_id", "$oid"]),
    ("facebook/insights/123456_20261121T060000Z.json", json.dumps(FB_INSIGHT_PERIOD_OBJECT),
     ["period", "$gt", "expected text"]),
    ("x/users/20261121T110000Z.json", "[" * 100_000 + "]" * 100_000, ["nested deeper than"]),
    ("x/users/20261321T060000Z.json", _users(_user("15")), ["20261321T060000Z", "not a date"]),
    ("linkedin/network_sizes/5001_20261121T060000Z.json", '{"firstDegreeSize": -3}',
     ["first_degree_size = -3", "negative"]),
    ("x/followers/ünï_20261121T060000Z.json", _users(_user("16")), ["account_id = 'ünï'", "not a platform id"]),
    ("x/followers/a..b_20261121T060000Z.json", _users(_user("17")), ["account_id = 'a..b'", "not a platform id"]),
    ("x/users/20261121T120000Z.json", json.dumps(IG_USERS_RESPONSE), ["looks like instagram/users"]),
    ("x/users/20261121T130000Z.json", '{"meta": {"next_token": "x"}}', ["no rows"]),
    ("x/users/20261121T140000Z.json", '{"data": [{"id": "18", "username": NaN}]}', ["NaN"]),
    ("x/analytics/4242_20261121T060000Z.csv",
     '"Tweet id","time","impressions"\n"10\x0001","2016-09-12 18:32 +0000","5"\n', ["NUL byte", "line 2"]),
    ("x/tweets/20261121T060000Z.json",
     json.dumps({"data": [{"id": "19", "author_id": "42", "text": {"$oid": 1}}]}), ["text", "expected text"]),
    ("instagram/dyi/17841_20261121T060000Z.json",
     json.dumps([{"title": "", "string_list_data": [{"value": "bad name!", "timestamp": 1763683200}]}]),
     ["follower_username = 'bad name!'"]),
]  # fmt: skip
GOOD = [
    ("x/users/20261120T060000Z.json", _users(_user("21", 500))),
    ("x/followers/4242_20261120T060000Z.json", _users(_user("22"), _user("23"))),
    ("linkedin/network_sizes/5001_20261120T060000Z.json", '{"firstDegreeSize": 1000}'),
    ("instagram/users/20261120T060000Z.json", json.dumps(IG_USERS_RESPONSE)),
    ("x/followers/4242_20261120T070000Z.json", '{"meta": {"result_count": 0}}'),  # says empty
]


def test_each_bad_value_quarantines_its_file_naming_field_and_value(home: Home) -> None:
    for rel, body in GOOD:
        land(home, rel, body)
    for rel, body, _ in BAD_VALUES:
        land(home, rel, body)
    report = ingest_landing(home)
    assert report.files_quarantined == len(BAD_VALUES), report.quarantined
    assert report.files_ingested == len(GOOD)
    for rel, _, phrases in BAD_VALUES:
        reason = _reason(home, rel)
        assert reason.startswith(rel), "the reason names the file"
        for phrase in phrases:
            assert phrase in reason, (rel, reason)
    assert [r["account_id"] for r in lake_rows(home, "x", "users")] == ["21"]
    assert sorted(r["follower_id"] for r in lake_rows(home, "x", "followers")) == ["22", "23"]
    assert [r["first_degree_size"] for r in lake_rows(home, "linkedin", "network_sizes")] == [1000]
    # A rerun adds nothing and quarantines nothing again.
    again = ingest_landing(home)
    assert (again.files_ingested, again.files_quarantined) == (0, 0)


def test_every_lake_value_obeys_the_lake_expectations_after_a_hostile_batch(home: Home) -> None:
    for rel, body, _ in BAD_VALUES:
        land(home, rel, body)
    for rel, body in GOOD:
        land(home, rel, body)
    ingest_landing(home)
    con = duckdb.connect()
    for folder in home.lake.glob("platform=*/kind=*"):
        pattern = folder / "**" / "*.parquet"
        rows = con.execute(f"select * from read_parquet('{pattern}', union_by_name=true)")
        names = [d[0] for d in rows.description]
        for row in rows.fetchall():
            for name, value in zip(names, row, strict=True):
                if isinstance(value, int) and not isinstance(value, bool):
                    assert 0 <= value <= 10**12, (folder.name, name, value)
                if name in ("account_id", "follower_id", "post_id"):
                    assert str(value).isdigit(), (folder.name, name, value)


# ---- landing is a jail --------------------------------------------------------------------


@pytest.mark.timeout(60)
def test_links_fifos_and_devices_are_quarantined_by_name_without_being_read(home: Home) -> None:
    x_users = home.landing / "x" / "users"
    x_users.mkdir(parents=True)
    os.symlink("/etc/passwd", x_users / "20261121T060000Z.json")
    os.symlink("/dev/zero", x_users / "20261121T070000Z.json")
    os.mkfifo(x_users / "20261121T080000Z.json")
    os.symlink("/etc", home.landing / "x" / "tweets")  # a linked folder is not walked
    outside = home.root.parent / "outside.json"
    outside.write_text(_users(_user("31")))
    os.symlink(outside, x_users / "20261121T090000Z.json")
    land(home, "x/users/20261120T060000Z.json", _users(_user("21")))

    report = ingest_landing(home)  # returns: nothing blocks on the FIFO or /dev/zero

    assert report.files_ingested == 1 and report.files_quarantined == 5, report.quarantined
    assert "symbolic link (to /etc/passwd)" in _reason(home, "x/users/20261121T060000Z.json")
    assert "symbolic link (to /dev/zero)" in _reason(home, "x/users/20261121T070000Z.json")
    assert "FIFO" in _reason(home, "x/users/20261121T080000Z.json")
    assert "symbolic link (to /etc)" in _reason(home, "x/tweets")
    passwd = Path("/etc/passwd").read_bytes()
    for kept in home.quarantine.rglob("*"):
        if kept.is_file():
            assert passwd[:64] not in kept.read_bytes(), f"{kept} holds bytes from outside landing"
            assert not kept.name.endswith(".json") or kept.name.endswith(".error.json")
    assert [r["account_id"] for r in lake_rows(home, "x", "users")] == ["21"], "31 is outside"
    again = ingest_landing(home)
    assert (again.files_ingested, again.files_quarantined) == (0, 0)


def test_a_file_younger_than_the_settle_time_waits_for_the_next_run(home: Home) -> None:
    land(home, "x/users/20261120T060000Z.json", _users(_user("21")), settled=False)
    first = ingest_landing(home, settle_seconds=30)
    assert (first.files_waiting, first.files_ingested) == (1, 0)
    assert not list(home.quarantine.rglob("*.error.json")), "waiting is not failing"
    then = time.time_ns() - 60 * 10**9
    os.utime(home.landing / "x/users/20261120T060000Z.json", ns=(then, then))
    second = ingest_landing(home, settle_seconds=30)
    assert (second.files_waiting, second.files_ingested) == (0, 1)


def test_a_file_that_changes_while_read_is_left_for_the_next_run(home: Home) -> None:
    path = land(home, "x/users/20261120T060000Z.json", _users(_user("21")))
    scanned = describe(home.landing, path)
    with path.open("a") as handle:  # the writer is still appending
        handle.write("\n")
    with pytest.raises(NotSettled):
        read_landing(scanned)


def test_a_growing_json_lines_file_supersedes_its_partial_rows(home: Home) -> None:
    rel = "x/tweets/4242_20261121T060000Z.jsonl"
    land(home, rel, _tweets_jsonl("4242", 34))
    assert ingest_landing(home).rows == 34
    land(home, rel, _tweets_jsonl("4242", 150))  # the same file, complete now
    report = ingest_landing(home)
    assert report.rows == 150 and report.superseded == [rel]
    assert len(lake_rows(home, "x", "tweets")) == 184, "the lake stays append-only"
    assert len(_active_rows(home, "x", "tweets")) == 150, "not 184"


def _active_rows(home: Home, platform: str, kind: str) -> list[tuple]:
    """Lake rows as staging sees them: without retracted file versions."""
    lake = kind_dir(home.lake, platform, kind) / "**" / "*.parquet"
    retracted = retracted_dir(home.lake) / "**" / "*.parquet"
    return duckdb.execute(
        f"select * from read_parquet('{lake}', union_by_name=true) as lake anti join "
        f"read_parquet('{retracted}') as r using (source_file, source_sha256)"
    ).fetchall()


def test_leftover_temp_files_of_killed_lake_writes_go_at_the_next_run(home: Home) -> None:
    land(home, "x/users/20261120T060000Z.json", _users(_user("21")))
    ingest_landing(home)
    leftover = kind_dir(home.lake, "x", "users") / "date=2026-11-20" / ".part-x.parquet.123.ab.tmp"
    leftover.write_bytes(b"half a parquet file")
    ingest_landing(home)
    assert not leftover.exists()


# ---- the X tweet activity CSV under the name X gives it ----------------------------------

ACTIVITY = (
    '"Tweet id","Tweet permalink","Tweet text","time","impressions","engagements","likes"\n'
    '"1001","https://x.com/acme/status/1001","hi","2026-10-12 18:32 +0000","424.0","12","9"\n'
)


def test_activity_csv_named_by_handle_resolves_through_registry_or_users(home: Home) -> None:
    land(home, "accounts.csv", "platform,account_id,handle,owner,role\nx,4242,acme,Acme,brand\n")
    land(home, "x/users/20261120T060000Z.json", _users({**_user("777"), "username": "Beta_Co"}))
    land(home, "x/analytics/tweet_activity_metrics_acme_20261001_20261031_en.csv", ACTIVITY)
    land(home, "x/analytics/tweet_activity_metrics_beta_co_20261001_20261031_en.csv", ACTIVITY)
    land(home, "x/analytics/tweet_activity_metrics_nobody_20261001_20261031_en.csv", ACTIVITY)
    report = ingest_landing(home)
    rows = lake_rows(home, "x", "analytics")
    assert sorted(r["account_id"] for r in rows) == ["4242", "777"]
    assert {r["observed_at"].isoformat() for r in rows} == {"2026-11-01T00:00:00+00:00"}
    assert [path for path, _ in report.quarantined] == [
        "x/analytics/tweet_activity_metrics_nobody_20261001_20261031_en.csv"
    ]
    assert "nobody knows the X handle @nobody" in report.quarantined[0][1]


# ---- a way out of a poisoned lake: retract, correct, rebuild (one real dbt build) --------


@pytest.mark.slow
def test_retracting_a_wrong_file_and_landing_a_corrected_one_heals_the_marts(
    home: Home, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Exports dated days ago: freshness is not what this test is about, and a failed freshness
    # suite would (rightly) keep the marts unpublished
    monkeypatch.setenv("REALREACH_FRESHNESS_HOURS", "100000")
    sizes = {"20261118": 1000, "20261119": 1004, "20261120": 999_999, "20261121": 1010}
    for day, size in sizes.items():  # valid values, one of them wrong
        land(
            home,
            f"linkedin/network_sizes/5001_{day}T060000Z.json",
            json.dumps({"firstDegreeSize": size}),
        )
    grown = "x/tweets/4242_20261121T060000Z.jsonl"
    land(home, grown, _tweets_jsonl("4242", 34))
    assert ingest_landing(home).files_ingested == 5  # a run saw the JSON Lines file half written
    land(home, grown, _tweets_jsonl("4242", 150))
    marts = home.marts_export
    marts.mkdir(parents=True, exist_ok=True)
    killed_export = marts / ".fct_followers_daily.parquet.999.dead.tmp"
    killed_export.write_bytes(b"half")
    assert cli_main(["run", "--home", str(home.root)]) == 0
    assert not killed_export.exists(), "a killed export's temp file is cleaned at the next run"

    def followers(day: str) -> int:
        return duckdb.execute(
            f"select followers from read_parquet('{marts}/fct_followers_daily.parquet') "
            "where platform = 'linkedin' and account_id = '5001' and date = ?",
            [day],
        ).fetchone()[0]

    posts = f"select count(*) from read_parquet('{marts}/fct_post_interactions.parquet') where account_id = '4242'"
    assert duckdb.execute(posts).fetchone()[0] == 150, "the grown file counts once, not 34 + 150"
    assert followers("2026-11-20") == 999_999

    wrong = "linkedin/network_sizes/5001_20261120T060000Z.json"
    assert cli_main(["quarantine", "--home", str(home.root), wrong, "--reason", "typo"]) == 0
    assert "retracted linkedin/network_sizes/5001_20261120T060000Z.json" in capsys.readouterr().out
    assert "typo" in _reason(home, wrong)
    land(home, wrong, json.dumps({"firstDegreeSize": 1007}))  # the corrected export
    assert cli_main(["run", "--home", str(home.root)]) == 0
    assert followers("2026-11-20") == 1007, "the next build heals the marts"
    assert duckdb.execute(posts).fetchone()[0] == 150
    # Retracting something never ingested is an error that says so.
    assert cli_main(["quarantine", "--home", str(home.root), "x/users/nothing.json"]) == 2


def test_retract_refuses_a_file_it_never_ingested(home: Home) -> None:
    with pytest.raises(ValueError, match="no ingested rows to retract"):
        retract(home, "linkedin/network_sizes/5001_20261120T060000Z.json")


def test_every_lake_kind_has_a_gx_suite_written_from_the_schemas() -> None:
    from expectations.gx_context import SUITES_DIR
    from expectations.lake_suites import render, suite_name
    from ingestion.schemas import LAKE_SCHEMAS

    for platform, kind in LAKE_SCHEMAS:
        path = SUITES_DIR / f"{suite_name(platform, kind)}.json"
        assert path.exists(), f"no GX suite for lake kind {platform}/{kind}"
        assert path.read_text() == render(platform, kind), (
            f"{path.name} differs from ingestion/schemas.py: run python -m expectations.lake_suites"
        )
