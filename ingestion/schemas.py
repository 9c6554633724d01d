"""Arrow schemas of the raw zone: one table per (platform, kind).

Every lake file of a kind has exactly its kind's schema, so readers (dbt sources, GX) never
meet drifting column types. What a parser does not map is kept as JSON text in ``extra``.
"""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")

# Columns every lake table starts with: who, when observed, and where the row came from.
COMMON = [
    pa.field("platform", pa.string(), nullable=False),
    pa.field("account_id", pa.string(), nullable=False),
    pa.field("observed_at", TS, nullable=False),
    pa.field("source_file", pa.string(), nullable=False),
    pa.field("source_sha256", pa.string(), nullable=False),
    pa.field("ingested_at", TS, nullable=False),
]
TRAILER = [pa.field("extra", pa.string())]  # unknown fields, JSON text, never dropped

_PROFILE = [
    pa.field("username", pa.string()),
    pa.field("name", pa.string()),
    pa.field("description", pa.string()),
    pa.field("location", pa.string()),
    pa.field("url", pa.string()),
    pa.field("profile_image_url", pa.string()),
    pa.field("protected", pa.bool_()),
    pa.field("verified", pa.bool_()),
    pa.field("created_at", TS),
    pa.field("followers_count", pa.int64()),
    pa.field("following_count", pa.int64()),
    pa.field("tweet_count", pa.int64()),
    pa.field("listed_count", pa.int64()),
    pa.field("like_count", pa.int64()),
    pa.field("media_count", pa.int64()),
]

# Instagram and Facebook insights are the same long format: one row per metric value.
# ``metric`` is today's name (deprecated names mapped to their successors); ``source_metric``
# keeps the name the export used, so a mapped value can always be traced back.
_INSIGHT = [
    pa.field("metric", pa.string(), nullable=False),
    pa.field("source_metric", pa.string(), nullable=False),
    pa.field("period", pa.string()),  # day / week / days_28 / lifetime
    pa.field("end_time", TS),  # as given: the END of the period
    pa.field("value_date", pa.date32()),  # the day the value describes (see FORMATS.md)
    pa.field("value", pa.float64()),  # numeric values; null when the value is an object
    pa.field("value_json", pa.string()),  # object values and breakdowns, as JSON text
]

