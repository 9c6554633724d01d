"""Posts of every account and how their public metrics grow after posting.

Each post gets final (lifetime) metrics drawn from the account's real audience and engagement
rate; a pull ``age`` days later sees ``final * (1 - exp(-age / tau))``, so metrics pile up over
the first days like real ones and never decrease.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from realreach_sim import vocab
from realreach_sim.accounts import DAY_MS, Account
from realreach_sim.events import Giveaway, Viral
from realreach_sim.ids import day_start_ms, random_tokens, snowflake_ids, user_ids
from realreach_sim.model import GrowthSeries, SpanOutcome

TAU_DAYS = 0.35  # most engagement arrives within hours
VIRAL_TAU_DAYS = 0.8  # a post that takes off keeps spreading into the next day
WEEKEND_POSTING = 0.6
# Interactions per engagement, by kind: likes dominate, quotes are rare.
SHARES = {"like": 0.72, "retweet": 0.09, "reply": 0.08, "quote": 0.015, "bookmark": 0.06}
METRIC_NAMES = (
    "retweet_count", "reply_count", "like_count", "quote_count", "impression_count",
    "bookmark_count",
)  # fmt: skip


@dataclass
class Post:
    id: int
    account: int
    created_ms: int
    kind: str  # original / reply / retweet / quote
    text: str = ""
    conversation_id: int = 0
    in_reply_to_user_id: str | None = None
    ref_type: str | None = None  # replied_to / retweeted / quoted
    ref_id: int | None = None
    final: tuple[int, ...] = (0, 0, 0, 0, 0, 0)  # in METRIC_NAMES order
    tau: float = TAU_DAYS
    viral_multiplier: float = 1.0
    # A giveaway's contest post or a campaign's promoted post: the event's lift is on it.
    event_post: bool = False
    extra_comments: int = 0  # giveaway entrants commenting to enter
    # A retweet shows the original's retweet_count (and zeros elsewhere), as X API v2 does.
    origin_ms: int = 0
    origin_retweets: int = 0

    def metrics_at(self, at_ms: int) -> dict[str, int]:
        if self.kind == "retweet":
            grown = _grown(self.origin_retweets, at_ms - self.origin_ms, TAU_DAYS)
            return dict(zip(METRIC_NAMES, (grown, 0, 0, 0, 0, 0), strict=True))
        age = at_ms - self.created_ms
        return dict(zip(METRIC_NAMES, (_grown(v, age, self.tau) for v in self.final), strict=True))


def _grown(final: int, age_ms: int, tau: float) -> int:
    if age_ms <= 0:
        return 0
    return int(final * (1.0 - np.exp(-age_ms / DAY_MS / tau)))


def _post_times(rng: np.random.Generator, day_ms: int, n: int, latest_s: int) -> list[int]:
    # Office-hours peak in UTC with a long evening tail.
    seconds = np.clip(rng.normal(14 * 3600, 4 * 3600, n), 300, latest_s).astype(np.int64)
    return sorted(int(day_ms + s * 1000) for s in seconds)


def _fill(template: str, rng: np.random.Generator, company: str) -> str:
    return template.format(
        brand=company,
        topic=rng.choice(vocab.TOPICS),
        link=f"https://t.co/{random_tokens(rng, 1, 10)[0]}",
        tag=rng.choice(vocab.TAGS),
    )


def _external_handle(rng: np.random.Generator) -> str:
    first = str(rng.choice(vocab.FIRST_NAMES)).lower().replace("-", "")
    return f"{first}{rng.choice(vocab.NICK_WORDS)}{rng.integers(1, 999)}"[:15]


def simulate_posts(
    accounts: list[Account],
    growth: list[GrowthSeries],
    virals: list[Viral],
    start: date,
    days: int,
    pull_second: int,
    rng: np.random.Generator,
) -> list[list[Post]]:
    """All posts, per account in time order, with final metrics and references filled in."""
    company = next((a.owner for a in accounts if a.role == "brand"), accounts[0].owner)
    viral_days = {(v.account, v.day): v for v in virals}
    # Day indexes on which a giveaway or campaign needs its own post, per account.
    event_days = {
        (g.account.index, s.event.start + k): s
        for g in growth
        for s in g.spans
        for k in range(s.event.days if not isinstance(s.event, Giveaway) else 1)
    }
    posts: list[list[Post]] = [[] for _ in accounts]
    for account in accounts:
        mine = posts[account.index]
        shares = np.array(
            [
                1 - account.reply_share - account.retweet_share - account.quote_share,
                account.reply_share,
                account.retweet_share,
                account.quote_share,
            ]
        )
        for d in range(days):
            day = start + timedelta(days=d)
            rate = account.posts_per_day * (WEEKEND_POSTING if day.weekday() >= 5 else 1.0)
            n = int(rng.poisson(rate))
            viral = viral_days.get((account.index, d))
            times = _post_times(rng, day_start_ms(day), n, pull_second - 60)
            kinds = rng.choice(["original", "reply", "retweet", "quote"], size=n, p=shares)
            day_posts = [
                Post(0, account.index, t, str(k)) for t, k in zip(times, kinds, strict=True)
            ]
            if viral:
                # The post that takes off goes out in the morning, so the day's pull sees it.
                target, day_posts = _morning_original(day_posts, account.index, day, rng)
                target.viral_multiplier = viral.multiplier
                target.tau = VIRAL_TAU_DAYS
            span = event_days.get((account.index, d))
            if span is not None and not viral:
                day_posts = _event_post(day_posts, span, account.index, day, d, rng)
            mine.extend(day_posts)
        if mine:
            ids = snowflake_ids(np.array([p.created_ms for p in mine]), rng)
            for post, pid in zip(mine, sorted(ids.tolist()), strict=True):
                post.id = pid
                post.conversation_id = pid

    for account in accounts:
        _draw_metrics(account, posts[account.index], growth[account.index], start, rng)
        for post in posts[account.index]:
            if post.kind == "original":
                template = str(rng.choice(vocab.ORIGINAL_TEMPLATES[account.role]))
                post.text = _fill(template, rng, company)
    index = _OriginalsIndex(posts)
    for account in accounts:
        for post in posts[account.index]:
            if post.kind != "original":
                _reference(post, account, accounts, index, company, rng)
    return posts


def _morning_original(
    day_posts: list[Post], account: int, day: date, rng: np.random.Generator
) -> tuple[Post, list[Post]]:
    """The day's first morning original, or a new one, so the day's pull already sees it."""
    noon = day_start_ms(day) + 13 * 3600 * 1000
    morning = [p for p in day_posts if p.kind == "original" and p.created_ms < noon]
    if morning:
        return morning[0], day_posts
    at = day_start_ms(day) + int(rng.integers(7 * 3600, 12 * 3600)) * 1000
    target = Post(0, account, at, "original")
    return target, sorted([*day_posts, target], key=lambda p: p.created_ms)


def _event_post(
    day_posts: list[Post], span: SpanOutcome, account: int, day: date, d: int,
    rng: np.random.Generator,
) -> list[Post]:  # fmt: skip
    """A giveaway's first day always has its contest post; every campaign day a promoted post.

    Entrants comment on the contest post over the whole giveaway ("comment to enter"), so its
    comments keep growing on later pulls; a promoted post is shown to paid reach that day.
    """
    target, day_posts = _morning_original(day_posts, account, day, rng)
    target.event_post = True
    if isinstance(span.event, Giveaway):
        target.tau = max(TAU_DAYS, span.event.days / 2)
        # Most entrants leave a comment; some comment without following and vice versa.
        target.extra_comments = int(span.followers_gained * rng.uniform(0.8, 1.6))
    return day_posts


def _draw_metrics(
    account: Account,
    posts: list[Post],
    growth: GrowthSeries,
    start: date,
    rng: np.random.Generator,
) -> None:
    audience = growth.real_audience
    start_ms = day_start_ms(start)
    for post in posts:
        d = min((post.created_ms - start_ms) // DAY_MS, len(audience) - 1)
        typical = 2.0 * max(int(audience[d]), 1) ** 0.7 * account.reach + 5.0
        kind_factor = {"original": 1.0, "quote": 0.8, "reply": 0.15, "retweet": 0.0}[post.kind]
        if post.viral_multiplier > 1 or post.event_post:
            # No per-post luck: the lift is the event.
            mean = typical * post.viral_multiplier
            rate = account.engagement_rate
        else:
            mean = typical * kind_factor * rng.lognormal(-0.245, 0.7)
            rate = account.engagement_rate * rng.lognormal(-0.045, 0.3)
        # Campaigns and giveaways lift the day's reach; giveaway entrants comment.
        boost = {"reply": growth.comments_mult[d]} if len(growth.comments_mult) else {}
        if len(growth.impressions_mult):
            mean *= growth.impressions_mult[d]
        impressions = int(rng.poisson(mean))
        engaged = impressions * rate
        likes, retweets, replies, quotes, bookmarks = (
            int(rng.poisson(engaged * SHARES[k] * boost.get(k, 1.0)))
            for k in ("like", "retweet", "reply", "quote", "bookmark")
        )
        replies += post.extra_comments
        post.final = (retweets, replies, likes, quotes, impressions, bookmarks)


class _OriginalsIndex:
    """Originals by time, overall and per account, for finding what a post can refer to."""

    def __init__(self, posts: list[list[Post]]) -> None:
        self.all = sorted(
            (p for ps in posts for p in ps if p.kind == "original"), key=lambda p: p.created_ms
        )
        self.all_ms = [p.created_ms for p in self.all]
        self.own = [[p for p in ps if p.kind == "original"] for ps in posts]
        self.own_ms = [[p.created_ms for p in ps] for ps in self.own]

    def others(self, before_ms: int, exclude: int) -> list[Post]:
        """Other accounts' originals from the two days before ``before_ms``."""
        lo = bisect_left(self.all_ms, before_ms - 2 * DAY_MS)
        hi = bisect_left(self.all_ms, before_ms - 60_000)
        return [p for p in self.all[max(lo, hi - 40) : hi] if p.account != exclude][-20:]

    def latest_own(self, account: int, before_ms: int) -> Post | None:
        """The account's own latest original of the last day, which a thread would continue."""
        hi = bisect_left(self.own_ms[account], before_ms)
        if hi and self.own_ms[account][hi - 1] >= before_ms - DAY_MS:
            return self.own[account][hi - 1]
        return None


