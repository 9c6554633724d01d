"""Vega-Lite specifications for an account's page: four views over one shared time axis.

Plain dicts (Vega-Lite v6 JSON) with the data inline as named datasets; the browser renders
them as SVG through vega-embed (assets/vega.js). The spike shading is a mark named
``spike_shading`` whose items carry the spike in their aria description, so a browser test can
find a known spike on the page.
"""

from __future__ import annotations

from typing import Any

from realreach.report.data import Account

VERDICT_COLORS = {"suspicious": "#d62728", "unexplained": "#ff9f1c", "explained": "#2ca02c"}
WIDTH = 820

_X = {
    "field": "date",
    "type": "temporal",
    "title": None,
    "scale": {"type": "utc"},
    "axis": {"format": "%b %d", "labelAngle": 0},
}


def _verdict_color() -> dict[str, Any]:
    return {
        "field": "verdict",
        "type": "nominal",
        "title": "spike verdict",
        "scale": {"domain": list(VERDICT_COLORS), "range": list(VERDICT_COLORS.values())},
        "legend": {"orient": "top"},
    }


def _spike_layer(name: str) -> dict[str, Any]:
    """Every spike, shaded from its first to the end of its last day, reasons on hover."""
    return {
        "name": name,
        "data": {"name": "spikes"},
        "mark": {"type": "rect", "opacity": 0.25},
        "encoding": {
            "x": {**_X, "field": "shade_start"},
            "x2": {"field": "shade_end"},
            "color": _verdict_color(),
            "tooltip": [
                {"field": "verdict", "title": "verdict"},
                {"field": "spike_start", "title": "from"},
                {"field": "spike_end", "title": "to"},
                {"field": "suspicion_score", "title": "suspicion score", "format": ".2f"},
                {"field": "reasons", "title": "why"},
            ],
            "description": {"field": "description"},
            "href": {"field": "href"},
        },
    }


def _followers_view() -> dict[str, Any]:
    return {
        "title": "Followers per day (spikes shaded by verdict; hover for the reasons)",
        "width": WIDTH,
        "height": 220,
        "layer": [
            _spike_layer("spike_shading"),
            {
                "data": {"name": "daily"},
                "mark": {"type": "line", "color": "#1f77b4", "point": False},
                "encoding": {
                    "x": _X,
                    "y": {
                        "field": "followers",
                        "type": "quantitative",
                        "title": "followers",
                        "scale": {"zero": False},
                    },
                    "tooltip": [
                        {"field": "date", "type": "temporal", "format": "%Y-%m-%d"},
                        {"field": "followers", "format": ","},
                    ],
                },
            },
        ],
    }


def _gains_view() -> dict[str, Any]:
    return {
        "title": "New followers per day vs the expected band (fct_follower_gains_daily)",
        "width": WIDTH,
        "height": 180,
        "layer": [
            _spike_layer("spike_shading_gains"),
            {
                "data": {"name": "daily"},
                "name": "expected_band",
                "mark": {"type": "area", "color": "#9ecae1", "opacity": 0.5},
                "encoding": {
                    "x": _X,
                    "y": {"field": "expected_gain", "type": "quantitative", "title": "per day"},
                    "y2": {"field": "expected_gain_upper"},
                },
            },
            {
                "data": {"name": "daily"},
                "mark": {"type": "line", "color": "#6baed6", "strokeDash": [4, 3]},
                "encoding": {"x": _X, "y": {"field": "expected_gain", "type": "quantitative"}},
            },
            {
                "data": {"name": "daily"},
                "mark": {"type": "line", "color": "#08306b", "point": {"size": 12}},
                "encoding": {
                    "x": _X,
                    "y": {"field": "followers_gain", "type": "quantitative"},
                    "tooltip": [
                        {"field": "date", "type": "temporal", "format": "%Y-%m-%d"},
                        {"field": "followers_gain", "title": "gained", "format": ","},
                        {"field": "expected_gain", "title": "expected", "format": ",.0f"},
                        {"field": "expected_gain_upper", "title": "band top", "format": ",.0f"},
                    ],
                },
            },
        ],
    }