LAKE_SCHEMAS: dict[tuple[str, str], pa.Schema] = {
    # One row per account per pull (X API v2 users lookup).
    ("x", "users"): pa.schema([*COMMON, *_PROFILE, *TRAILER]),
    # One row per tweet per pull; metrics are as of observed_at.
    ("x", "tweets"): pa.schema(
        [
            *COMMON,
            pa.field("post_id", pa.string(), nullable=False),
            pa.field("created_at", TS),
            pa.field("text", pa.string()),
            pa.field("lang", pa.string()),
            pa.field("conversation_id", pa.string()),
            pa.field("in_reply_to_user_id", pa.string()),
            pa.field("referenced_type", pa.string()),  # replied_to / quoted / retweeted
            pa.field("referenced_id", pa.string()),
            pa.field("retweet_count", pa.int64()),
            pa.field("reply_count", pa.int64()),
            pa.field("like_count", pa.int64()),
            pa.field("quote_count", pa.int64()),
            pa.field("impression_count", pa.int64()),
            pa.field("bookmark_count", pa.int64()),
            pa.field("url_link_clicks", pa.int64()),
            pa.field("user_profile_clicks", pa.int64()),
            *TRAILER,
        ]
    ),
    # One row per (followed account, follower) per pull; the profile as seen at observed_at.
    ("x", "followers"): pa.schema(
        [*COMMON, pa.field("follower_id", pa.string(), nullable=False), *_PROFILE, *TRAILER]
    ),
    # ---- X account archive (.zip): one landing file feeds three lake tables ----
    # data/account.js: the archive owner's account (no counts there).
    ("x", "archive_account"): pa.schema(
        [
            *COMMON,
            pa.field("username", pa.string()),
            pa.field("display_name", pa.string()),
            pa.field("created_at", TS),
            *TRAILER,
        ]
    ),
    # data/follower.js and data/following.js: who followed / was followed when the archive
    # was generated (observed_at). No follow dates: gains come from diffing archives.
    ("x", "archive_relations"): pa.schema(
        [
            *COMMON,
            pa.field("relation", pa.string(), nullable=False),  # follower / following
            pa.field("other_id", pa.string(), nullable=False),
            pa.field("user_link", pa.string()),
            *TRAILER,
        ]
    ),
    # Archive tweets (data/tweets.js, tweet.js, parts) land in ("x", "tweets") above: the same
    # facts, so the marts need no second path for them.
    # ---- X tweet activity CSV (legacy analytics), one row per tweet per export ----
    ("x", "analytics"): pa.schema(
        [
            *COMMON,
            pa.field("post_id", pa.string(), nullable=False),
            pa.field("permalink", pa.string()),
            pa.field("text", pa.string()),
            pa.field("created_at", TS),
            *[
                pa.field(f"{prefix}{name}", pa.int64())
                for prefix in ("", "promoted_")
                for name in (
                    "impressions",
                    "engagements",
                    "retweets",
                    "replies",
                    "likes",
                    "user_profile_clicks",
                    "url_clicks",
                    "hashtag_clicks",
                    "detail_expands",
                    "permalink_clicks",
                    "app_opens",
                    "app_installs",
                    "follows",
                    "email_tweet",
                    "dial_phone",
                    "media_views",
                    "media_engagements",
                )
            ],
            pa.field("engagement_rate", pa.float64()),
            pa.field("promoted_engagement_rate", pa.float64()),
            *TRAILER,
        ]
    ),
    # ---- Instagram (Graph API) ----
    ("instagram", "users"): pa.schema(
        [
            *COMMON,
            pa.field("username", pa.string()),
            pa.field("name", pa.string()),
            pa.field("biography", pa.string()),
            pa.field("profile_picture_url", pa.string()),
            pa.field("followers_count", pa.int64()),
            pa.field("follows_count", pa.int64()),
            pa.field("media_count", pa.int64()),
            *TRAILER,
        ]
    ),
    ("instagram", "insights"): pa.schema([*COMMON, *_INSIGHT, *TRAILER]),
    ("instagram", "media"): pa.schema(
        [
            *COMMON,
            pa.field("post_id", pa.string(), nullable=False),
            pa.field("created_at", TS),
            pa.field("media_type", pa.string()),
            pa.field("media_product_type", pa.string()),
            pa.field("caption", pa.string()),
            pa.field("permalink", pa.string()),
            pa.field("like_count", pa.int64()),
            pa.field("comments_count", pa.int64()),
            # media insights, where the export asked for them
            pa.field("reach", pa.int64()),
            pa.field("views", pa.int64()),
            pa.field("saved", pa.int64()),
            pa.field("shares", pa.int64()),
            pa.field("total_interactions", pa.int64()),
            pa.field("follows", pa.int64()),
            pa.field("profile_visits", pa.int64()),
            *TRAILER,
        ]
    ),
    # "Download your information" followers_N.json (loose or inside the .zip): one row per
    # follower with the time they followed, when the export gives it.
    ("instagram", "dyi_followers"): pa.schema(
        [
            *COMMON,
            pa.field("follower_username", pa.string(), nullable=False),
            pa.field("href", pa.string()),
            pa.field("followed_at", TS),
            *TRAILER,
        ]
    ),
    # ---- Facebook Pages (Graph API) ----
    ("facebook", "insights"): pa.schema([*COMMON, *_INSIGHT, *TRAILER]),
    ("facebook", "posts"): pa.schema(
        [
            *COMMON,
            pa.field("post_id", pa.string(), nullable=False),
            pa.field("created_at", TS),
            pa.field("message", pa.string()),
            pa.field("permalink_url", pa.string()),
            pa.field("status_type", pa.string()),
            pa.field("shares_count", pa.int64()),
            pa.field("reactions_count", pa.int64()),
            pa.field("comments_count", pa.int64()),
            pa.field("likes_count", pa.int64()),  # the "like" reaction alone, where given
            pa.field("media_views", pa.int64()),  # post_media_view (post_impressions before)
            pa.field("clicks", pa.int64()),
            *TRAILER,
        ]
    ),
    # ---- LinkedIn organization pages ----
    # One row per element: DAY time-bound gains, or a lifetime element (range null) whose
    # breakdowns (by region, function, ...) are kept as JSON text.
    ("linkedin", "follower_statistics"): pa.schema(
        [
            *COMMON,
            pa.field("range_start", TS),
            pa.field("range_end", TS),
            pa.field("organic_follower_gain", pa.int64()),
            pa.field("paid_follower_gain", pa.int64()),
            pa.field("breakdowns", pa.string()),
            *TRAILER,
        ]
    ),
    ("linkedin", "network_sizes"): pa.schema(
        [*COMMON, pa.field("first_degree_size", pa.int64()), *TRAILER]
    ),
    ("linkedin", "share_statistics"): pa.schema(
        [
            *COMMON,
            pa.field("range_start", TS),
            pa.field("range_end", TS),
            pa.field("click_count", pa.int64()),
            pa.field("comment_count", pa.int64()),
            pa.field("like_count", pa.int64()),
            pa.field("share_count", pa.int64()),
            pa.field("share_mention_count", pa.int64()),
            pa.field("impression_count", pa.int64()),
            pa.field("unique_impressions_count", pa.int64()),
            pa.field("engagement", pa.float64()),
            *TRAILER,
        ]
    ),
    # accounts.csv at the landing root: who owns which account. Rows name their own platform;
    # the registry is filed under the pseudo-platform "registry".
    ("registry", "accounts"): pa.schema(
        [
            *COMMON,
            pa.field("handle", pa.string()),
            pa.field("owner", pa.string()),
            pa.field("role", pa.string()),  # brand / employee / leader
            *TRAILER,
        ]
    ),
}


