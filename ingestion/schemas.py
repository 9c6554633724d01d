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


def schema_for(platform: str, kind: str) -> pa.Schema:
    try:
        return LAKE_SCHEMAS[(platform, kind)]
    except KeyError:
        raise KeyError(f"no lake table for {platform}/{kind}") from None
