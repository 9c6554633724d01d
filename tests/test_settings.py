"""The one settings object: every REALREACH_* variable, validated, documented in README."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from realreach_core.settings import Settings, SettingsError, load_settings, variables

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = ("realreach", "ingestion", "expectations", "dags", "realreach_core")


def test_readme_table_lists_exactly_the_settings():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(REALREACH_[A-Z_]+)` \| ([^|]+) \|", section, flags=re.M)
    documented = {name: default.strip() for name, default in rows}
    declared = {f.metadata["env"]: f.metadata["default_text"] for f in variables()}
    assert documented == declared


def test_no_module_reads_a_realreach_variable_on_its_own():
    """Only the settings module reads REALREACH_* from the environment (transform and the
    Airflow helper still *pass* REALREACH_HOME to child processes, which is writing)."""
    readers = re.compile(r"""(environ\.get|getenv|environ\[)\(?\s*["']REALREACH_""")
    offenders = [
        str(path.relative_to(ROOT))
        for pkg in PIPELINE
        for path in (ROOT / pkg).rglob("*.py")
        if readers.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_defaults_and_values():
    assert load_settings({}) == Settings()
    s = load_settings(
        {
            "REALREACH_ALERT_TIMEOUT_SECONDS": "2.5",
            "REALREACH_GX_KEEP_RUNS": "4",
            "REALREACH_ALERT_EMAIL_TO": " a@example.org, b@example.org ,",
            "REALREACH_RUN_WAIT_SECONDS": "0",
        }
    )
    assert (s.alert_timeout_seconds, s.gx_keep_runs, s.run_wait_seconds) == (2.5, 4, 0.0)
    assert s.alert_email_to == ("a@example.org", "b@example.org")


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("REALREACH_ALERT_TIMEOUT_SECONDS", "ten", "not a number of seconds"),
        ("REALREACH_ALERT_TIMEOUT_SECONDS", "0", "> 0"),
        ("REALREACH_FRESHNESS_HOURS", "nan", "hours"),
        ("REALREACH_ALERT_ATTEMPTS", "2.5", "not a whole number"),
        ("REALREACH_GX_KEEP_RUNS", "0", "1 or more"),
        ("REALREACH_RUN_WAIT_SECONDS", "-1", "≥ 0"),
        ("REALREACH_LANDING_POLL_SECONDS", "inf", "seconds"),
    ],
)
def test_bad_value_names_the_variable_and_the_value(variable, value, says):
    with pytest.raises(SettingsError) as err:
        load_settings({variable: value})
    assert f"{variable}={value!r}" in str(err.value) and says in str(err.value)


def test_every_bad_value_is_reported_at_once():
    with pytest.raises(SettingsError) as err:
        load_settings({"REALREACH_ALERT_ATTEMPTS": "x", "REALREACH_GX_KEEP_RUNS": "y"})
    assert "REALREACH_ALERT_ATTEMPTS" in str(err.value) and "REALREACH_GX_KEEP_RUNS" in str(
        err.value
    )


def test_a_broken_channel_is_a_problem_not_an_error_and_hides_its_secret():
    s = load_settings(
        {
            "REALREACH_SLACK_WEBHOOK": "hooks.slack.com/services/T0/B0/s3cr3t",
            "REALREACH_SMTP_URL": "smtp://u:pa55@mail.example.org:25",
            "REALREACH_ALERT_WEBHOOK": "http://user:pw@[::1:bad/x",
        }
    )
    assert set(s.channel_problems) == {"slack", "email", "webhook"}
    assert "REALREACH_ALERT_EMAIL_TO is empty" in s.channel_problems["email"]
    assert s.channel_problems["slack"].startswith("REALREACH_SLACK_WEBHOOK='hooks.slack.…'")
    assert (s.slack_webhook, s.smtp_url, s.alert_webhook) == (None, None, None)
    text = " ".join(s.describe_problems())
    for secret in ("s3cr3t", "pa55", "pw@"):
        assert secret not in text


def test_malformed_url_is_named_with_host_only():
    s = load_settings({"REALREACH_ALERT_WEBHOOK": "ftp://user:pw@example.org/hook/secret"})
    assert s.channel_problems["webhook"] == (
        "REALREACH_ALERT_WEBHOOK='ftp://***@example.org/…' must be an http(s) URL like "
        "https://host/path"
    )


def test_the_command_line_checks_settings_before_any_work(tmp_path):
    env = {"REALREACH_ALERT_TIMEOUT_SECONDS": "soon", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "realreach.cli", "run", "--home", str(tmp_path / "h")],
        env=env, capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 2
    assert "REALREACH_ALERT_TIMEOUT_SECONDS='soon' is not a number of seconds" in done.stderr
    assert not (tmp_path / "h").exists()  # nothing was started
