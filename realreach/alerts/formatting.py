"""What an alert says: the plain text, Slack's blocks, the e-mail's subject, headers and parts."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from html import escape
from typing import Any

from realreach.alerts.states import ALERT, NOW_SUSPICIOUS, WITHDRAWN, message_key
from realreach_core.contract import ALERTED_VERDICT

log = logging.getLogger(__name__)


def who(alert: Mapping[str, Any]) -> str:
    """The account as people know it: "@handle (owner, role) on x", else "x account <id>"."""
    handle = alert.get("handle")
    if not handle:
        return f"{alert.get('platform')} account {alert.get('account_id')}"
    about = ", ".join(str(v) for v in (alert.get("owner"), alert.get("role")) if v)
    return f"@{handle}{f' ({about})' if about else ''} on {alert.get('platform')}"


def _title(alert: Mapping[str, Any]) -> str:
    return {
        WITHDRAWN: f"Withdrawn, no longer suspicious (now {alert.get('verdict')}): follower spike",
        NOW_SUSPICIOUS: "Suspicious again: follower spike",
    }.get(str(alert.get("event")), "Suspicious follower spike")


def _period(alert: Mapping[str, Any]) -> str:
    period = str(alert.get("spike_start"))
    if alert.get("spike_end") and alert.get("spike_end") != alert.get("spike_start"):
        period += f" to {alert.get('spike_end')}"
    return period


def _reasons(alert: Mapping[str, Any]) -> list[str]:
    reasons = alert.get("reasons")
    if isinstance(reasons, str):
        reasons = [r.strip() for r in reasons.replace("\n", ";").split(";") if r.strip()]
    return list(reasons or ["(none given)"])


def _links(alert: Mapping[str, Any]) -> list[tuple[str, str]]:
    links = []
    if alert.get("report_url"):
        links.append(("the spike in the report", str(alert["report_url"])))
    if alert.get("profile_url"):
        links.append(("the profile", str(alert["profile_url"])))
    return links


def email_subject(alert: Mapping[str, Any]) -> str:
    what = {WITHDRAWN: "withdrawn: no longer suspicious", NOW_SUSPICIOUS: "now suspicious again"}
    prefix = f"{what[alert['event']]}: " if alert.get("event") in what else "suspicious "
    return f"realreach: {prefix}follower spike on {who(alert)} from {alert.get('spike_start')}"


MESSAGE_ID_DOMAIN = "alerts.realreach.invalid"


def email_headers(alert: Mapping[str, Any]) -> dict[str, str]:
    """A Message-ID derived from the spike id, the event and its verdict: a repeat of the same
    message has the same id (receivers and archives drop it); a follow-up refers to the first."""
    headers = {"X-Realreach-Alert-Id": str(alert.get("alert_id"))}
    key = alert.get("idempotency_key")
    if key:
        headers["Message-ID"] = f"<{key}@{MESSAGE_ID_DOMAIN}>"
        if alert.get("event") != ALERT:
            first = message_key(str(alert["alert_id"]), 1, ALERT, ALERTED_VERDICT)
            headers["In-Reply-To"] = headers["References"] = f"<{first}@{MESSAGE_ID_DOMAIN}>"
    return headers


def email_body(alert: Mapping[str, Any]) -> str:
    """The plain-text part: the message, then every field for whoever files it."""
    return (
        format_alert_text(alert, markdown=False)
        + "\n\n"
        + json.dumps(dict(alert), indent=2, default=str)
    )


def email_html(alert: Mapping[str, Any]) -> str:
    """The HTML part: the same message as a short page, reasons as a list, links clickable."""
    gained, expected = alert.get("followers_gained"), alert.get("expected_gained")
    items = "".join(f"<li>{escape(r)}</li>" for r in _reasons(alert))
    links = " · ".join(
        f'<a href="{escape(url)}">{escape(label)}</a>' for label, url in _links(alert)
    )
    return (
        '<!doctype html><html><body style="font-family: sans-serif">'
        f"<h2>{escape(_title(alert))} on {escape(who(alert))}</h2>"
        f"<p><b>{escape(_period(alert))}</b>: {escape(_number(gained))} followers gained, "
        f"about {escape(_number(expected))} expected; suspicion score "
        f"{escape(_number(alert.get('suspicion_score'), digits=2))}</p>"
        f"<p>Why:</p><ul>{items}</ul>"
        + (f"<p>{links}</p>" if links else "")
        + f'<p style="color:#777">Alert id {escape(str(alert.get("alert_id")))}</p>'
        "</body></html>"
    )


def slack_blocks(alert: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Slack Block Kit: a header, the numbers as fields, the reasons, the links."""
    fields = [
        ("Account", who(alert)),
        ("Days", _period(alert)),
        ("Followers gained", f"{_number(alert.get('followers_gained'))} "
         f"(about {_number(alert.get('expected_gained'))} expected)"),
        ("Suspicion score", _number(alert.get("suspicion_score"), digits=2)),
    ]  # fmt: skip
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _title(alert)[:150]}},
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields],
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": ("*Why*\n" + "\n".join(f"• {r}" for r in _reasons(alert)))[:3000],
            },
        },
    ]
    links = _links(alert)
    if links:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": " · ".join(f"<{url}|{label}>" for label, url in links),
                    }
                ],
            }
        )
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"alert {alert.get('alert_id')}"}],
        }
    )
    return blocks


def format_alert_text(alert: Mapping[str, Any], *, markdown: bool) -> str:
    """A short human message: who, when, how big, the evidence line by line, and links."""
    bold = "*" if markdown else ""
    lines = [
        f"{bold}{_title(alert)}{bold} on {who(alert)}"
        + (
            f" ({alert.get('platform')} account {alert.get('account_id')})"
            if alert.get("handle")
            else ""
        )
        + f", {_period(alert)}",
        f"Followers gained: {_number(alert.get('followers_gained'))} "
        f"(expected about {_number(alert.get('expected_gained'))}); "
        f"suspicion score {_number(alert.get('suspicion_score'), digits=2)}",
        "Reasons:",
    ]
    lines += [f"• {reason}" for reason in _reasons(alert)]
    lines += [f"{label.capitalize()}: {url}" for label, url in _links(alert)]
    lines.append(f"Alert id: {alert.get('alert_id')}")
    return "\n".join(lines)


def _number(value: Any, digits: int = 0) -> str:
    if isinstance(value, int | float):
        return f"{value:,.{digits}f}"
    return "?" if value is None else str(value)
