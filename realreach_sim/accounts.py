"""The simulated accounts: who owns them, how big they are and how each one behaves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from realreach_sim import vocab
from realreach_sim.ids import avatar_urls, day_start_ms, random_tokens, user_ids

TINY_FOLLOWERS = 50
HUGE_FOLLOWERS = 5_000_000
WEEKDAY_GAIN = (1.06, 1.10, 1.10, 1.05, 0.98, 0.78, 0.72)  # Monday first; weekends are quieter
DAY_MS = 86_400_000


@dataclass(frozen=True)
class Account:
    index: int
    account_id: str
    handle: str
    name: str
    owner: str
    role: str  # brand / leader / employee
    created_ms: int
    description: str
    location: str
    url: str
    profile_image_url: str
    verified: bool
    followers_start: int
    following_start: int
    tweets_start: int
    listed_start: int
    likes_start: int
    # Behaviour: what the simulation draws from.
    base_gain: float  # expected genuine follows per day at the start
    trend: float  # yearly log-change of that expectation
    loss_share: float  # unfollows per day as a share of the expected gain
    weekday: tuple[float, ...]
    posts_per_day: float
    reply_share: float
    retweet_share: float
    quote_share: float
    reach: float  # impressions per post relative to the typical account of its size
    engagement_rate: float  # interactions per impression
    platform: str = "x"

    @property
    def size_class(self) -> str:
        f = self.followers_start
        if f < 1_000:
            return "tiny"
        if f < 10_000:
            return "small"
        if f < 100_000:
            return "medium"
        if f < 1_000_000:
            return "large"
        return "huge"


def _sizes(n: int, rng: np.random.Generator) -> list[int]:
    """Follower counts spread evenly on a log scale, always from tiny to huge."""
    if n == 1:
        return [int(20_000 * rng.lognormal(0, 0.3))]
    logs = np.linspace(np.log(TINY_FOLLOWERS), np.log(HUGE_FOLLOWERS), n)
    jitter = rng.normal(0, 0.25, n)
    jitter[0] = rng.uniform(-0.2, 0.2)  # the ends stay near ~50 and ~5M
    jitter[-1] = rng.uniform(-0.2, 0.2)
    return sorted((int(np.exp(v)) for v in logs + jitter), reverse=True)


def _roles(n: int, rng: np.random.Generator) -> list[str]:
    leaders = 0 if n < 3 else 1 if n == 3 else 2 if n < 12 else 3
    roles = ["brand"] + ["leader"] * leaders + ["employee"] * (n - 1 - leaders)
    if leaders and rng.random() < 0.5:  # a celebrity founder can outgrow the brand
        roles[0], roles[1] = roles[1], roles[0]
    return roles


def _person_handle(first: str, last: str, rng: np.random.Generator) -> str:
    first, last = first.lower().replace("-", ""), last.lower().replace("'", "")
    style = int(rng.integers(0, 5))
    handle = (
        f"{first}{last}",
        f"{first}_{last}",
        f"{first[0]}{last}",
        f"{first}{last[0]}{rng.integers(1, 99)}",
        f"{first}.{last}".replace(".", "_"),
    )[style]
    return handle[:15]


def build_accounts(n: int, rng: np.random.Generator, start: date) -> list[Account]:
    company, company_handle = vocab.COMPANIES[int(rng.integers(0, len(vocab.COMPANIES)))]
    sizes = _sizes(n, rng)
    roles = _roles(n, rng)
    start_ms = day_start_ms(start)
    used: set[str] = set()
    accounts = []
    for i, (followers, role) in enumerate(zip(sizes, roles, strict=True)):
        first = str(rng.choice(vocab.FIRST_NAMES))
        last = str(rng.choice(vocab.LAST_NAMES))
        city = str(rng.choice(vocab.CITIES))
        if role == "brand":
            owner = name = company
            handle = company_handle + ("" if rng.random() < 0.5 else "hq")
            title = ""
            description = f"{company} helps teams trust their data. Support: @{handle}_help"
            years = (2009, 2014)
        else:
            owner = name = f"{first} {last}"
            handle = _person_handle(first, last, rng)
            title = str(rng.choice(vocab.LEADER_TITLES if role == "leader" else vocab.JOB_TITLES))
            interest = str(rng.choice(vocab.INTERESTS))
            description = f"{title} @{company_handle}. {interest.capitalize()} on weekends."
            years = (2008, 2016) if role == "leader" else (2010, 2023)
        while handle in used:
            handle = f"{handle[:12]}{rng.integers(10, 99)}"
        used.add(handle)
        lo = day_start_ms(date(years[0], 1, 1))
        hi = min(day_start_ms(date(years[1], 12, 31)), start_ms - 60 * DAY_MS)
        created = int(rng.integers(lo, max(hi, lo + 1)))
        age_days = (start_ms - created) / DAY_MS
        if role == "brand":
            posts, replies = rng.uniform(2, 5), rng.uniform(0.15, 0.4)
        elif role == "leader":
            posts, replies = rng.uniform(0.4, 2.5), rng.uniform(0.05, 0.25)  # broadcasters
        else:
            posts, replies = rng.uniform(0.1, 1.5), rng.uniform(0.1, 0.6)
        accounts.append(
            Account(
                index=i,
                account_id=str(user_ids(np.array([created]), rng)[0]),
                handle=handle,
                name=name,
                owner=owner,
                role=role,
                created_ms=created,
                description=description,
                location=city,
                url=f"https://t.co/{random_tokens(rng, 1, 10)[0]}" if rng.random() < 0.7 else "",
                profile_image_url=avatar_urls(rng, np.array([created]), start_ms)[0],
                verified=bool(role == "brand" or followers >= 100_000 or rng.random() < 0.1),
                followers_start=followers,
                following_start=int(rng.lognormal(np.log(80 if followers < 500 else 600), 0.6)),
                tweets_start=int(age_days * posts * rng.uniform(0.3, 1.0)) + 5,
                listed_start=int(followers * rng.uniform(0.001, 0.005)),
                likes_start=int(age_days * rng.uniform(0.5, 5)),
                base_gain=float(0.01 * followers**0.8 * rng.lognormal(0, 0.3) + 0.25),
                trend=float(rng.uniform(-0.4, 0.9)),
                loss_share=float(rng.uniform(0.15, 0.45)),
                weekday=tuple(float(w * rng.lognormal(0, 0.04)) for w in WEEKDAY_GAIN),
                posts_per_day=float(posts),
                reply_share=float(replies),
                retweet_share=float(rng.uniform(0.1, 0.3)),
                quote_share=float(rng.uniform(0.02, 0.08)),
                reach=float(rng.lognormal(0, 0.3)),
                engagement_rate=float(rng.uniform(0.006, 0.04)),
            )
        )
    return accounts
