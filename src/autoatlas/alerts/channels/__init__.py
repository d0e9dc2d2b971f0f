"""Delivery channels: the in-app inbox, the Atom feed, signed webhooks and e-mail.

Webhook and e-mail are the only network I/O of the alerts; they never run inside a
database transaction.
"""

from __future__ import annotations

from autoatlas.alerts.channels.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Outcome,
    post_webhook,
    sign,
    verify,
)

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "Outcome", "post_webhook", "sign", "verify"]
