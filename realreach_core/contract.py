"""Names from shared/spec/CONTRACT.md that code relies on (users and outside checks do too)."""

from __future__ import annotations

# Fields of a follower spike, as in the `follower_spikes` mart and every alert.
SPIKE_FIELDS = (
    "platform",
    "account_id",
    "spike_start",
    "spike_end",
    "followers_gained",
    "expected_gained",
    "suspicion_score",
    "verdict",
    "reasons",
)

# Mart tables (DuckDB schema `marts`) and the columns each must have; more may be added.
MART_COLUMNS: dict[str, tuple[str, ...]] = {
    "dim_accounts": ("platform", "account_id", "handle", "owner", "role"),
    "fct_followers_daily": (
        "platform", "account_id", "date", "followers", "followers_gained", "followers_lost",
        "net_followers", "is_observed",
    ),
    "fct_post_interactions": (
        "platform", "account_id", "post_id", "posted_at", "post_type", "likes", "comments",
        "shares", "saves", "clicks", "impressions", "reach", "interactions",
    ),
    "fct_engagement_daily": (
        "platform", "account_id", "date", "posts", "replies", "interactions", "impressions",
        "followers", "engagement_rate_followers", "engagement_rate_impressions",
    ),
    "fct_follower_profiles": (
        "platform", "account_id", "follower_id", "observed_at", "quality_score",
        "is_suspicious", "reasons",
    ),
    "follower_spikes": SPIKE_FIELDS,
    # METRICS.md "Group effort": not in CONTRACT.md's table (yet), built beside the others
    "fct_advocacy_weekly": (
        "week_start", "people_posting", "accounts_active", "posts", "interactions",
        "impressions", "reach", "employee_share_of_reach", "leader_share_of_reach",
        "brand_share_of_reach", "employee_share_of_interactions",
        "leader_share_of_interactions", "brand_share_of_interactions",
    ),
}  # fmt: skip
MARTS = tuple(MART_COLUMNS)

# follower_spikes.verdict (CONTRACT.md): only "suspicious" is alerted.
VERDICTS = ("suspicious", "unexplained", "explained")
ALERTED_VERDICT = "suspicious"
