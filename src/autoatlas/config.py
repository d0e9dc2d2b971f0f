"""Settings, declared once as data and passed in explicitly (never read at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

__all__ = ["SETTINGS", "Setting", "Settings"]


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


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = SETTINGS[0].default
    default_org: str = SETTINGS[1].default
    anonymous_read: bool = True
    rate_limit_per_minute: int = 600
    metering: bool = False
    metering_cost: int = 1
    max_body_bytes: int = 1_048_576

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values = {s.name: _parse(s, env.get(s.env, s.default)) for s in SETTINGS}
        return cls(**values)  # type: ignore[arg-type]


assert {f.name for f in fields(Settings)} == {s.name for s in SETTINGS}
assert all(_parse(s, s.default) == getattr(Settings(), s.name) for s in SETTINGS)
