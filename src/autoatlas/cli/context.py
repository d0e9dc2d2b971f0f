"""What every command needs: the settings from the environment and the Atlas built on them."""

from __future__ import annotations

from autoatlas.atlas import Atlas
from autoatlas.config import Settings

__all__ = ["atlas"]


def atlas() -> Atlas:
    return Atlas(Settings.from_env())
