"""Comparing detected spikes with a generator's labels (what was really injected)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# A spike found a day early or late still found the event: daily data blurs the edges.
SLACK = timedelta(days=1)


@dataclass
class Detection:
    bursts: int = 0
    bursts_found: int = 0
    viral: int = 0
    viral_flagged: int = 0
    missed: list[dict[str, Any]] = field(default_factory=list)
    wrongly_flagged: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"injected bursts found {self.bursts_found}/{self.bursts}; "
            f"viral posts wrongly flagged {self.viral_flagged}/{self.viral}"
        )


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _overlaps(spike: dict[str, Any], start: date, end: date) -> bool:
    return _day(spike["spike_start"]) <= end + SLACK and _day(spike["spike_end"]) >= start - SLACK


def evaluate(labels_path: Path, spikes: list[dict[str, Any]]) -> Detection:
    labels = json.loads(labels_path.read_text())
    suspicious = [s for s in spikes if s["verdict"] == "suspicious"]
    result = Detection()
    for event in labels.get("events", []):
        mine = [
            s
            for s in suspicious
            if s["platform"] == event.get("platform") and s["account_id"] == event.get("account_id")
        ]
        if event["type"] == "bought_followers":
            result.bursts += 1
            start, end = _day(event["start"]), _day(event["end"])
            if any(_overlaps(s, start, end) for s in mine):
                result.bursts_found += 1
            else:
                result.missed.append(event)
        elif event["type"] == "viral_post":
            result.viral += 1
            day = _day(event["date"])
            if any(_overlaps(s, day, day + SLACK) for s in mine):
                result.viral_flagged += 1
                result.wrongly_flagged.append(event)
    return result
