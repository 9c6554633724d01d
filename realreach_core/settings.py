"""Every ``REALREACH_*`` environment variable, read in one place and validated at start-up.

``load_settings()`` reads them all into one frozen ``Settings``; a bad value raises
``SettingsError`` naming the variable and the value (secrets shown redacted). Alert channel
variables are different: a misconfigured channel must never stop the run, ``alerts.jsonl`` or
the other channels, so its problem is kept in ``Settings.channel_problems`` (reported by the
command line and the alert step) and that channel is skipped.

README.md "Settings" lists the same variables, defaults and meanings; a test keeps them equal.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class SettingsError(ValueError):
    """One or more REALREACH_* variables hold values that cannot be used."""


class _Bad(ValueError):
    """A parser's complaint about one value; the loader adds the variable's name."""


def _number(raw: str, *, minimum: float, inclusive: bool, what: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise _Bad(f"is not a number of {what}") from None
    if not math.isfinite(value) or value < minimum or (value == minimum and not inclusive):
        bound = f"{'≥' if inclusive else '>'} {minimum:g}"
        raise _Bad(f"must be a number of {what} {bound}")
    return value


def _positive_seconds(raw: str) -> float:
    return _number(raw, minimum=0, inclusive=False, what="seconds")


def _seconds(raw: str) -> float:
    return _number(raw, minimum=0, inclusive=True, what="seconds")


def _hours(raw: str) -> float:
    return _number(raw, minimum=0, inclusive=False, what="hours")


def _count(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise _Bad("is not a whole number") from None
    if value < 1:
        raise _Bad("must be 1 or more")
    return value


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise _Bad("is not a date like 2026-11-01") from None


def _path(raw: str) -> Path:
    if "\x00" in raw:
        raise _Bad("contains a NUL byte")
    return Path(raw).expanduser()


def _http_url(raw: str) -> str:
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018  (raises on a non-numeric port)
    except ValueError:
        raise _Bad("is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Bad("must be an http(s) URL like https://host/path")
    return raw


def _smtp_url(raw: str) -> str:
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018
    except ValueError:
        raise _Bad("is not a URL") from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise _Bad("must look like smtp://[user:password@]host:port (or smtps://)")
    return raw


def _addresses(raw: str) -> tuple[str, ...]:
    found = tuple(r.strip() for r in raw.split(",") if r.strip())
    bad = [r for r in found if "@" not in r]
    if bad:
        raise _Bad(f"has {bad[0]!r}, not an e-mail address (comma-separated addresses)")
    return found


def _address(raw: str) -> str:
    if "@" not in raw:
        raise _Bad("is not an e-mail address")
    return raw


def shown(variable: str, raw: str) -> str:
    """The value as an error message may quote it: URLs lose their credentials and path (a
    Slack webhook's path is the secret itself)."""
    if not variable.endswith(("_WEBHOOK", "_URL")):
        return repr(raw)
    try:
        parts = urlsplit(raw)
        host = parts.hostname or ""
    except ValueError:  # unparseable: its scheme is all that is safe to show
        return repr(f"{raw.split('://', 1)[0][:10]}://…" if "://" in raw else "…")
    if not parts.netloc or not host:
        return repr(raw[:12] + ("…" if len(raw) > 12 else ""))
    creds = "***@" if "@" in parts.netloc else ""
    tail = "/…" if parts.path not in ("", "/") or parts.query else ""
    return repr(f"{parts.scheme}://{creds}{parts.netloc.rsplit('@', 1)[-1]}{tail}")


def _var(
    env: str,
    default: Any,
    meaning: str,
    parse: Callable[[str], Any],
    *,
    channel: str = "",
    default_text: str = "",
) -> Any:
    default_text = default_text or ("(unset)" if default in (None, ()) else str(default))
    return field(
        default=default,
        metadata={
            "env": env, "meaning": meaning, "parse": parse, "channel": channel,
            "default_text": default_text,
        },
    )  # fmt: skip


@dataclass(frozen=True)
class Settings:
    """One field per REALREACH_* variable (metadata: its name, meaning and parser)."""

    home: Path = _var(  # noqa: RUF009  (a field(); Path is immutable)
        "REALREACH_HOME",
        Path("./.realreach"),
        "the realreach home (landing/, lake/, marts/, alerts/, state/); `--home` wins",
        _path,
        default_text="./.realreach",
    )
    run_wait_seconds: float = _var(
        "REALREACH_RUN_WAIT_SECONDS",
        600.0,
        "how long a run waits behind another run or task holding a lock of the same home "
        "before it gives up (exit 3); `realreach run --wait` wins",
        _seconds,
    )
    freshness_hours: float = _var(
        "REALREACH_FRESHNESS_HOURS",
        72.0,
        "the newest observation must be at most this old, else the freshness check fails",
        _hours,
    )
    gx_keep_runs: int = _var(
        "REALREACH_GX_KEEP_RUNS",
        20,
        "validation results kept (and shown in Data Docs) per suite",
        _count,
    )
    landing_poll_seconds: float = _var(
        "REALREACH_LANDING_POLL_SECONDS",
        2.0,
        "how often Airflow's landing watch looks for new files",
        _positive_seconds,
    )
    # None: each reader's own default (both 2 s: one look at the file's mtime).
    landing_settle_seconds: float | None = _var(
        "REALREACH_LANDING_SETTLE_SECONDS",
        None,
        "a landing file must keep its size and mtime this long before it counts as complete",
        _seconds,
        default_text="2 s, for the Airflow watch and `realreach run` alike",
    )
    alert_webhook: str | None = _var(
        "REALREACH_ALERT_WEBHOOK",
        None,
        "POST each alert as JSON here; `user:pass@` in the URL is sent as HTTP basic auth",
        _http_url,
        channel="webhook",
    )
    slack_webhook: str | None = _var(
        "REALREACH_SLACK_WEBHOOK",
        None,
        "a Slack incoming-webhook URL",
        _http_url,
        channel="slack",
    )
    smtp_url: str | None = _var(
        "REALREACH_SMTP_URL",
        None,
        "`smtp://[user:password@]host:port` (STARTTLS when offered) or `smtps://` for e-mail",
        _smtp_url,
        channel="email",
    )
    alert_email_to: tuple[str, ...] = _var(
        "REALREACH_ALERT_EMAIL_TO",
        (),
        "comma-separated recipients; e-mail alerts need it with REALREACH_SMTP_URL",
        _addresses,
        channel="email",
    )
    alert_email_from: str | None = _var(
        "REALREACH_ALERT_EMAIL_FROM",
        None,
        "sender address (realreach@hostname when unset)",
        _address,
        channel="email",
    )
    alert_since: dt.date | None = _var(  # noqa: RUF009  (a field(); a date is immutable)
        "REALREACH_ALERT_SINCE",
        None,
        "raise alerts only for spikes that start on or after this date (YYYY-MM-DD), e.g. for "
        "a first run over old history; `realreach run --alert-since` wins",
        _date,
    )
    report_base_url: str | None = _var(
        "REALREACH_REPORT_BASE_URL",
        None,
        "where the report folder is served; alerts link to <url>/spikes/<spike>.html (default: "
        "the file's path under the home)",
        _http_url,
    )
    alert_attempts: int = _var(
        "REALREACH_ALERT_ATTEMPTS",
        3,
        "delivery attempts per alert and channel within one run",
        _count,
    )
    alert_backoff_seconds: float = _var(
        "REALREACH_ALERT_BACKOFF_SECONDS",
        0.2,
        "pause before the second attempt; doubles after each failed attempt",
        _seconds,
    )
    alert_timeout_seconds: float = _var(
        "REALREACH_ALERT_TIMEOUT_SECONDS",
        10.0,
        "network timeout of one delivery attempt",
        _positive_seconds,
    )
    # channel name -> why it is skipped (the variable and the value, redacted)
    channel_problems: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        errors: list[str] = []
        problems: dict[str, str] = {}
        for spec in variables():
            raw = (env.get(spec.metadata["env"]) or "").strip()
            if not raw:
                continue
            try:
                values[spec.name] = spec.metadata["parse"](raw)
            except _Bad as exc:
                message = f"{spec.metadata['env']}={shown(spec.metadata['env'], raw)} {exc}"
                if spec.metadata["channel"]:
                    problems.setdefault(spec.metadata["channel"], message)
                else:
                    errors.append(message)
        if errors:
            raise SettingsError("; ".join(errors))
        if values.get("smtp_url") and not values.get("alert_email_to") and "email" not in problems:
            problems["email"] = (
                "REALREACH_SMTP_URL is set but REALREACH_ALERT_EMAIL_TO is empty: "
                "nobody to send e-mail alerts to"
            )
        for channel in problems:  # a broken channel is skipped as a whole
            for spec in variables():
                if spec.metadata["channel"] == channel:
                    values.pop(spec.name, None)
        return cls(**values, channel_problems=problems)

    def describe_problems(self) -> list[str]:
        return [f"{name} alerts are skipped: {why}" for name, why in self.channel_problems.items()]


def variables() -> list[Any]:
    """The dataclass fields that are REALREACH_* variables, in README order."""
    return [f for f in fields(Settings) if "env" in f.metadata]


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """The settings of this process (read afresh: tests and Airflow workers change the
    environment between calls, and reading 14 variables costs nothing)."""
    return Settings.from_env(env)


def markdown_table() -> str:
    """The README's settings table, generated from the dataclass (README keeps a copy)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for spec in variables():
        default = spec.metadata["default_text"]
        rows.append(f"| `{spec.metadata['env']}` | {default} | {spec.metadata['meaning']} |")
    return "\n".join(rows)
