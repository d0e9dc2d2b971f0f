"""What every command needs: the settings from the environment and the Atlas built on them."""

from __future__ import annotations

from datetime import UTC, datetime

from autoatlas.atlas import Atlas
from autoatlas.config import Settings
from autoatlas.errors import ValidationError

__all__ = ["atlas", "utc"]


def atlas() -> Atlas:
    try:
        settings = Settings.from_env()
    except ValueError as exc:  # AUTOATLAS_METERING=maybe: say which variable, exit 2
        raise ValidationError(str(exc)) from None
    return Atlas(settings)


def utc(moment: datetime | None) -> datetime | None:
    """A --known-at moment as the store keeps time: naive UTC (`...+08:00` converted)."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)
