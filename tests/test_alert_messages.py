"""What an alert says and links to: names, Slack blocks, the e-mail's HTML part, the since date,
and the one place flagged rows come from (the published follower_spikes export)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from realreach.alerts import email_html, format_alert_text, raise_alerts, read_alerts, slack_blocks
from realreach_core.home import Home

SPIKE = {
    "platform": "linkedin",
    "account_id": "59901229",
    "handle": "lumenloom",
    "owner": "Lumen & Loom",
    "role": "brand",
    "profile_url": "https://www.linkedin.com/company/59901229/",
    "spike_start": dt.date(2026, 10, 18),
    "spike_end": dt.date(2026, 10, 19),
    "followers_gained": 24305,
    "expected_gained": 881,
    "suspicion_score": 0.89,
    "verdict": "suspicious",
    "reasons": "+24,305 in 2 days vs ~881 expected; interactions flat (0.6x usual)",
}
OLD = SPIKE | {
    "account_id": "1",
    "spike_start": dt.date(2026, 8, 1),
    "spike_end": dt.date(2026, 8, 1),
}
EXPLAINED = SPIKE | {"account_id": "2", "verdict": "explained", "suspicion_score": 0.2}


@pytest.fixture
def home(tmp_path: Path) -> Home:
    home = Home(tmp_path).ensure()
    home.marts_export.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist([SPIKE, OLD, EXPLAINED]), home.marts_export / "follower_spikes.parquet"
    )
    return home


def test_alerts_come_from_the_export_with_names_and_a_report_link(home: Home) -> None:
    report = raise_alerts(home, channels=[])
    assert report.new == 2  # the two suspicious rows; the explained one is no alert
    by_account = {a["account_id"]: a for a in read_alerts(home)}
    alert = by_account["59901229"]
    for field in ("handle", "owner", "role", "profile_url"):
        assert alert[field] == SPIKE[field]
    page = home.root / "report" / "spikes" / "linkedin-59901229-2026-10-18.html"
    assert alert["report_url"] == page.as_uri()
    text = format_alert_text(alert, markdown=False)
    assert text.startswith(
        "Suspicious follower spike on @lumenloom (Lumen & Loom, brand) on linkedin"
    )
    assert page.as_uri() in text and SPIKE["profile_url"] in text


def test_since_limits_new_alerts_to_recent_spikes(home: Home, monkeypatch) -> None:
    monkeypatch.setenv("REALREACH_ALERT_SINCE", "2026-10-01")
    monkeypatch.setenv("REALREACH_REPORT_BASE_URL", "https://reports.example.org/realreach")
    report = raise_alerts(home, channels=[])
    assert (report.new, report.before_since) == (1, 1)
    [alert] = read_alerts(home)
    assert alert["account_id"] == "59901229"
    assert alert["report_url"] == (
        "https://reports.example.org/realreach/spikes/linkedin-59901229-2026-10-18.html"
    )
    # the argument (the command line's --alert-since) wins over the variable
    assert raise_alerts(home, channels=[], since=dt.date(2026, 7, 1)).new == 1


def test_slack_blocks_and_email_html_say_who_and_why() -> None:
    alert = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in SPIKE.items()}
    alert |= {"alert_id": "abc", "report_url": "https://r.example/spikes/x.html"}
    blocks = slack_blocks(alert)
    assert blocks[0] == {
        "type": "header", "text": {"type": "plain_text", "text": "Suspicious follower spike"}
    }  # fmt: skip
    fields = " ".join(f["text"] for f in blocks[1]["fields"])
    assert "@lumenloom (Lumen & Loom, brand) on linkedin" in fields and "24,305" in fields
    assert "• interactions flat (0.6x usual)" in blocks[2]["text"]["text"]
    assert "<https://r.example/spikes/x.html|the spike in the report>" in str(blocks[3])
    html = email_html(alert)
    assert "<li>interactions flat (0.6x usual)</li>" in html
    assert '<a href="https://r.example/spikes/x.html">' in html
    assert "Lumen &amp; Loom" in html  # escaped