def _reference(
    post: Post,
    account: Account,
    accounts: list[Account],
    index: _OriginalsIndex,
    company: str,
    rng: np.random.Generator,
) -> None:
    ours = index.others(post.created_ms, account.index)
    own = index.latest_own(account.index, post.created_ms)
    # Colleagues amplify each other: employees mostly retweet the company's own posts.
    use_ours = bool(ours) and rng.random() < (0.6 if post.kind == "retweet" else 0.3)
    target: Post | None = ours[int(rng.integers(0, len(ours)))] if use_ours else None
    if post.kind == "reply" and own is not None and rng.random() < 0.15:
        target = own  # a thread continues the account's own post
    if target is not None:
        ref_id, ref_ms = target.id, target.created_ms
        ref_user, ref_handle = accounts[target.account].account_id, accounts[target.account].handle
        ref_text, ref_retweets, conversation = target.text, target.final[0], target.conversation_id
    else:
        ref_ms = post.created_ms - int(rng.integers(600, 2 * 86_400)) * 1000
        ref_id = int(snowflake_ids(np.array([ref_ms]), rng)[0])
        joined = int(rng.integers(day_start_ms(date(2008, 1, 1)), ref_ms - 30 * DAY_MS))
        ref_user = str(user_ids(np.array([joined]), rng)[0])
        ref_handle = _external_handle(rng)
        ref_text = _fill(str(rng.choice(vocab.ORIGINAL_TEMPLATES["leader"])), rng, company)
        ref_retweets = int(rng.lognormal(3, 1.5))
        conversation = ref_id
    post.ref_id = ref_id
    if post.kind == "reply":
        post.ref_type = "replied_to"
        post.in_reply_to_user_id = ref_user
        post.conversation_id = conversation
        body = _fill(str(rng.choice(vocab.REPLY_TEMPLATES)), rng, company)
        post.text = body if ref_user == account.account_id else f"@{ref_handle} {body}"
    elif post.kind == "retweet":
        post.ref_type = "retweeted"
        post.origin_ms, post.origin_retweets = ref_ms, max(ref_retweets, 1)
        text = f"RT @{ref_handle}: {ref_text}"
        post.text = text if len(text) <= 140 else text[:139] + "…"
    else:
        post.ref_type = "quoted"
        body = _fill(str(rng.choice(vocab.QUOTE_TEMPLATES)), rng, company)
        post.text = f"{body} https://t.co/{random_tokens(rng, 1, 10)[0]}"
