"""`make fuzz`: a bounded property-based fuzzer (Hypothesis) over every landing parser.

Each input goes through ``ingestion.run.parse_file`` exactly as a run would take it (name
checks, kind sniffing, the parser, the lake's value checks). The only acceptable failure is
``IngestError`` (the file is quarantined with a reason); any other exception is a crash and
is reported with the parser, the exception and a shortened input.

Inputs per parser: realistic responses whose values are replaced by hostile ones (huge and
non-finite numbers, objects where text belongs, NUL bytes, deep nesting, wrong types), random
JSON documents over the formats' own keys, mutated bytes of a valid file, raw bytes, hostile
CSV cells and zip archives holding mutated members, under hostile file names.

    python -m tests.fuzz_parsers [--examples N]   (N per parser and strategy family)
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ingestion.errors import IngestError
from ingestion.landing import describe
from ingestion.reading import Content
from ingestion.run import parse_file

KEYS = [
    "id", "data", "public_metrics", "followers_count", "following_count", "tweet_count",
    "username", "name", "created_at", "author_id", "text", "referenced_tweets", "type",
    "period", "values", "value", "end_time", "total_value", "breakdowns", "title",
    "elements", "organizationalEntity", "timeRange", "start", "end", "firstDegreeSize",
    "followerGains", "organicFollowerGain", "paidFollowerGain", "totalShareStatistics",
    "clickCount", "engagement", "string_list_data", "href", "timestamp", "created_time",
    "shares", "count", "reactions", "summary", "total_count", "comments", "insights",
    "owner", "media_type", "like_count", "comments_count", "follows_count", "meta",
    "result_count", "__twarc", "retrieved_at", "error", "status", "message", "$oid",
]  # fmt: skip

HOSTILE_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            "1e400",
            "-1e400",
            "NaN",
            "inf",
            "100000000000000000000",
            "-5",
            "424.0",
            "",
            "-",
            "٣",
            "²",
            "0x10",
            "1,2,3",
            "20261321T060000Z",
            "2026-13-45T99:99:99Z",
            "9999-12-31T23:59:59+14:00",
            "0001-01-01T00:00:00-14:00",
            "a\x00b",
            "urn:li:organization:",
            "urn:li:organization:ünï",
            "<page-id>",
            "123_",
            "_123",
            "1_2_3",
            "Sat Feb 30 19:45:15 +0000 2023",
        ]
    ),
    st.text(max_size=20),
)
JSON_VALUES = st.recursive(
    HOSTILE_SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), children, max_size=5
        ),
    ),
    max_leaves=12,
)

# A realistic body per landing kind: the template hostile values are put into.
TEMPLATES: dict[str, Any] = {
    "x/users": {"data": [{"id": "11", "username": "a", "name": "A", "created_at": "2020-01-01T00:00:00Z",
                          "public_metrics": {"followers_count": 5, "following_count": 1, "tweet_count": 2}}]},
    "x/followers": {"data": [{"id": "12", "username": "b", "public_metrics": {"followers_count": 1}}],
                    "meta": {"result_count": 1}},
    "x/tweets": {"data": [{"id": "13", "author_id": "11", "created_at": "2026-01-01T00:00:00Z", "text": "t",
                           "referenced_tweets": [{"type": "replied_to", "id": "14"}],
                           "public_metrics": {"retweet_count": 1, "like_count": 2, "impression_count": 3}}]},
    "instagram/users": {"id": "17841", "username": "a", "followers_count": 5, "follows_count": 3,
                        "media_count": 2},
    "instagram/insights": {"data": [{"name": "reach", "period": "day", "id": "17841/insights/reach/day",
                                     "values": [{"value": 5, "end_time": "2026-06-02T07:00:00+0000"}]}]},
    "instagram/media": {"data": [{"id": "179", "timestamp": "2026-01-01T00:00:00+0000", "media_type": "IMAGE",
                                  "like_count": 3, "comments_count": 1, "owner": {"id": "17841"}}]},
    "instagram/dyi": [{"title": "", "media_list_data": [],
                       "string_list_data": [{"href": "https://instagram.com/a", "value": "a",
                                             "timestamp": 1763683200}]}],
    "facebook/insights": {"data": [{"name": "page_fans", "period": "day", "id": "123/insights/page_fans/day",
                                    "values": [{"value": 5, "end_time": "2026-06-02T07:00:00+0000"}]}]},
    "facebook/posts": {"data": [{"id": "123_456", "created_time": "2026-01-01T00:00:00+0000", "message": "m",
                                 "shares": {"count": 2}, "reactions": {"summary": {"total_count": 4}}}]},
    "linkedin/follower_statistics": {"elements": [{"organizationalEntity": "urn:li:organization:5001",
                                                   "timeRange": {"start": 1763683200000, "end": 1763769600000},
                                                   "followerGains": {"organicFollowerGain": 3,
                                                                     "paidFollowerGain": 1}}]},
    "linkedin/network_sizes": {"firstDegreeSize": 1000},
    "linkedin/share_statistics": {"elements": [{"organizationalEntity": "urn:li:organization:5001",
                                                "totalShareStatistics": {"clickCount": 1, "likeCount": 2,
                                                                         "engagement": 0.1}}]},
}  # fmt: skip
ANALYTICS_HEADER = ["Tweet id", "Tweet permalink", "Tweet text", "time", "impressions",
                    "engagements", "engagement rate", "likes", "promoted impressions"]  # fmt: skip
ANALYTICS_ROW = ["1001", "https://x.com/a/status/1001", "hi", "2016-09-12 18:32 +0000", "424.0",
                 "12", "0.02", "9", "-"]  # fmt: skip
REGISTRY_HEADER = ["platform", "account_id", "handle", "owner", "role"]
REGISTRY_ROW = ["x", "4242", "acme", "Acme", "brand"]

NAMES = st.one_of(
    st.just("4242_20261121T060000Z.json"),
    st.sampled_from(
        [
            "20261121T060000Z.json",
            "4242_20261321T060000Z.json",
            "ünï_20261121T060000Z.json",
            "a..b_20261121T060000Z.json",
            "{'$oid': 1}_20261121T060000Z.json",
            "4242_20261121T060000Z_002.json",
            "x.json",
            "4242_20261121T250000Z.json",
        ]
    ),
    st.builds(
        lambda account, ts: f"{account}_{ts}.json",
        st.text(alphabet=st.characters(blacklist_characters="/\x00_"), min_size=1, max_size=8),
        st.from_regex(r"\A[0-9]{8}T[0-9]{6}Z\Z"),
    ),
)


@dataclass
class Tally:
    inputs: int = 0
    quarantined: int = 0
    crashes: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)


TALLY = Tally()
SCRATCH = Path(tempfile.mkdtemp(prefix="realreach-fuzz-"))
LANDING = SCRATCH / "landing"
(LANDING / "accounts.csv").parent.mkdir(parents=True, exist_ok=True)
(LANDING / "accounts.csv").write_text("platform,account_id\n")  # the registry reads its mtime
_STAT = (LANDING / "accounts.csv").lstat()
_NOW = datetime(2026, 11, 29, tzinfo=UTC)


def run_one(kind: str, name: str, raw: bytes) -> None:
    """One input through the run's own path; anything but IngestError is a crash."""
    TALLY.inputs += 1
    parts = ("accounts.csv",) if kind == "registry/accounts" else (*kind.split("/"), name)
    try:
        file = describe(LANDING, LANDING.joinpath(*parts), parts, _STAT)
        parse_file(file, Content(raw, "0" * 64), _NOW)
    except IngestError:
        TALLY.quarantined += 1
    except Exception as exc:  # the fuzzer's job: every other exception is a finding
        where = traceback.extract_tb(exc.__traceback__)[-1]
        key = f"{kind}: {type(exc).__name__} at {Path(where.filename).name}:{where.lineno}"
        TALLY.crashes[key] += 1
        TALLY.examples.setdefault(key, f"{exc!s:.200} | name={name!r} | input={raw[:300]!r}")


