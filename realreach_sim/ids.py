"""Seeded randomness, X-style ids and the time formats X uses."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime, time

import numpy as np

TWITTER_EPOCH_MS = 1288834974657  # snowflake epoch (2010-11-04)
SNOWFLAKE_USERS_FROM_MS = 1463270400000  # 2016-05-15: user ids became snowflakes around then

# Before snowflakes, user ids were sequential: anchor points (creation ms, id) read off real
# accounts, interpolated so that an old account gets a short id like the real ones.
_SEQ_ANCHORS_MS = np.array(
    [1142899200000, 1171982154000, 1260305791000, 1267620564000, 1306886400000,
     1338508800000, 1386995755000, 1433116800000, SNOWFLAKE_USERS_FROM_MS],
    dtype=np.float64,
)  # fmt: skip
_SEQ_ANCHORS_ID = np.array(
    [12, 783214, 95500726, 119369819, 320000000, 600000000, 2244994945, 3300000000, 4900000000],
    dtype=np.float64,
)

_ALNUM = np.array(list(string.ascii_letters + string.digits))
_LOWER_DIGITS = np.array(list(string.ascii_lowercase + string.digits))


def rng_for(seed: int, *keys: int) -> np.random.Generator:
    """An independent stream per (seed, purpose, ...) so one part's draws never shift another's."""
    return np.random.default_rng([seed % (2**63), *keys])


def day_start_ms(day: date) -> int:
    return int(datetime.combine(day, time(0), tzinfo=UTC).timestamp() * 1000)


def snowflake_ids(ms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Snowflake ids for events at the given epoch milliseconds: ordered by time."""
    low = rng.integers(0, 1 << 22, size=len(ms), dtype=np.int64)
    return ((ms.astype(np.int64) - TWITTER_EPOCH_MS) << 22) | low


def user_ids(created_ms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """User ids as X assigned them: sequential-looking before 2016, snowflakes after."""
    created_ms = created_ms.astype(np.int64)
    seq = np.interp(created_ms.astype(np.float64), _SEQ_ANCHORS_MS, _SEQ_ANCHORS_ID)
    seq = seq.astype(np.int64) + rng.integers(0, 5000, size=len(created_ms), dtype=np.int64)
    flake = snowflake_ids(np.maximum(created_ms, TWITTER_EPOCH_MS), rng)
    ids = np.where(created_ms < SNOWFLAKE_USERS_FROM_MS, seq, flake)
    # X never hands out an id twice; the jitter above can, so nudge the rare collisions.
    taken: set[int] = set()
    for i, value in enumerate(ids.tolist()):
        while value in taken:
            value += 1
        taken.add(value)
        ids[i] = value
    return ids


def iso_ms(ms: np.ndarray) -> list[str]:
    """X's created_at format, whole seconds: 2021-04-07T20:50:54.000Z."""
    text = np.datetime_as_string(ms.astype(np.int64).astype("datetime64[ms]"), unit="s")
    return [f"{t}.000Z" for t in text.tolist()]


def pull_stamp(moment: datetime) -> str:
    """The pull time as it appears in landing file names: YYYYMMDDTHHMMSSZ."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def random_tokens(rng: np.random.Generator, n: int, length: int, lower: bool = False) -> list[str]:
    alphabet = _LOWER_DIGITS if lower else _ALNUM
    picks = alphabet[rng.integers(0, len(alphabet), size=(n, length))]
    return ["".join(row) for row in picks.tolist()]


def avatar_urls(rng: np.random.Generator, created_ms: np.ndarray, seen_ms: int) -> list[str]:
    """pbs.twimg.com avatar urls; the media id is a snowflake between creation and ``seen_ms``."""
    n = len(created_ms)
    # People change avatars: the upload falls anywhere between sign-up and now.
    later = created_ms + (rng.random(n) * np.maximum(seen_ms - created_ms, 0)).astype(np.int64)
    media = snowflake_ids(np.maximum(later, TWITTER_EPOCH_MS), rng)
    names = random_tokens(rng, n, 8)
    return [
        f"https://pbs.twimg.com/profile_images/{m}/{k}_normal.jpg"
        for m, k in zip(media.tolist(), names, strict=True)
    ]


DEFAULT_AVATAR = "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
