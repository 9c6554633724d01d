"""HTML pages of the report: plain, escaped, no external resource (assets are relative)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from realreach.report.charts import account_spec
from realreach.report.data import Account, ReportData
from realreach_core.jsonable import to_jsonable


def _fmt_int(value: Any) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _fmt_pct(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * value:+.{digits}f}%"


def _fmt_share(value: Any) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _fmt_num(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _sort_attr(value: Any) -> str:
    return "" if value is None else f' data-sort="{escape(str(value))}"'


def _verdict(verdict: str) -> str:
    return f'<span class="verdict verdict-{escape(verdict)}">{escape(verdict)}</span>'


def _page(title: str, body: str, root: str, charts: bool = False) -> str:
    vega = f'<script src="{root}assets/vega.js"></script>\n' if charts else ""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<link rel="stylesheet" href="{root}assets/report.css">\n'
        f"{vega}</head><body>\n{body}\n"
        f'<script src="{root}assets/report.js"></script>\n</body></html>\n'
    )


def _json_script(chart_id: str, spec: dict[str, Any]) -> str:
    text = json.dumps(to_jsonable(spec), separators=(",", ":"), ensure_ascii=False)
    text = text.replace("</", "<\\/")  # a handle or a reason can never close the script element
    return f'<script type="application/json" data-chart="{chart_id}">{text}</script>'


def _reasons(reasons: str | None) -> str:
    items = [r for r in (reasons or "").split("; ") if r]
    return '<ul class="reasons">' + "".join(f"<li>{escape(r)}</li>" for r in items) + "</ul>"


def _who(account: Account) -> str:
    parts = []
    if account.owner:
        parts.append(f"owner {escape(account.owner)}")
    if account.role:
        parts.append(f"role {escape(account.role)}")
    parts.append(f"{escape(account.platform)} id {escape(account.account_id)}")
    if account.profile_url:
        url = escape(account.profile_url)
        parts.append(f'<a href="{url}" rel="noopener">profile</a>')
    return " · ".join(parts)


def index_page(data: ReportData, generated_at: str) -> str:
    audience_note = (
        "real followers estimated by the audience audit (fct_audience_quality)"
        if data.real_followers_source == "fct_audience_quality"
        else "the audience audit is not built here yet, so all followers count as real"
    )
    rows = []
    for a in data.accounts:
        o = a.overview
        rows.append(
            "<tr>"
            f'<td><a href="accounts/{a.key}.html">{escape(a.label)}</a></td>'
            f"<td>{escape(a.platform)}</td><td>{escape(a.owner or '—')}</td>"
            f"<td>{escape(a.role or '—')}</td>"
            f'<td class="num"{_sort_attr(o["followers"])}>{_fmt_int(o["followers"])}</td>'
            f'<td class="num"{_sort_attr(o["growth_30d"])}>{_fmt_pct(o["growth_30d"])}</td>'
            f'<td class="num"{_sort_attr(o["interactions_per_1k_real_per_day"])}>'
            f"{_fmt_num(o['interactions_per_1k_real_per_day'])}</td>"
            f'<td class="num"{_sort_attr(o["real_share"])}>{_fmt_share(o["real_share"])}</td>'
            f'<td class="num">{o["suspicious"]}</td><td class="num">{o["unexplained"]}</td>'
            "</tr>"
        )
    flagged = [s for a in data.accounts for s in a.spikes if s["verdict"] != "explained"]
    flagged.sort(key=lambda s: -float(s["suspicion_score"] or 0))
    names = {(a.platform, a.account_id): a.label for a in data.accounts}
    spike_rows = "".join(
        "<tr>"
        f'<td><a href="spikes/{s["key"]}.html">{escape(names[(s["platform"], s["account_id"])])}'
        f"</a></td><td>{escape(s['spike_start'])} … {escape(s['spike_end'])}</td>"
        f"<td>{_verdict(s['verdict'])}</td>"
        f'<td class="num">{float(s["suspicion_score"]):.2f}</td>'
        f"<td>{escape(s['reasons'] or '')}</td></tr>"
        for s in flagged
    )
    body = f"""