def _mutate(template: Any, draw: Callable[[Any], Any]) -> Any:
    """``template`` with some leaves, keys or containers replaced by hostile values."""
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            if draw(st.integers(0, 9)) == 0:
                continue  # drop a field
            out[key] = _mutate(value, draw)
        if draw(st.integers(0, 4)) == 0:
            out[draw(st.sampled_from(KEYS))] = draw(JSON_VALUES)
        return out
    if isinstance(template, list):
        items = [_mutate(item, draw) for item in template]
        if draw(st.integers(0, 5)) == 0:
            items.append(draw(JSON_VALUES))
        return items
    return draw(JSON_VALUES) if draw(st.integers(0, 2)) == 0 else template


def _csv(rows: list[list[str]], delimiter: str = ",") -> bytes:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode("utf-8", errors="surrogatepass")


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in entries.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def _archive(data: st.DataObject) -> bytes:
    account = _mutate(
        {"accountId": "4242", "username": "a", "createdAt": "2011-03-04T10:00:00.000Z"}, data.draw
    )
    tweet = _mutate({"id_str": "13", "full_text": "t", "created_at": "Sat Feb 18 19:45:15 +0000 2023",
                     "favorite_count": "3", "retweet_count": "1"}, data.draw)  # fmt: skip
    follower = _mutate({"accountId": "99", "userLink": "https://x.com/i/99"}, data.draw)
    entries = {
        "data/account.js": f"window.YTD.account.part0 = {json.dumps([{'account': account}])}",
        "data/tweets.js": f"window.YTD.tweets.part0 = {json.dumps([{'tweet': tweet}])}",
        "data/follower.js": f"window.YTD.follower.part0 = {json.dumps([{'follower': follower}])}",
    }
    if data.draw(st.booleans()):
        victim = data.draw(st.sampled_from(sorted(entries)))
        entries[victim] = data.draw(st.sampled_from(["", "window.YTD.x = ", "[" * 5000, "window.YTD.a.part0 = NaN",
                                                      "window.YTD.a.part0 = " + "[" * 100_000]))  # fmt: skip
    return _zip({name: body.encode() for name, body in entries.items()})


