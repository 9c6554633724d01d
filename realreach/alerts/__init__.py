"""Alerts: one line per suspicious spike in ``alerts/alerts.jsonl``, told once to every channel.

A spike is identified by (platform, account_id, spike_start) (``alert_id``); its line is written
once, updated in place when the spike grows or its verdict changes, and remembers per channel
what that channel was told. Each channel gets one message per change of the alert's state:

- ``alert``: the spike is suspicious (the first message a channel gets about it);
- ``withdrawn``: it was told "suspicious", and the spike is now ``unexplained``, ``explained``
  or no longer detected;
- ``now_suspicious``: it was told "withdrawn", and the spike is suspicious again.

Delivery is a small journal protocol, so a crash anywhere never loses a message and never
doubles one on a channel that can drop repeats: the message owed (its kind and an idempotency
key derived from the spike id, the event's sequence number and kind) is recorded durably as
``pending`` before it is sent, and marked delivered after. A pending message found later (a
failed send, or a crash between send and mark) is sent again with the same key: the webhook's
``Idempotency-Key`` header and the e-mail's ``Message-ID`` let receivers drop the repeat.
Slack has no such key: it gets at-least-once, the window being the moment between the
receiver's answer and the journal's fsync.

Secrets (webhook URLs, SMTP passwords) are never logged nor stored: channels describe
themselves by name and host only.
"""

from realreach.alerts.channels import (
    Channel,
    DeliveryError,
    RetryPolicy,
    SlackChannel,
    SlackHookChannel,
    SmtpChannel,
    SmtpHookChannel,
    WebhookChannel,
    channels_from_env,
    channels_from_settings,
    merge_channels,
    recipients_of,
    retry_policy_from_env,
    retry_policy_from_settings,
    split_credentials,
)
from realreach.alerts.formatting import (
    MESSAGE_ID_DOMAIN,
    email_body,
    email_headers,
    email_html,
    email_subject,
    format_alert_text,
    slack_blocks,
)
from realreach.alerts.journal import (
    AlertReport,
    alert_id,
    current_spikes,
    message_of,
    raise_alerts,
    read_alerts,
)
from realreach.alerts.states import (
    ALERT,
    DEFAULT_TIMEOUT_S,
    DELIVERED,
    NOT_DETECTED,
    NOT_NEEDED,
    NOW_SUSPICIOUS,
    SENDING,
    UNDELIVERED,
    WITHDRAWN,
    message_key,
)

__all__ = [
    "ALERT", "DEFAULT_TIMEOUT_S", "DELIVERED", "MESSAGE_ID_DOMAIN", "NOT_DETECTED", "NOT_NEEDED",
    "NOW_SUSPICIOUS", "SENDING", "UNDELIVERED", "WITHDRAWN", "AlertReport", "Channel",
    "DeliveryError", "RetryPolicy", "SlackChannel", "SlackHookChannel", "SmtpChannel",
    "SmtpHookChannel", "WebhookChannel", "alert_id", "channels_from_env",
    "channels_from_settings", "current_spikes", "email_body", "email_headers", "email_html",
    "email_subject", "format_alert_text", "merge_channels", "message_key", "message_of",
    "raise_alerts", "read_alerts", "recipients_of", "retry_policy_from_env",
    "retry_policy_from_settings", "slack_blocks", "split_credentials",
]  # fmt: skip
