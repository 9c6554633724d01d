"""Follower profiles as X API v2 user objects: genuine people and bought accounts.

The two populations overlap on purpose: some genuine newcomers are weak (new, no bio, default
avatar, few followers) and some bought accounts carry a stolen photo or a filler bio, so a
scorer has to weigh several signals instead of reading one flag.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from realreach_sim import vocab
from realreach_sim.accounts import DAY_MS
from realreach_sim.ids import (
    DEFAULT_AVATAR,
    avatar_urls,
    day_start_ms,
    iso_ms,
    random_tokens,
    user_ids,
)

WEAK_GENUINE_SHARE = 0.12  # real newcomers who look like bots at first glance
FIRST_ACCOUNT_MS = day_start_ms(date(2007, 1, 1))


def _pick(rng: np.random.Generator, pool: tuple[str, ...] | list[str], n: int) -> list[str]:
    return [pool[i] for i in rng.integers(0, len(pool), n).tolist()]


def _bios(rng: np.random.Generator, n: int) -> list[str]:
    templates = _pick(rng, vocab.BIO_TEMPLATES, n)
    titles = _pick(rng, vocab.JOB_TITLES, n)
    companies = _pick(rng, [c for c, _ in vocab.COMPANIES], n)
    cities = _pick(rng, vocab.CITIES, n)
    interests = rng.integers(0, len(vocab.INTERESTS), (n, 3)).tolist()
    return [
        t.format(
            title=title,
            title_l=title.lower(),
            company=company,
            city=city,
            i1=vocab.INTERESTS[i[0]],
            i2=vocab.INTERESTS[i[1]],
            i3=vocab.INTERESTS[i[2]],
        )
        for t, title, company, city, i in zip(
            templates, titles, companies, cities, interests, strict=True
        )
    ]


def _person_usernames(rng: np.random.Generator, firsts: list[str], lasts: list[str]) -> list[str]:
    styles = rng.integers(0, 7, len(firsts)).tolist()
    digits = rng.integers(1, 9999, len(firsts)).tolist()
    nicks = _pick(rng, vocab.NICK_WORDS, len(firsts))
    out = []
    for f, last, style, num, nick in zip(firsts, lasts, styles, digits, nicks, strict=True):
        f, last = f.lower().replace("-", ""), last.lower().replace("'", "")
        if style == 0:
            name = f + last
        elif style == 1:
            name = f"{f}_{last}"
        elif style == 2:
            name = f"{f[0]}{last}{num % 100}"
        elif style == 3:
            name = f"{f}{num}"
        elif style == 4:
            name = nick + f
        elif style == 5:
            name = f"the{f}{last[0]}"
        else:
            name = f"{last}{f[0]}"
        out.append(name[:15])
    return out


def _auto_usernames(rng: np.random.Generator, firsts: list[str]) -> list[str]:
    """What X suggests at sign-up and farms keep: a first name and eight digits."""
    digits = rng.integers(10_000_000, 99_999_999, len(firsts)).tolist()
    return [f"{f.replace('-', '')[:7]}{d}" for f, d in zip(firsts, digits, strict=True)]


def _user_objects(
    rng: np.random.Generator,
    created_ms: np.ndarray,
    seen_ms: int,
    followers: np.ndarray,
    following: np.ndarray,
    tweets: np.ndarray,
    listed: np.ndarray,
    likes: np.ndarray,
    usernames: list[str],
    names: list[str],
    bios: list[str],
    default_avatar: np.ndarray,
    locations: list[str],
    urls: list[str],
    protected: np.ndarray,
    verified: np.ndarray,
) -> list[dict[str, Any]]:
    ids = user_ids(created_ms, rng).tolist()
    created = iso_ms(created_ms)
    photos = avatar_urls(rng, created_ms, seen_ms)
    out = []
    for i, uid in enumerate(ids):
        user: dict[str, Any] = {
            "id": str(uid),
            "name": names[i],
            "username": usernames[i],
            "created_at": created[i],
            "description": bios[i],
            "profile_image_url": DEFAULT_AVATAR if default_avatar[i] else photos[i],
            "protected": bool(protected[i]),
            "verified": bool(verified[i]),
            "url": urls[i],
            "public_metrics": {
                "followers_count": int(followers[i]),
                "following_count": int(following[i]),
                "tweet_count": int(tweets[i]),
                "listed_count": int(listed[i]),
                "like_count": int(likes[i]),
            },
        }
        if locations[i]:  # X leaves location out when the user set none
            user["location"] = locations[i]
        out.append(user)
    return out


def genuine_followers(
    rng: np.random.Generator, n: int, seen_ms: int, followed_ms: np.ndarray | None = None
) -> list[dict[str, Any]]:
    """``followed_ms`` (per follower) anchors account ages at the follow, not the pull: a
    full followers list reaches back years, and nobody follows before signing up."""
    if n == 0:
        return []
    anchor = seen_ms if followed_ms is None else followed_ms
    weak = rng.random(n) < WEAK_GENUINE_SHARE
    max_age = np.maximum((anchor - FIRST_ACCOUNT_MS) / DAY_MS, 31)
    age = np.where(
        weak, rng.uniform(1, 120, n), np.clip(rng.lognormal(np.log(1800), 0.8, n), 30, max_age)
    )
    created = (anchor - age * DAY_MS).astype(np.int64)
    followers = np.where(
        weak,
        rng.integers(0, 31, n),
        np.clip(rng.lognormal(np.log(250), 1.1, n), 20, 5000).astype(np.int64),
    )
    following = (followers * rng.lognormal(0, 0.6, n)).astype(np.int64) + rng.integers(20, 200, n)
    follow_back = rng.random(n) < 0.03  # people who follow everyone back
    following = np.where(follow_back, rng.integers(1000, 5001, n), following)
    following = np.where(weak & ~follow_back, rng.integers(5, 400, n), following)
    tweets = np.where(
        weak,
        rng.integers(0, 41, n),
        np.clip(rng.lognormal(np.log(1200), 1.2, n), 50, 20000).astype(np.int64),
    )
    listed = np.where(weak, 0, rng.poisson(followers / 120.0))
    # people like posts; a newcomer has liked a few
    likes = np.where(
        weak, rng.integers(0, 60, n), rng.lognormal(np.log(1500), 1.3, n).astype(np.int64)
    )
    firsts = _pick(rng, vocab.FIRST_NAMES, n)
    lasts = _pick(rng, vocab.LAST_NAMES, n)
    auto = weak & (rng.random(n) < 0.4)
    people = _person_usernames(rng, firsts, lasts)
    generated = _auto_usernames(rng, firsts)
    usernames = [g if a else p for a, g, p in zip(auto.tolist(), generated, people, strict=True)]
    short_name = rng.random(n) < 0.15
    names = [
        f if s else f"{f} {la}" for f, la, s in zip(firsts, lasts, short_name.tolist(), strict=True)
    ]
    has_bio = rng.random(n) < np.where(weak, 0.35, 0.85)
    bios = [b if h else "" for b, h in zip(_bios(rng, n), has_bio.tolist(), strict=True)]
    has_loc = rng.random(n) < np.where(weak, 0.25, 0.6)
    locations = [
        c if h else "" for c, h in zip(_pick(rng, vocab.CITIES, n), has_loc.tolist(), strict=True)
    ]
    has_url = rng.random(n) < np.where(weak, 0.03, 0.2)
    links = random_tokens(rng, n, 10)
    urls = [f"https://t.co/{k}" if h else "" for k, h in zip(links, has_url.tolist(), strict=True)]
    return _user_objects(
        rng,
        created,
        seen_ms,
        followers,
        following,
        tweets,
        listed,
        likes,
        usernames,
        names,
        bios,
        default_avatar=rng.random(n) < np.where(weak, 0.5, 0.03),
        locations=locations,
        urls=urls,
        protected=rng.random(n) < 0.05,
        verified=(rng.random(n) < 0.015) & ~weak,
    )


def bought_followers(
    rng: np.random.Generator,
    n: int,
    seen_ms: int,
    followed_ms: np.ndarray | None = None,
    fresh_days: tuple[float, float] = (2, 60),
    aged_share: float = 0.12,
) -> list[dict[str, Any]]:
    """``fresh_days``: how long before following the seller's fresh accounts were created."""
    if n == 0:
        return []
    anchor = seen_ms if followed_ms is None else followed_ms
    aged = rng.random(n) < aged_share  # "aged" accounts sell at a premium
    age = np.where(aged, rng.uniform(180, 720, n), rng.uniform(*fresh_days, n))
    created = (anchor - age * DAY_MS).astype(np.int64)
    followers = np.minimum(rng.geometric(0.35, n) - 1, 10)
    followers = np.where(rng.random(n) < 0.08, rng.integers(10, 41, n), followers)
    following = np.exp(rng.uniform(np.log(500), np.log(5000), n)).astype(np.int64)
    tweets = np.where(rng.random(n) < 0.1, rng.integers(5, 31, n), rng.integers(0, 6, n))
    firsts = _pick(rng, vocab.FIRST_NAMES, n)
    lasts = _pick(rng, vocab.LAST_NAMES, n)
    style = rng.random(n)
    auto = _auto_usernames(rng, firsts)
    noise = random_tokens(rng, n, 10, lower=True)
    digits = rng.integers(1000, 9999, n).tolist()
    usernames = [
        a if s < 0.55 else z if s < 0.8 else f"{f.lower()}_{la.lower()}{d}"[:15]
        for a, z, f, la, d, s in zip(
            auto, noise, firsts, lasts, digits, style.tolist(), strict=True
        )
    ]
    usernames = [u.replace("'", "").replace("-", "") for u in usernames]
    names = [
        f if s < 0.2 else f"{f} {la}"
        for f, la, s in zip(firsts, lasts, style.tolist(), strict=True)
    ]
    has_bio = (rng.random(n) < 0.12).tolist()
    bios = [b if h else "" for b, h in zip(_pick(rng, vocab.BOUGHT_BIOS, n), has_bio, strict=True)]
    has_loc = (rng.random(n) < 0.08).tolist()
    locations = [c if h else "" for c, h in zip(_pick(rng, vocab.CITIES, n), has_loc, strict=True)]
    return _user_objects(
        rng,
        created,
        seen_ms,
        followers,
        following,
        tweets,
        np.zeros(n, dtype=np.int64),
        # farms rarely like anything (it costs actions that get accounts caught)
        np.where(rng.random(n) < 0.1, rng.integers(1, 20, n), 0),
        usernames,
        names,
        bios,
        default_avatar=rng.random(n) < 0.8,
        locations=locations,
        urls=[""] * n,
        protected=np.zeros(n, dtype=bool),
        verified=np.zeros(n, dtype=bool),
    )


def new_followers(
    rng: np.random.Generator, bought_mask: np.ndarray, seen_ms: int
) -> list[dict[str, Any]]:
    """User objects in the given order (newest first); ``bought_mask`` marks bought ones."""
    genuine = iter(genuine_followers(rng, int((~bought_mask).sum()), seen_ms))
    bought = iter(bought_followers(rng, int(bought_mask.sum()), seen_ms))
    return [next(bought) if b else next(genuine) for b in bought_mask.tolist()]