def _byte_mutation(raw: bytes, data: st.DataObject) -> bytes:
    edits = data.draw(st.lists(st.tuples(st.integers(0, max(len(raw) - 1, 0)), st.binary(max_size=3)),
                               max_size=4))  # fmt: skip
    out = bytearray(raw)
    for at, chunk in edits:
        out[at : at + data.draw(st.integers(0, 3))] = chunk
    return bytes(out)


FAMILIES: dict[str, Callable[[str, st.DataObject], bytes]] = {}


def family(name: str):
    def register(fn: Callable[[str, st.DataObject], bytes]):
        FAMILIES[name] = fn
        return fn

    return register


@family("mutated response")
def _mutated(kind: str, data: st.DataObject) -> bytes:
    if kind == "x/archive":
        return _archive(data)
    if kind == "x/analytics":
        cells = [data.draw(st.one_of(st.just(c), HOSTILE_SCALARS.map(str))) for c in ANALYTICS_ROW]
        return _csv([ANALYTICS_HEADER, cells])
    if kind == "registry/accounts":
        cells = [data.draw(st.one_of(st.just(c), HOSTILE_SCALARS.map(str))) for c in REGISTRY_ROW]
        return _csv([REGISTRY_HEADER, cells])
    doc = _mutate(TEMPLATES[kind], data.draw)
    body = json.dumps(doc, ensure_ascii=data.draw(st.booleans()), allow_nan=True)
    if kind == "instagram/dyi" and data.draw(st.booleans()):
        return _zip(
            {
                "connections/followers_and_following/followers_1.json": body.encode(
                    "utf-8", "surrogatepass"
                )
            }
        )
    if data.draw(st.integers(0, 5)) == 0:  # JSON Lines of several pages
        body = (
            body.replace("\n", " ")
            + "\n"
            + json.dumps(_mutate(TEMPLATES[kind], data.draw), allow_nan=True)
        )
    return body.encode("utf-8", errors="surrogatepass")


@family("random JSON")
def _random_json(kind: str, data: st.DataObject) -> bytes:
    return json.dumps(data.draw(JSON_VALUES), allow_nan=True).encode("utf-8", "surrogatepass")


