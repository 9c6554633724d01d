"""Rows built column by column (``ingestion/parsers/columnar.py``) are the rows ``parse`` builds.

The columnar path covers the strict shape of the busiest kinds; everything else goes row by row.
Both must give the same lake rows, value for value, on real exports and on generated ones,
and a loose or bad value anywhere must end where the row path puts it.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import ingestion.parallel as parallel
from ingestion.errors import IngestError
from ingestion.landing import LandingFile, describe, walk
from ingestion.parsers import PARSERS
from ingestion.parsers.base import check_json_depth, json_documents
from ingestion.parsers.columnar import ColumnarParser
from ingestion.schemas import MAX_TEXT
from ingestion.values import to_json
from realreach_sim.scale import write_scale
from tests.landingkit import HAVE_CORPUS, corpus_file
from tests.test_corpus import CASES

NOW = datetime(2026, 12, 1, 6, tzinfo=UTC)


def _files(landing: Path) -> list[LandingFile]:
    return [
        describe(landing, landing.joinpath(*parts), parts, info) for parts, info in walk(landing)
    ]


class _RowsOnly:
    """Stands in for ColumnarParser so that no parser counts as one: the row path only."""


def _both(files: list[LandingFile], monkeypatch: pytest.MonkeyPatch) -> tuple:
    fast = parallel.parse_chunk(files, [None] * len(files), NOW)
    with monkeypatch.context() as patch:
        patch.setattr(parallel, "ColumnarParser", _RowsOnly)
        slow = parallel.parse_chunk(files, [None] * len(files), NOW)
    return fast, slow


def _per_file(chunk: parallel.Chunk) -> list[tuple]:
    """Each file's outcome and its rows (as Python values), in file order."""
    out = []
    for parsed in chunk.files:
        rows = {}
        for table, (offset, n) in sorted(parsed.spans.items()):
            rows[table] = chunk.splits[(parsed.platform, table)].table.slice(offset, n).to_pylist()
        out.append((parsed.status, parsed.reason, parsed.sha, rows))
    return out


def _assert_same(files: list[LandingFile], monkeypatch: pytest.MonkeyPatch) -> int:
    fast, slow = _both(files, monkeypatch)
    for file, a, b in zip(files, _per_file(fast), _per_file(slow), strict=True):
        assert a == b, file.rel
    return sum(parsed.columnar for parsed in fast.files)


def test_generated_exports_give_the_same_rows_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    write_scale(landing, accounts=8, days=range(21), start=date(2026, 1, 1), seed=5, workers=1)
    files = _files(landing)
    columnar = _assert_same(files, monkeypatch)
    kinds = {(f.platform, f.kind) for f in files}
    expected = sum(
        1 for f in files if isinstance(PARSERS.get((f.platform, f.kind)), ColumnarParser)
    )
    # the generated shapes are the strict ones: every file of a columnar kind went that way
    assert columnar == expected > 0
    assert {k for k in kinds if isinstance(PARSERS.get(k), ColumnarParser)} >= {
        ("x", "users"), ("x", "tweets"), ("instagram", "users"), ("instagram", "media"),
        ("facebook", "posts"), ("facebook", "insights"), ("linkedin", "network_sizes"),
        ("linkedin", "share_statistics"),
    }  # fmt: skip


@pytest.mark.skipif(not HAVE_CORPUS, reason="needs the shared corpus")
def test_real_exports_give_the_same_rows_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    for case in CASES:
        target = landing / case.rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(corpus_file(case.source).read_bytes())
    files = _files(landing)
    # one chunk per folder, as the runner's chunks mostly are
    by_folder: dict[tuple, list[LandingFile]] = {}
    for file in files:
        by_folder.setdefault((file.platform, file.kind), []).append(file)
    taken = 0
    for group in by_folder.values():
        taken += _assert_same(group, monkeypatch)
    assert taken > 0  # some real exports have the strict shape


def _tweets(account: str, metrics: dict, *, extra: dict | None = None) -> dict:
    return {
        "data": [
            {
                "id": f"{account}0{n}",
                "author_id": account,
                "text": 'hello [world] {"x": 1}',
                "created_at": "2026-11-20T10:00:00.000Z",
                "public_metrics": {"like_count": n, **metrics},
                **(extra or {}),
            }
            for n in range(3)
        ]
    }


def _land(landing: Path, rel: str, body: object) -> None:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body if isinstance(body, str) else json.dumps(body))


