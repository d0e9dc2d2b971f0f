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
)


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = SETTINGS[0].default
    default_org: str = SETTINGS[1].default

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values = {s.name: env.get(s.env, s.default) for s in SETTINGS}
        return cls(**values)


assert {f.name for f in fields(Settings)} == {s.name for s in SETTINGS}
