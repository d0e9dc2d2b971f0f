"""Settings, declared once as data and passed in explicitly (never read at import time)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

__all__ = ["SETTINGS", "SMTP_SECURITY", "Setting", "Settings"]


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    env: str
    default: str
    help: str
    kind: str = "str"  # how the environment's text is read: str, bool or int


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        "AUTOATLAS_DATABASE_URL",
        "sqlite:///./autoatlas.db",
        "SQLAlchemy URL of the database: sqlite:///path or postgresql+psycopg://user@host/db.",
    ),
    Setting(
        "default_org",
        "AUTOATLAS_DEFAULT_ORG",
        "autoatlas",
        "Slug of the organization credited for imports that name none (the platform operator).",
    ),
    Setting(
        "anonymous_read",
        "AUTOATLAS_ANONYMOUS_READ",
        "true",
        "Whether the HTTP API answers read requests that carry no credentials (true/false).",
        "bool",
    ),
    Setting(
        "rate_limit_per_minute",
        "AUTOATLAS_RATE_LIMIT_PER_MINUTE",
        "600",
        "HTTP requests a minute allowed per token and per client address (0 switches it off).",
        "int",
    ),
    Setting(
        "metering",
        "AUTOATLAS_METERING",
        "false",
        "Whether detailed look-ups and exports (profile, facts, export) spend credits.",
        "bool",
    ),
    Setting(
        "metering_cost",
        "AUTOATLAS_METERING_COST",
        "1",
        "Credits one metered look-up or export costs its organization when metering is on.",
        "int",
    ),
    Setting(
        "max_body_bytes",
        "AUTOATLAS_MAX_BODY_BYTES",
        "1048576",
        "Largest HTTP request body the API accepts, in bytes (larger ones get 413).",
        "int",
    ),
    Setting(
        "profile_cache_mb",
        "AUTOATLAS_PROFILE_CACHE_MB",
        "256",
        "Memory for serialized profiles the API keeps, compressed, in MB (0 switches it off).",
        "int",
    ),
    Setting(
        "profile_cache_warm",
        "AUTOATLAS_PROFILE_CACHE_WARM",
        "true",
        "Whether `autoatlas serve` fills the profile cache with today's public profiles at start.",
        "bool",
    ),
    # E-mail alerts: the SMTP server the worker sends through (alerts/channels/email.py).
    Setting(
        "smtp_host",
        "AUTOATLAS_SMTP_HOST",
        "localhost",
        "SMTP server that e-mail alerts are sent through.",
    ),
    Setting(
        "smtp_port",
        "AUTOATLAS_SMTP_PORT",
        "25",
        "Port of the SMTP server (1-65535; usually 25, 587 with starttls, 465 with tls).",
        "int",
    ),
    Setting(
        "smtp_from",
        "AUTOATLAS_SMTP_FROM",
        "autoatlas@localhost",
        "Sender address of alert e-mails.",
    ),
    Setting(
        "smtp_security",
        "AUTOATLAS_SMTP_SECURITY",
        "none",
        "Encryption to the SMTP server: none, starttls (upgrade after connecting) or tls "
        "(TLS from the start).",
    ),
    Setting(
        "smtp_user",
        "AUTOATLAS_SMTP_USER",
        "",
        "User name to log in to the SMTP server with (empty: no login).",
    ),
    Setting(
        "smtp_password",
        "AUTOATLAS_SMTP_PASSWORD",
        "",
        "Password for AUTOATLAS_SMTP_USER (needs a user; never printed).",
    ),
    Setting(
        "smtp_timeout",
        "AUTOATLAS_SMTP_TIMEOUT",
        "10",
        "Seconds the SMTP server has to answer each step before the e-mail is retried later.",
        "int",
    ),
)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _parse(setting: Setting, text: str) -> object:
    if setting.kind == "int":
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{setting.env}: {text!r} is not a whole number") from None
    if setting.kind == "bool":
        if text.strip().lower() in _TRUE:
            return True
        if text.strip().lower() in _FALSE:
            return False
        raise ValueError(f"{setting.env}: {text!r} is not true or false")
    return text


SMTP_SECURITY = ("none", "starttls", "tls")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


def _check_smtp(settings: Settings) -> None:
    """Refuse SMTP settings the worker could only fail on later, naming the variable."""
    problems = []
    if not settings.smtp_host.strip():
        problems.append("AUTOATLAS_SMTP_HOST: empty; name the SMTP server, e.g. smtp.example.com")
    if not 1 <= settings.smtp_port <= 65535:
        problems.append(f"AUTOATLAS_SMTP_PORT: {settings.smtp_port} is not a port (1-65535)")
    if not _ADDRESS.match(settings.smtp_from):
        problems.append(
            f"AUTOATLAS_SMTP_FROM: {settings.smtp_from!r} is not an e-mail address, "
            "e.g. alerts@example.com"
        )
    if settings.smtp_security not in SMTP_SECURITY:
        problems.append(
            f"AUTOATLAS_SMTP_SECURITY: {settings.smtp_security!r} is not one of "
            + ", ".join(SMTP_SECURITY)
        )
    if settings.smtp_password and not settings.smtp_user:
        problems.append("AUTOATLAS_SMTP_PASSWORD: set, but AUTOATLAS_SMTP_USER is empty")
    if settings.smtp_timeout <= 0:
        problems.append(f"AUTOATLAS_SMTP_TIMEOUT: {settings.smtp_timeout} is not more than 0")
    if problems:
        raise ValueError("; ".join(problems))


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = SETTINGS[0].default
    default_org: str = SETTINGS[1].default
    anonymous_read: bool = True
    rate_limit_per_minute: int = 600
    metering: bool = False
    metering_cost: int = 1
    max_body_bytes: int = 1_048_576
    profile_cache_mb: int = 256
    profile_cache_warm: bool = True
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_from: str = "autoatlas@localhost"
    smtp_security: str = "none"
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)  # kept out of logs and tracebacks
    smtp_timeout: int = 10

    def __post_init__(self) -> None:
        _check_smtp(self)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values = {s.name: _parse(s, env.get(s.env, s.default)) for s in SETTINGS}
        return cls(**values)  # type: ignore[arg-type]


assert {f.name for f in fields(Settings)} == {s.name for s in SETTINGS}
assert all(_parse(s, s.default) == getattr(Settings(), s.name) for s in SETTINGS)
