"""Bad input in one mixed batch: each bad file quarantined with a reason, the good ones land.

Every case is a real file on disk in a real landing folder; zips are built with ``zipfile``
and, where Python cannot write the defect (encryption, lying sizes), its bytes are patched
the way such a file arrives.
"""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from ingestion.errors import IngestError
from ingestion.landing import describe
from ingestion.parsers.safe_zip import SafeZip, ZipLimits
from ingestion.run import ingest_landing
from realreach.cli import main as cli_main
from realreach_core.home import Home
from tests.landingkit import corpus_file, dyi_followers, lake_rows, land, x_archive, zip_bytes


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home").ensure()


def encrypted(raw: bytes) -> bytes:
    """Sets the "encrypted" flag on every entry, local and central headers alike."""
    data = bytearray(raw)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            flags = struct.unpack_from("<H", data, at + offset)[0]
            struct.pack_into("<H", data, at + offset, flags | 0x1)
            start = at + 4
    return bytes(data)


ANALYTICS_HEADER = (
    '"Tweet id","Tweet permalink","Tweet text","time","impressions","engagements",'
    '"engagement rate","retweets","replies","likes","promoted impressions"\n'
)
ANALYTICS_ROW = (
    '"1001","https://x.com/acme/status/1001","héllo","2016-09-12 18:32 +0000",'
    '"424.0","12","0.0283","1","2","9","-"\n'
)
ZIP_BOMB = zip_bytes({"data/account.js": b"\0" * (40 * 1024 * 1024)})  # ~1000x when inflated

# (landing path, body, phrase the reason must contain)
BAD = [
    ("instagram/insights/17841_20261121T060000Z.json", b'{"data": [{"name": "reach", ', "malformed JSON"),
    ("x/archive/4242_20261121T060000Z.zip", x_archive()[:300], "truncated or corrupt"),
    ("x/archive/4242_20261121T070000Z.zip", encrypted(x_archive()), "password-protected"),
    ("x/archive/4242_20261121T080000Z.zip", zip_bytes({"data/../../x.js": "1"}), "escapes"),
    ("instagram/dyi/17841_20261121T060000Z.zip", zip_bytes({"/etc/followers_1.json": "[]"}),
     "escapes"),
    ("x/archive/4242_20261121T090000Z.zip", ZIP_BOMB, "zip bomb"),
    ("facebook/posts/20261121T060000Z.json", b"", "empty file"),
    ("x/analytics/4242_20261121T060000Z.csv", b'"Tweet id","time"\n"1","2016-09-12 18:32 +0000"\n',
     "missing column(s) impressions"),
    ("tiktok/videos/20261121T060000Z.json", b"{}", "unknown landing folder tiktok/videos"),
    # issue 13: one bad value used to stop every run (OverflowError, ArrowTypeError, ...)
    ("x/users/20261121T060000Z.json",
     b'{"data": [{"id": "7", "public_metrics": {"followers_count": 100000000000000000000}}]}',
     "followers_count = 100000000000000000000"),
    ("facebook/insights/123456_20261121T070000Z.json",
     b'{"data": [{"name": "page_follows", "period": {"x": 1}, "values": [{"value": 1}]}]}',
     "period = {'x': 1}: expected text"),
    ("x/users/20261321T060000Z.json", b'{"data": [{"id": "8"}]}', "not a date"),
    ("x/users/20261121T070000Z.json", b"[" * 100_000, "nested deeper than"),
    ("linkedin/network_sizes/5001_20261121T060000Z.json", b'{"firstDegreeSize": -3}',
     "first_degree_size = -3: must not be negative"),
]  # fmt: skip

GOOD = [
    # A UTF-8 CSV with a BOM, and the same export saved as UTF-16 (Excel "Unicode text").
    ("x/analytics/4242_20261120T060000Z.csv", ("\ufeff" + ANALYTICS_HEADER + ANALYTICS_ROW).encode()),
    ("x/analytics/4242_20261119T060000Z.csv", (ANALYTICS_HEADER + ANALYTICS_ROW).encode("utf-16")),
    ("x/archive/4242_20261120T060000Z.zip", x_archive(followers=["1", "2"], following=["3"])),
    ("instagram/dyi/17841_20261120T060000Z.json", dyi_followers([("ann", 1763683200)]).encode()),
    ("facebook/insights/123456_20190612T060000Z_003.json", "restfb/insight-page-3.json"),  # corpus
]  # fmt: skip