def _activity_view() -> dict[str, Any]:
    return {
        "title": "Interactions (bars) and impressions (line) per day",
        "width": WIDTH,
        "height": 160,
        "layer": [
            {
                "data": {"name": "daily"},
                "mark": {"type": "bar", "color": "#ff7f0e", "opacity": 0.8},
                "encoding": {
                    "x": _X,
                    "y": {
                        "field": "interactions",
                        "type": "quantitative",
                        "title": "interactions",
                        "axis": {"titleColor": "#ff7f0e"},
                    },
                    "tooltip": [
                        {"field": "date", "type": "temporal", "format": "%Y-%m-%d"},
                        {"field": "interactions", "format": ","},
                        {"field": "impressions", "format": ","},
                    ],
                },
            },
            {
                "data": {"name": "daily"},
                "mark": {"type": "line", "color": "#7f7f7f"},
                "encoding": {
                    "x": _X,
                    "y": {
                        "field": "impressions",
                        "type": "quantitative",
                        "title": "impressions",
                        "axis": {"titleColor": "#7f7f7f"},
                    },
                },
            },
        ],
        "resolve": {"scale": {"y": "independent"}},
    }


def _engagement_view() -> dict[str, Any]:
    return {
        "title": "Engagement rate (interactions per follower, 7 days) vs followers",
        "width": WIDTH,
        "height": 160,
        "layer": [
            {
                "data": {"name": "daily"},
                "mark": {"type": "line", "color": "#9467bd"},
                "encoding": {
                    "x": _X,
                    "y": {
                        "field": "engagement_rate_followers_7d",
                        "type": "quantitative",
                        "title": "engagement rate",
                        "axis": {"format": ".2%", "titleColor": "#9467bd"},
                    },
                    "tooltip": [
                        {"field": "date", "type": "temporal", "format": "%Y-%m-%d"},
                        {"field": "engagement_rate_followers_7d", "format": ".3%"},
                        {"field": "followers", "format": ","},
                    ],
                },
            },
            {
                "data": {"name": "daily"},
                "mark": {"type": "line", "color": "#1f77b4", "strokeDash": [2, 2]},
                "encoding": {
                    "x": _X,
                    "y": {
                        "field": "followers",
                        "type": "quantitative",
                        "title": "followers",
                        "scale": {"zero": False},
                        "axis": {"titleColor": "#1f77b4"},
                    },
                },
            },
        ],
        "resolve": {"scale": {"y": "independent"}},
    }


_DAILY_FIELDS = (
    "date", "followers", "followers_gain", "expected_gain", "expected_gain_upper",
    "interactions", "impressions", "engagement_rate_followers_7d",
)  # fmt: skip


def _compact(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    return value


def spike_rows(account: Account, spike_href: str) -> list[dict[str, Any]]:
    from datetime import date, timedelta

    rows = []
    for spike in account.spikes:
        end = date.fromisoformat(spike["spike_end"]) + timedelta(days=1)
        rows.append(
            {
                "shade_start": spike["spike_start"],
                "shade_end": end.isoformat(),
                "spike_start": spike["spike_start"],
                "spike_end": spike["spike_end"],
                "verdict": spike["verdict"],
                "suspicion_score": spike["suspicion_score"],
                "reasons": spike["reasons"],
                "description": (
                    f"spike {spike['spike_start']} to {spike['spike_end']}: {spike['verdict']}"
                ),
                "href": spike_href.format(key=spike["key"]),
            }
        )
    return rows


def account_spec(account: Account, spike_href: str = "../spikes/{key}.html") -> dict[str, Any]:
    daily = [{k: _compact(row.get(k)) for k in _DAILY_FIELDS} for row in account.daily]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "datasets": {"daily": daily, "spikes": spike_rows(account, spike_href)},
        "vconcat": [_followers_view(), _gains_view(), _activity_view(), _engagement_view()],
        "resolve": {"scale": {"x": "shared", "color": "shared"}},
        "config": {"view": {"stroke": None}, "title": {"anchor": "start", "fontSize": 13}},
    }