@family("mutated bytes")
def _mutated_bytes(kind: str, data: st.DataObject) -> bytes:
    if kind == "x/archive":
        valid = _zip(
            {"data/account.js": b'window.YTD.account.part0 = [{"account": {"accountId": "4242"}}]'}
        )
    elif kind == "x/analytics":
        valid = _csv([ANALYTICS_HEADER, ANALYTICS_ROW])
    elif kind == "registry/accounts":
        valid = _csv([REGISTRY_HEADER, REGISTRY_ROW])
    else:
        valid = json.dumps(TEMPLATES[kind]).encode()
    return _byte_mutation(valid, data)


@family("raw bytes")
def _raw(kind: str, data: st.DataObject) -> bytes:
    return data.draw(st.one_of(st.binary(max_size=200), st.sampled_from(
        [b"", b"\xff\xfe", b"\xef\xbb\xbf", b"PK\x03\x04", b"[" * 100_000, b"{" * 3000, b"\x00" * 64,
         "\ufeff".encode("utf-16"), b'"' * 1000, b"1e400", b"[1e400]", b"NaN"])))  # fmt: skip


#: Byte-level variants tried per generated input (truncation, flips, hostile tokens): cheap
#: inputs that reuse one generated document, so the run reaches 100k inputs in minutes.
MUTANTS = 4
_TOKENS = [b"1e400", b"-1e400", b"NaN", b"Infinity", b"[", b"{", b"]", b"}", b'"', b"\\u0000",
           b"\x00", b"-1", b"null", b"true", b"99999999999999999999999", b"{\"$oid\": 1}", b",",
           b"\xff\xfe", b"\n", b"\r\n", b'"id": {}', b"[" * 200]  # fmt: skip


def _variant(raw: bytes, rng: random.Random) -> bytes:
    if not raw:
        return rng.choice(_TOKENS)
    at = rng.randrange(len(raw))
    choice = rng.randrange(5)
    if choice == 0:
        return raw[:at]  # a file cut short (a copy still running)
    if choice == 1:
        return raw[:at] + bytes([rng.randrange(256)]) + raw[at + 1 :]
    if choice == 2:
        return raw[:at] + rng.choice(_TOKENS) + raw[at:]
    if choice == 3:
        end = min(len(raw), at + rng.randrange(1, 16))
        return raw[:at] + raw[end:]
    return raw[:at] + raw[at : at + 32] * rng.randrange(2, 6) + raw[at:]


def _case(kind: str, build: Callable[[str, st.DataObject], bytes], config: settings):
    @config
    @given(data=st.data(), file_name=NAMES, rng=st.randoms(use_true_random=False))
    def case(data: st.DataObject, file_name: str, rng: random.Random) -> None:
        raw = build(kind, data)
        run_one(kind, file_name, raw)
        for _ in range(MUTANTS):
            run_one(kind, file_name, _variant(raw, rng))

    return case


def fuzz(examples: int, seed: int | None = None) -> Tally:
    kinds = [*TEMPLATES, "x/archive", "x/analytics", "registry/accounts"]
    config = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=seed is not None,
        phases=[Phase.generate],  # no shrinking: findings are tallied, not raised
        suppress_health_check=list(HealthCheck),
    )
    for kind in kinds:
        for name, build in FAMILIES.items():
            case = _case(kind, build, config)
            started = time.perf_counter()
            before = TALLY.inputs
            case()
            print(f"  {kind:30} {name:18} {TALLY.inputs - before:6} inputs "
                  f"{time.perf_counter() - started:6.1f}s", flush=True)  # fmt: skip
    return TALLY


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--examples", type=int, default=350,
        help=f"generated inputs per parser and input family (each also tried in {MUTANTS} variants)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, help="derandomize (reproducible run)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    tally = fuzz(args.examples, args.seed)
    crashes = sum(tally.crashes.values())
    print(
        f"\nfuzz: {tally.inputs} inputs ({len(FAMILIES)} families x 15 parsers, each generated "
        f"input + {MUTANTS} byte variants) in "
        f"{time.perf_counter() - started:.0f}s: {tally.quarantined} quarantined (IngestError), "
        f"{tally.inputs - tally.quarantined - crashes} accepted, {crashes} crashes "
        f"({len(tally.crashes)} distinct)"
    )
    for key, count in tally.crashes.most_common():
        print(f"  CRASH x{count} {key}\n      {tally.examples[key]}")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
