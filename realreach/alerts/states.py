"""The states an alert goes through, the events that tell them, and a message's idempotency key."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


DELIVERED = "delivered"  # the channel knows the alert's current state
UNDELIVERED = "undelivered"  # a message is owed (pending) and the last attempt failed
SENDING = "sending"  # recorded just before a send; seen later, the send's fate is unknown
NOT_NEEDED = "not_needed"  # withdrawn before this channel was ever told: nothing to say

ALERT = "alert"
WITHDRAWN = "withdrawn"
NOW_SUSPICIOUS = "now_suspicious"
DEFAULT_TIMEOUT_S = 10.0
NOT_DETECTED = "no longer detected"


def _token(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in str(text))


def message_key(aid: str, seq: int, kind: str, verdict: str) -> str:
    """The idempotency key of one message (spike id, event number, kind, verdict), fixed when
    the message becomes owed: a repeat of it carries the same key."""
    return f"{aid}-{seq}-{kind}-{_token(verdict)}"