@pytest.mark.parametrize(
    "loose",
    [
        {"retweet_count": "1,234"},  # text: the row path parses it
        {"retweet_count": 2.5},  # a float: rounds there, truncates in Arrow
        {"retweet_count": True},  # a boolean
        {"repost_count": 7},  # the other spelling
    ],
    ids=["text", "float", "bool", "spelling"],
)
def test_a_loose_value_sends_its_group_down_the_row_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loose: dict
) -> None:
    landing = tmp_path / "landing"
    _land(landing, "x/tweets/111_20261121T060000Z.json", _tweets("111", {"retweet_count": 1}))
    _land(landing, "x/tweets/222_20261121T060000Z.json", _tweets("222", loose))
    files = _files(landing)
    _assert_same(files, monkeypatch)
    fast, _ = _both(files, monkeypatch)
    assert all(p.status == "ok" for p in fast.files)


def _statuses(landing: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple]:
    """Each landing file's (status, reason) on the columnar path, once both paths agree."""
    files = _files(landing)
    _assert_same(files, monkeypatch)
    fast, _ = _both(files, monkeypatch)
    return {f.rel: (p.status, p.reason) for f, p in zip(files, fast.files, strict=True)}


def test_a_bad_value_is_named_as_the_row_path_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    _land(landing, "x/tweets/111_20261121T060000Z.json", _tweets("111", {"retweet_count": 1}))
    _land(landing, "x/tweets/222_20261121T060000Z.json", _tweets("222", {"retweet_count": -5}))
    _land(landing, "x/tweets/333_20261121T060000Z.json", _tweets("333", {"quote_count": {"n": 1}}))
    status = _statuses(landing, monkeypatch)
    assert status["x/tweets/111_20261121T060000Z.json"] == ("ok", None)
    bad, reason = status["x/tweets/222_20261121T060000Z.json"]
    assert bad == "bad" and "retweet_count = -5" in reason, reason
    bad, reason = status["x/tweets/333_20261121T060000Z.json"]
    assert bad == "bad" and "quote_count" in reason, reason


def test_text_checks_skipped_for_a_chunk_still_catch_a_nul_and_an_overlong_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk's text columns are searched for NUL and measured only when one of its files
    could hold such text (a NUL byte or a \\u0000 escape; a file big enough): the files
    that can are still caught, named, and the rest of the chunk lands, both ways."""
    landing = tmp_path / "landing"
    _land(landing, "x/tweets/111_20261121T060000Z.json", _tweets("111", {"retweet_count": 1}))
    nul = _tweets("222", {})
    nul["data"][2]["text"] = "fine until \u0000 here"
    _land(landing, "x/tweets/222_20261121T060000Z.json", nul)
    long = _tweets("333", {})
    long["data"][1]["text"] = "a" * (MAX_TEXT + 1)
    _land(landing, "x/tweets/333_20261121T060000Z.json", long)
    status = _statuses(landing, monkeypatch)
    assert status["x/tweets/111_20261121T060000Z.json"] == ("ok", None)
    bad, reason = status["x/tweets/222_20261121T060000Z.json"]
    assert bad == "bad" and "row 3: text" in reason and "contains a NUL byte" in reason, reason
    bad, reason = status["x/tweets/333_20261121T060000Z.json"]
    assert bad == "bad" and "row 2: text" in reason and f"longer than {MAX_TEXT}" in reason, reason


def _insights(page: str, ends: list[str | None], value: object = 7) -> dict:
    return {
        "data": [
            {
                "name": name,
                "period": "day",
                "values": [{"value": value, **({"end_time": e} if e else {})} for e in ends],
                "title": "Documentation, not data",
                "id": f"{page}/insights/{name}/day",
            }
            for name in ("page_fans", "page_follows")
        ]
    }


def test_insights_value_dates_agree_across_time_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Value dates are the Pacific day before each end time, worked out per distinct time
    on the columnar path: around the clock changes, and with an end time missing."""
    landing = tmp_path / "landing"
    ends = ["2026-03-08T08:00:00+0000", "2026-03-09T07:00:00+0000", "2026-03-08T10:30:00+0000",
            "2026-11-01T07:00:00+0000", "2026-11-02T08:00:00+0000", None,
            "2026-11-02T08:00:00+0000"]  # fmt: skip
    _land(landing, "facebook/insights/111_20261121T060000Z.json", _insights("111", ends))
    _land(landing, "facebook/insights/222_20261121T060000Z.json", _insights("222", ends[::-1]))
    files = _files(landing)
    fast, _ = _both(files, monkeypatch)
    assert [p.columnar for p in fast.files] == [True, True]
    _assert_same(files, monkeypatch)
    rows = _per_file(fast)[0][3]["insights"]
    assert [r["value_date"] for r in rows[:7]] == [
        date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 7), date(2026, 10, 31),
        date(2026, 11, 1), None, date(2026, 11, 1),
    ]  # fmt: skip
    assert {r["metric"] for r in rows} == {"page_follows"}  # the deprecated name mapped
    # an object value (value_json) is the row path's: its whole group goes that way
    _land(landing, "facebook/insights/333_20261121T060000Z.json", _insights("333", ends, {"a": 1}))
    files = _files(landing)
    fast, _ = _both(files, monkeypatch)
    assert not any(p.columnar for p in fast.files)
    _assert_same(files, monkeypatch)