<h1>realreach report</h1>
<p class="muted">{len(data.accounts)} accounts, {escape(data.first_day or "—")} …
{escape(data.last_day or "—")}; generated {escape(generated_at)}. Engagement per 1,000 real
followers is the mean daily interactions of the last 28 days per 1,000 followers; {audience_note}.
Click a column to sort.</p>
<h2>Accounts</h2>
<table class="sortable" id="overview"><thead><tr><th>account</th><th>platform</th><th>owner</th>
<th>role</th><th class="num">followers</th><th class="num">growth 30 d</th>
<th class="num">interactions / 1k real / day</th><th class="num">real audience</th>
<th class="num">suspicious spikes</th><th class="num">unexplained spikes</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<h2>Spikes to look at (suspicious and unexplained)</h2>
<table class="sortable" id="spikes"><thead><tr><th>account</th><th>days</th><th>verdict</th>
<th class="num">score</th><th>why</th></tr></thead><tbody>{spike_rows}</tbody></table>
"""
    return _page("realreach report", body, root="")


def account_page(account: Account) -> str:
    spikes = "".join(
        "<tr>"
        f'<td><a href="../spikes/{s["key"]}.html">{escape(s["spike_start"])} … '
        f"{escape(s['spike_end'])}</a></td><td>{_verdict(s['verdict'])}</td>"
        f'<td class="num">{_fmt_int(s["followers_gained"])}</td>'
        f'<td class="num">{_fmt_int(s["expected_gained"])}</td>'
        f'<td class="num">{float(s["suspicion_score"]):.2f}</td>'
        f"<td>{escape(s['reasons'] or '')}</td></tr>"
        for s in account.spikes
    )
    body = f"""
<p><a href="../index.html">← all accounts</a></p>
<h1>{escape(account.label)}</h1>
<p class="muted">{_who(account)}</p>
<div class="chart" id="chart"></div>
{_json_script("chart", account_spec(account))}
<h2>Spikes</h2>
<table class="sortable"><thead><tr><th>days</th><th>verdict</th><th class="num">gained</th>
<th class="num">expected</th><th class="num">score</th><th>why</th></tr></thead>
<tbody>{spikes or '<tr><td colspan="6">no spike found</td></tr>'}</tbody></table>
"""
    return _page(f"{account.label} — realreach", body, root="../", charts=True)


_EVIDENCE = (
    ("followers_gained", "followers gained", _fmt_int),
    ("expected_gained", "expected over those days", _fmt_int),
    ("paid_followers_gained", "of them paid (platform-reported)", _fmt_int),
    ("tail_probability", "chance of a gain this large for this account", None),
    ("organic_max_multiple", "times its largest organic day or week", _fmt_num),
    ("interactions_ratio", "interactions vs usual", None),
    ("impressions_ratio", "impressions vs usual", None),
    ("sampled_new_followers", "new followers sampled", _fmt_int),
    ("fake_share", "of them look fake", _fmt_share),
    ("lost_after", "lost in the days after", _fmt_int),
)


def _ratio(value: Any) -> str:
    return "—" if value is None else f"{value:.1f}× usual"


def _chance(value: Any) -> str:
    if value is None:
        return "—"
    if value <= 1e-9:
        return "less than once in a billion days"
    return f"about once in {1 / value:,.0f} days"


def spike_page(account: Account, spike: dict[str, Any], base_url: str | None = None) -> str:
    rows = []
    for field_name, label, fmt in _EVIDENCE:
        if field_name not in spike:
            continue
        value = spike[field_name]
        if field_name.endswith("_ratio"):
            text = _ratio(value)
        elif field_name == "tail_probability":
            text = _chance(value)
        else:
            text = fmt(value) if fmt else str(value)
        rows.append(f"<tr><th>{escape(label)}</th><td>{escape(text)}</td></tr>")
    body = f"""
<p><a href="../index.html">← all accounts</a> · <a href="../accounts/{account.key}.html">
{escape(account.label)}</a></p>
<h1>{escape(account.label)}: {escape(spike["spike_start"])} … {escape(spike["spike_end"])}</h1>
<p>{_verdict(spike["verdict"])} suspicion score {float(spike["suspicion_score"]):.2f} ·
<span class="muted">{_who(account)}</span></p>
<h2>In words</h2>
{_reasons(spike.get("reasons"))}
<h2>Evidence</h2>
<table id="evidence"><tbody>{"".join(rows)}</tbody></table>
"""
    return _page(f"{account.label} spike {spike['spike_start']} — realreach", body, root="../")
