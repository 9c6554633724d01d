"""What a JSON export looks like, from the keys it carries, to catch files in the wrong folder.

An Instagram users response dropped into ``x/users/`` parses as an X users response with no
``data``: zero rows, silently. Each kind has keys no other kind uses; when a file carries some
kind's keys but none of its own folder's, it is quarantined as "looks like <kind>". Reading
only the head keeps this cheap; a file that matches nothing is left to its parser.
"""

from __future__ import annotations

import re

HEAD_BYTES = 32 * 1024  # the first items carry their kind's keys


def _keys(*names: str) -> re.Pattern[str]:
    return re.compile(r'"(?:' + "|".join(re.escape(n) for n in names) + r')"\s*:')


# (landing kind, keys any of which marks it). Kinds sharing a body share a group (below).
_SIGNATURES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("instagram/users", _keys("follows_count", "biography", "profile_picture_url")),
    ("instagram/media", _keys("media_type", "media_product_type")),
    ("instagram/dyi", _keys("string_list_data", "media_list_data")),
    ("facebook/posts", _keys("created_time", "status_type", "permalink_url")),
    ("linkedin/follower_statistics", _keys("followerGains", "followerCountsByRegion")),
    ("linkedin/share_statistics", _keys("totalShareStatistics")),
    ("linkedin/network_sizes", _keys("firstDegreeSize")),
    ("x/users", _keys("following_count", "tweet_count", "listed_count")),
    ("x/tweets", _keys("author_id", "conversation_id", "retweet_count", "referenced_tweets")),
    ("instagram/insights", re.compile(r'"end_time"\s*:|/insights/')),
)
_BY_KIND = dict(_SIGNATURES)
# Folders whose bodies are the same format: a match on one is a match on all.
_SAME_BODY = {
    "x/followers": "x/users",  # followers pages are lists of user objects
    "facebook/insights": "instagram/insights",  # one Graph API insights format
}


def looks_like(text_head: str) -> set[str]:
    """The landing kinds whose marker keys appear in the head of a JSON file."""
    return {kind for kind, pattern in _SIGNATURES if pattern.search(text_head)}


def misfiled(folder_kind: str, text_head: str) -> str | None:
    """The kind a file looks like when that is not its folder's kind; None when it fits or
    nothing is recognised."""
    own = _SAME_BODY.get(folder_kind, folder_kind)
    # The common case, a file in its own folder, costs one search instead of one per kind.
    mine = _BY_KIND.get(own)
    if mine is not None and mine.search(text_head):
        return None
    seen = looks_like(text_head)
    if not seen:
        return None
    if own in seen:
        return None
    # Facebook posts may inline insights; Instagram media may too: a post that carries an
    # insights edge is still a post.
    if own in ("facebook/posts", "instagram/media") and seen <= {own, "instagram/insights"}:
        return None
    return sorted(seen)[0]


_EXPLICITLY_EMPTY = re.compile(
    r'"(?:data|elements)"\s*:\s*\[\s*\]|"result_count"\s*:\s*0\b|^\s*\[\s*\]\s*$'
)


def says_empty(text_head: str) -> bool:
    """Whether a response states it has nothing (``data: []``, ``result_count: 0``)."""
    return bool(_EXPLICITLY_EMPTY.search(text_head))
