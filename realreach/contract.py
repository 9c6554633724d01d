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