@pytest.mark.parametrize(
    "stamp",
    ["2026-11-20T10:00:00", "2026-11-20 10:00:00+00:00", "2026-02-30T10:00:00Z", "",
     "Sat Feb 18 19:45:15 +0000 2023", "2026-11-20T10:00:00.123456789Z", "1763632800"],
)  # fmt: skip
def test_times_outside_the_strict_shape_are_read_as_the_row_path_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stamp: str
) -> None:
    landing = tmp_path / "landing"
    body = _tweets("111", {})
    body["data"][1]["created_at"] = stamp
    _land(landing, "x/tweets/111_20261121T060000Z.json", body)
    _assert_same(_files(landing), monkeypatch)


def test_special_fields_keep_their_parser_handling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    organic = {"organic_metrics": {"url_link_clicks": 4, "user_profile_clicks": 2}}
    _land(landing, "x/tweets/111_20261121T060000Z.json", _tweets("111", {}, extra=organic))
    media = {"data": [{"id": "9", "timestamp": "2026-11-20T10:00:00+0000", "like_count": 1,
                       "insights": {"data": [{"name": "reach", "values": [{"value": 40}]}]}}]}  # fmt: skip
    _land(landing, "instagram/media/555_20261121T060000Z.json", media)
    files = _files(landing)
    _assert_same(files, monkeypatch)
    fast, _ = _both(files, monkeypatch)
    assert not any(p.columnar for p in fast.files)
    rows = _per_file(fast)
    by_file = {f.rel: r for f, r in zip(files, rows, strict=True)}
    assert by_file["instagram/media/555_20261121T060000Z.json"][3]["media"][0]["reach"] == 40


def test_json_depth_is_measured_the_same_on_valid_json() -> None:
    """``json_documents`` measures the depth of JSON orjson accepts on its structure; the
    text measure (``check_json_depth``) must agree, strings full of brackets and escapes
    included."""
    rng = random.Random(7)
    chars = '[]{}"\\ab,:é'

    def word() -> str:
        return "".join(rng.choice(chars) for _ in range(rng.randint(0, 6)))

    def verdict(check: object) -> str:
        try:
            check()  # type: ignore[operator]
        except IngestError as exc:
            return "deep" if "deeper than" in str(exc) else "other"
        return "ok"

    seen = set()
    for _ in range(400):
        value: object = 0
        for _ in range(rng.randint(1, 80)):
            value = (
                {word(): value, word(): [word(), {}]} if rng.random() < 0.5 else [value, word(), []]
            )
        text = json.dumps(value, ensure_ascii=rng.random() < 0.5)
        text_verdict = verdict(lambda: check_json_depth("f", text))  # noqa: B023
        assert verdict(lambda: json_documents("f", text.encode())) == text_verdict  # noqa: B023
        seen.add(text_verdict)
    assert seen == {"ok", "deep"}


def test_extra_text_is_what_json_dumps_writes() -> None:
    for value in [
        {"b": [1, 2.5, "é", None, True], "a": {"z": '"q"', "y": 1e16}},
        {"edit_history_tweet_ids": ["1"], "nested": {"deep": [[{"x": -0.0}]]}},
    ]:
        assert to_json(value) == json.dumps(value, ensure_ascii=False, sort_keys=True)
    assert to_json({}) is None


def test_the_columnar_kinds_are_registered() -> None:
    columnar = {key for key, parser in PARSERS.items() if isinstance(parser, ColumnarParser)}
    assert ("x", "tweets") in columnar and ("x", "followers") not in columnar