#: lake/retracted_files: lake rows (by source file and its version) that no longer count.
RETRACTIONS_SCHEMA = pa.schema(
    [
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("source_sha256", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("retracted_at", TS, nullable=False),
    ]
)


def schema_for(platform: str, kind: str) -> pa.Schema:
    try:
        return LAKE_SCHEMAS[(platform, kind)]
    except KeyError:
        raise KeyError(f"no lake table for {platform}/{kind}") from None


# ---- What a value must be to enter the lake -------------------------------------------------
# ``ingestion/validate.py`` enforces these on every row before any write, and the GX lake
# suites (expectations/lake_suites.py writes them) assert the same on what is in the lake: one
# definition, so nothing that would fail a dbt not_negative or type test can land.

#: Largest count or measure accepted (a trillion): more is a corrupt value, not an audience.
MAX_COUNT = 10**12
#: Longest text cell (characters); bios and tweets are far shorter, ``extra`` JSON may be long.
MAX_TEXT = 1 << 20
#: Times outside this range are corrupt values (epoch confusions, year 9999 placeholders).
MIN_TIME = "1970-01-01T00:00:00+00:00"
MAX_TIME = "2100-01-01T00:00:00+00:00"

# The platforms' ids (FORMATS.md, the corpus): numeric strings for users, pages,
# organizations, tweets and Instagram media; Facebook posts are "<page-id>_<post-id>".
_DIGITS = r"^[0-9]{1,25}$"
_FB_POST = r"^[0-9]{1,25}_[0-9]{1,25}$"
_IG_USERNAME = r"^[A-Za-z0-9._]{1,30}$"
ACCOUNT_ID_PATTERN = _DIGITS  # every platform's account id (X user, IG user, FB page, LI org)
ID_PATTERNS: dict[tuple[str, str], dict[str, str]] = {
    ("x", "users"): {"account_id": _DIGITS},
    ("x", "tweets"): {
        "account_id": _DIGITS,
        "post_id": _DIGITS,
        "conversation_id": _DIGITS,
        "in_reply_to_user_id": _DIGITS,
        "referenced_id": _DIGITS,
    },
    ("x", "followers"): {"account_id": _DIGITS, "follower_id": _DIGITS},
    ("x", "archive_account"): {"account_id": _DIGITS},
    ("x", "archive_relations"): {"account_id": _DIGITS, "other_id": _DIGITS},
    ("x", "analytics"): {"account_id": _DIGITS, "post_id": _DIGITS},
    ("instagram", "users"): {"account_id": _DIGITS},
    ("instagram", "insights"): {"account_id": _DIGITS},
    ("instagram", "media"): {"account_id": _DIGITS, "post_id": _DIGITS},
    ("instagram", "dyi_followers"): {"account_id": _DIGITS, "follower_username": _IG_USERNAME},
    ("facebook", "insights"): {"account_id": _DIGITS},
    ("facebook", "posts"): {"account_id": _DIGITS, "post_id": _FB_POST},
    ("linkedin", "follower_statistics"): {"account_id": _DIGITS},
    ("linkedin", "network_sizes"): {"account_id": _DIGITS},
    ("linkedin", "share_statistics"): {"account_id": _DIGITS},
    ("registry", "accounts"): {"account_id": _DIGITS},
}
#: Numeric columns that may legitimately be negative; every other count is >= 0.
SIGNED_COLUMNS: dict[tuple[str, str], frozenset[str]] = {
    # an insights value can be a net change (e.g. page follows net of unfollows)
    ("instagram", "insights"): frozenset({"value"}),
    ("facebook", "insights"): frozenset({"value"}),
}
#: Values a column may take, where the contract fixes them.
ACCEPTED_VALUES: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {
    ("registry", "accounts"): {
        "platform": ("x", "instagram", "facebook", "linkedin"),
        "role": ("brand", "employee", "leader"),
    },
    ("x", "archive_relations"): {"relation": ("follower", "following")},
}
#: One row per natural key (per pull): the GX lake suites check it on what landed.
NATURAL_KEYS: dict[tuple[str, str], tuple[str, ...]] = {
    ("x", "users"): ("platform", "account_id", "observed_at"),
    ("x", "tweets"): ("platform", "account_id", "post_id", "observed_at"),
    ("x", "followers"): ("platform", "account_id", "follower_id", "observed_at"),
    ("x", "archive_relations"): ("account_id", "relation", "other_id", "observed_at"),
    ("x", "analytics"): ("account_id", "post_id", "observed_at"),
    ("instagram", "users"): ("account_id", "observed_at"),
    ("instagram", "media"): ("account_id", "post_id", "observed_at"),
    ("facebook", "posts"): ("account_id", "post_id", "observed_at"),
    ("linkedin", "network_sizes"): ("account_id", "observed_at"),
}
