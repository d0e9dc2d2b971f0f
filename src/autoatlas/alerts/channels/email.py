"""E-mail through SMTP (smtplib): one alert, or a digest, per message.

The Message-ID is derived from the delivery's idempotency key, so a message re-sent after a
lost answer can be recognised as the same by the receiving side.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from autoatlas.alerts.channels.webhook import Outcome
from autoatlas.config import Settings

__all__ = ["SmtpSettings", "render_email", "send_email"]


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """The SMTP server and how to reach it; `from_settings` reads the AUTOATLAS_SMTP_*
    settings (validated there)."""

    host: str = "localhost"
    port: int = 25
    sender: str = "autoatlas@localhost"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security: str = "none"  # none, starttls (upgrade after connecting) or tls (from the start)
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpSettings:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_user or None,
            password=settings.smtp_password or None,
            security=settings.smtp_security,
            timeout=float(settings.smtp_timeout),
        )


def _line(alert: dict[str, Any]) -> str:
    return f"[{alert['severity']}] {alert['title']}"


def render_email(payload: dict[str, Any]) -> tuple[str, str]:
    """Subject and plain-text body of an alert or a digest payload."""
    if "digest" in payload:
        digest = payload["digest"]
        alerts = digest["alerts"]
        subject = (
            f"AutoAtlas {digest['cadence']} digest: {len(alerts)} alert(s) "
            f"for {digest['organization']}"
        )
        lines = [_line(a) for a in alerts]
        return subject, "\n".join(lines) + "\n"
    alert = payload["alert"]
    lines = [alert["title"], "", f"Severity: {alert['severity']}", f"Market: {alert['market']}"]
    if alert.get("property"):
        lines.append(f"Property: {alert['property']}")
    for change in alert["detail"].get("changes", []):
        lines.append(f"- {change}")
    citation = alert["detail"].get("change_set")
    if citation:
        lines.append(f"Change set {citation['id']}: {citation['title']}")
    return f"AutoAtlas alert: {alert['title']}", "\n".join(lines) + "\n"


def _connect(settings: SmtpSettings, timeout: float) -> smtplib.SMTP:
    if settings.security == "tls":
        context = ssl.create_default_context()
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
    return smtplib.SMTP(settings.host, settings.port, timeout=timeout)


def send_email(
    settings: SmtpSettings,
    *,
    to: str,
    payload: dict[str, Any],
    idempotency_key: str,
    timeout: float | None = None,
) -> Outcome:
    """Send one message; any SMTP or network failure is an Outcome to retry, never raised.
    `timeout` overrides the settings' timeout."""
    subject, text = render_email(payload)
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    domain = settings.sender.rpartition("@")[2] or "autoatlas.local"
    message["Message-ID"] = f"<{idempotency_key}@{domain}>"
    message.set_content(text)
    seconds = settings.timeout if timeout is None else timeout
    try:
        with _connect(settings, seconds) as smtp:
            if settings.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            refused = smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        return Outcome(False, f"{type(exc).__name__}: {exc}")
    if refused:
        return Outcome(False, f"refused: {sorted(refused)}")
    return Outcome(True, "SMTP 250")