def test_a_mixed_batch_lands_the_good_and_quarantines_each_bad_file(
    home: Home, capsys: pytest.CaptureFixture[str]
) -> None:
    for rel, body in GOOD:
        land(home, rel, corpus_file(body) if isinstance(body, str) else body)
    for rel, body, _ in BAD:
        land(home, rel, body)
    # The whole pipeline runs on the batch: bad files are a result, not a failure.
    assert cli_main(["run", "--home", str(home.root)]) == 0
    printed = capsys.readouterr()
    assert f"{len(BAD)} quarantined" in printed.out + printed.err
    for rel, body, phrase in BAD:
        kept = home.quarantine / rel
        assert kept.read_bytes() == body
        reason = json.loads(kept.with_name(kept.name + ".error.json").read_text())["reason"]
        assert reason.startswith(rel), "the reason names the file"
        assert phrase in reason, (rel, reason)
    analytics = lake_rows(home, "x", "analytics")
    assert len(analytics) == 2
    for row in analytics:  # both encodings read to the same values
        assert (row["post_id"], row["text"], row["impressions"]) == ("1001", "héllo", 424)
        assert row["promoted_impressions"] is None and row["engagement_rate"] == pytest.approx(
            0.0283
        )
    assert len(lake_rows(home, "x", "archive_relations")) == 3
    assert len(lake_rows(home, "instagram", "dyi_followers")) == 1
    assert len(list(home.quarantine.rglob("*.error.json"))) == len(BAD)
    # A rerun adds nothing and does not quarantine the same files again.
    again = ingest_landing(home)
    assert (again.files_ingested, again.files_quarantined) == (0, 0)
    assert len(lake_rows(home, "x", "analytics")) == 2


def _safe_zip(tmp_path: Path, raw: bytes, limits: ZipLimits | None = None) -> SafeZip:
    path = tmp_path / "landing" / "x" / "archive" / "4242_20261121T060000Z.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    return SafeZip(describe(tmp_path / "landing", path), raw, limits)


def test_declared_sizes_over_the_total_limit_are_refused_before_reading(tmp_path: Path) -> None:
    raw = zip_bytes({f"data/part{i}.js": "x" * 4000 for i in range(5)})  # 20 kB declared
    archive = _safe_zip(tmp_path, raw, ZipLimits(max_total_bytes=10_000))
    archive.read("data/part0.js")
    archive.read("data/part1.js")
    with pytest.raises(IngestError, match="declares 12000 bytes uncompressed in the entries read"):
        archive.read("data/part2.js")
    assert archive._inflated == 8000, "refused before inflating the third entry"


def test_media_that_are_not_read_do_not_count(tmp_path: Path) -> None:
    # Real archives carry photos and videos beside data/*.js; only what is read is limited.
    raw = zip_bytes({"data/a.js": "x" * 1000, "data/tweets_media/v.mp4": "y" * 50_000})
    archive = _safe_zip(tmp_path, raw, ZipLimits(max_total_bytes=10_000))
    assert archive.read("data/a.js") == b"x" * 1000


def test_a_zip_whose_header_lies_about_its_size_is_damaged(tmp_path: Path) -> None:
    # zipfile stops inflating at the declared size and checks the CRC, so a header claiming
    # less than the data holds cannot smuggle bytes past the declared-size check.
    data = bytearray(zip_bytes({"data/a.js": "x" * 50_000}))
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 100)  # claims 100 bytes uncompressed
    archive = _safe_zip(tmp_path, bytes(data))
    with pytest.raises(IngestError, match="damaged or truncated"):
        archive.read("data/a.js")


def test_a_ratio_under_the_floor_is_fine(tmp_path: Path) -> None:
    # Small, very repetitive files compress far beyond MAX_RATIO and are normal.
    archive = _safe_zip(tmp_path, zip_bytes({"data/a.js": "\0" * 500_000}))
    assert archive.names() == ["data/a.js"]
    assert (
        zipfile.ZipFile(tmp_path / "landing/x/archive/4242_20261121T060000Z.zip").testzip() is None
    )
