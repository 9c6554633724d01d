"""Putting files into a landing folder and reading the lake back, for ingestion tests."""

from __future__ import annotations

import io
import json
import os
import shutil
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

import duckdb

from ingestion.lake import kind_dir
from realreach_core.home import Home

_REPO = Path(__file__).resolve().parents[1]


def _checkouts() -> list[Path]:
    """This checkout, and the main one when this is a git worktree (its .git is a file)."""
    found = [_REPO]
    git = _REPO / ".git"
    if git.is_file():  # "gitdir: <main>/.git/worktrees/<name>"
        text = git.read_text().strip()
        if text.startswith("gitdir:"):
            common = Path(text.split(":", 1)[1].strip()).resolve()
            if common.parent.name == "worktrees":
                found.append(common.parents[2])
    return found


# The real export samples live in shared/ beside the repository (../shared/corpus), found
# relative to this checkout or, from a git worktree, to its main checkout: never a fixed path.
# A clone without ../shared skips the tests that need them, saying so (corpus_file, and the
# header pytest prints: tests/conftest.py).
SHARED = next(
    (
        root.parent / "shared"
        for root in _checkouts()
        if (root.parent / "shared" / "corpus").is_dir()
    ),
    _REPO.parent / "shared",
)
CORPUS = SHARED / "corpus"
HAVE_CORPUS = CORPUS.is_dir()
CORPUS_MISSING = (
    f"real export samples not found: no ../shared/corpus beside {_REPO} "
    "(clone the project next to its shared/ folder to run these tests)"
)


def corpus_file(rel: str) -> Path:
    """A real sample from ../shared/corpus; skips the calling test when the clone has none."""
    import pytest

    path = CORPUS / rel
    if not path.exists():
        pytest.skip(f"{CORPUS_MISSING}; needs corpus/{rel}")
    return path


#: How long ago ``land`` dates a file: older than any settle time, so `realreach run` takes it.
LANDED_AGO_NS = 60 * 10**9


def land(home: Home, rel: str, content: bytes | str | Path, *, settled: bool = True) -> Path:
    """Writes a landing file; ``settled`` dates it a minute back (a finished copy)."""
    target = home.landing / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, Path):
        shutil.copyfile(content, target)
    elif isinstance(content, str):
        target.write_text(content, encoding="utf-8")
    else:
        target.write_bytes(content)
    if settled:
        then = time.time_ns() - LANDED_AGO_NS
        os.utime(target, ns=(then, then))
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


def zip_bytes(entries: dict[str, bytes | str]) -> bytes:
    """A real .zip (deflated) with the given members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in entries.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def ytd(name: str, items: list) -> str:
    """An X archive data file: ``window.YTD.<name>.part0 = [...]``."""
    return f"window.YTD.{name}.part0 = {json.dumps(items, indent=2)}"


def x_archive(
    account_id: str = "4242",
    *,
    tweets: list[dict] | None = None,
    followers: Sequence[str] = (),
    following: Sequence[str] = (),
    tweet_file: str = "tweets",
    top: str = "twitter-2026-11-21-abc/",
) -> bytes:
    """A minimal X account archive as the download builds it."""
    account = {
        "email": "owner@example.com",
        "createdVia": "web",
        "username": "acme",
        "accountId": account_id,
        "createdAt": "2011-03-04T10:00:00.000Z",
        "accountDisplayName": "Acme",
    }
    return zip_bytes(
        {
            f"{top}data/account.js": ytd("account", [{"account": account}]),
            f"{top}data/{tweet_file}.js": ytd(tweet_file, [{"tweet": t} for t in tweets or []]),
            f"{top}data/follower.js": ytd(
                "follower",
                [
                    {"follower": {"accountId": i, "userLink": f"https://x.com/i/{i}"}}
                    for i in followers
                ],
            ),
            f"{top}data/following.js": ytd(
                "following",
                [
                    {"following": {"accountId": i, "userLink": f"https://x.com/i/{i}"}}
                    for i in following
                ],
            ),
            f"{top}data/tweets_media/readme.txt": "media are not read",
        }
    )


def dyi_followers(entries: list[tuple[str, int | None]], *, title_style: bool = False) -> str:
    """Instagram DYI followers_1.json: (username, unix seconds) pairs."""
    items = []
    for username, ts in entries:
        data = {"href": f"https://www.instagram.com/{username}", "timestamp": ts}
        if not title_style:
            data["value"] = username
        items.append(
            {
                "title": username if title_style else "",
                "media_list_data": [],
                "string_list_data": [data],
            }
        )
    return json.dumps(items)
