"""The same people and company on Instagram, Facebook and LinkedIn.

The brand is on every platform; some employees and leaders also run an Instagram account;
LinkedIn pages are organizations (the company page, and a careers showcase for bigger rosters).
Each platform account is its X twin with its own id, handle, audience size and posting habits,
so ``simulate_growth`` and ``simulate_posts`` work for every platform unchanged.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from realreach_sim.accounts import Account

PLATFORMS = ("x", "instagram", "facebook", "linkedin")
# "company": one company's presence (a brand page, a few people); "every platform": every X
# account has a twin on every platform, so an evaluation sees as many Facebook and LinkedIn
# pages as X accounts (their cadence of counts is what differs), at a fraction of X's cost.
ROSTERS = ("company", "every platform")
# Audience of the brand's page relative to its X account, per platform (median).
_AUDIENCE = {"instagram": 0.8, "facebook": 1.5, "linkedin": 0.6}
_POSTS_PER_DAY = {"instagram": (0.3, 1.2), "facebook": (0.4, 1.5), "linkedin": (0.3, 1.0)}


def base_gain(followers: int, rng: np.random.Generator) -> float:
    """Expected genuine follows per day for an audience of ``followers`` (as on X)."""
    return float(0.01 * followers**0.8 * rng.lognormal(0, 0.3) + 0.25)


def _numeric_id(rng: np.random.Generator, digits: int, prefix: str = "") -> str:
    rest = digits - len(prefix)
    return prefix + str(int(rng.integers(10 ** (rest - 1), 10**rest)))


def _twin(
    source: Account, platform: str, index: int, account_id: str, handle: str,
    followers: int, rng: np.random.Generator,
) -> Account:  # fmt: skip
    lo, hi = _POSTS_PER_DAY[platform]
    return replace(
        source,
        platform=platform,
        index=index,
        account_id=account_id,
        handle=handle,
        followers_start=followers,
        following_start=int(rng.lognormal(np.log(300), 0.6)) if platform == "instagram" else 0,
        base_gain=base_gain(followers, rng),
        trend=float(rng.uniform(-0.3, 0.9)),
        posts_per_day=float(rng.uniform(lo, hi)),
        reply_share=0.0,  # platform posts here are the page's own originals
        retweet_share=0.0,
        quote_share=0.0,
        reach=float(rng.lognormal(0, 0.3)),
        engagement_rate=float(rng.uniform(0.01, 0.06)),
    )


def platform_roster(
    x_roster: list[Account], platform: str, rng: np.random.Generator, roster: str = "company"
) -> list[Account]:
    """Accounts of ``platform`` for the people and company of the X roster."""
    if platform == "x":
        return x_roster
    if roster == "every platform":
        return _every_platform(x_roster, platform, rng)
    brand = next(a for a in x_roster if a.role == "brand")
    people = [a for a in x_roster if a.role != "brand"]
    out: list[Account] = []

    def size(source: Account, scale: float) -> int:
        return max(20, int(source.followers_start * scale * rng.lognormal(0, 0.4)))

    if platform == "instagram":
        chosen = [p for p in people if rng.random() < 0.4]
        # The smallest person is always there: a small account keeps a full DYI follower list.
        if people and people[-1] not in chosen:
            chosen.append(people[-1])
        for source in [brand, *chosen]:
            followers = size(source, _AUDIENCE["instagram"])
            handle = source.handle.lower().replace("_", ".")
            out.append(_twin(source, platform, len(out), _numeric_id(rng, 17, "1784"), handle,
                             followers, rng))  # fmt: skip
    elif platform == "facebook":
        out.append(_twin(brand, platform, 0, _numeric_id(rng, 15, "10"), brand.handle,
                         size(brand, _AUDIENCE["facebook"]), rng))  # fmt: skip
    elif platform == "linkedin":
        pages = [(brand.handle, brand.owner)]
        if len(x_roster) >= 6:
            pages.append((f"{brand.handle}-careers", f"{brand.owner}"))
        for n, (handle, owner) in enumerate(pages):
            scale = _AUDIENCE["linkedin"] * (1.0 if n == 0 else 0.15)
            page = replace(brand, owner=owner, role="brand")
            out.append(_twin(page, platform, n, str(int(rng.integers(1_000_000, 99_999_999))),
                             handle.lower(), size(page, scale), rng))  # fmt: skip
    else:
        raise ValueError(f"unknown platform {platform!r}")
    return out


def _every_platform(
    x_roster: list[Account], platform: str, rng: np.random.Generator
) -> list[Account]:
    out: list[Account] = []
    for source in x_roster:
        followers = max(20, int(source.followers_start * _AUDIENCE[platform]
                                * rng.lognormal(0, 0.4)))  # fmt: skip
        if platform == "instagram":
            account_id = _numeric_id(rng, 17, "1784")
            handle = source.handle.lower().replace("_", ".")
        elif platform == "facebook":
            account_id, handle = _numeric_id(rng, 15, "10"), source.handle
        else:
            account_id = str(int(rng.integers(1_000_000, 99_999_999)))
            handle = source.handle.lower()
        out.append(_twin(source, platform, len(out), account_id, handle, followers, rng))
    return out
