"""Markets and dated bloc memberships: plain values and pure functions (no I/O).

A market is where vehicles are sold: a country (ISO 3166-1 alpha-2, ``TH``), a subdivision
(ISO 3166-2, ``CN-CQ``) or a bloc (``EU``, ``UNECE-1958``). Blocs have dated memberships; the
catalogue of markets and memberships is loaded by :mod:`autoatlas.vocabulary.markets`.

Membership periods are half-open: ``valid_from`` is the first day as a member (``None``: no
known start), ``valid_to`` is the first day *no longer* a member (``None``: still a member).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "Market",
    "MarketKind",
    "Membership",
    "blocs_of",
    "is_member",
    "members_of",
    "normalise_code",
]

_CODE_RE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")


class MarketKind(StrEnum):
    """What kind of place a market is."""

    COUNTRY = "country"
    SUBDIVISION = "subdivision"
    BLOC = "bloc"


@dataclass(frozen=True, slots=True)
class Market:
    """One market with its English and Simplified Chinese names.

    ``parent`` is the country of a subdivision (``CN`` for ``CN-CQ``) and ``None`` otherwise.
    """

    code: str
    kind: MarketKind
    name_en: str
    name_zh: str
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class Membership:
    """``member`` belongs to ``bloc`` from ``valid_from`` (inclusive) to ``valid_to`` (exclusive).

    ``source`` is the id of the source (in ``blocs.yaml``) that states the dates.
    """

    bloc: str
    member: str
    valid_from: date | None
    valid_to: date | None
    source: str

    def __post_init__(self) -> None:
        start, end = self.valid_from, self.valid_to
        if start is not None and end is not None and end <= start:
            raise ValueError(
                f"membership of {self.member} in {self.bloc}: valid_to {end} must be after "
                f"valid_from {start} (valid_to is the first day no longer a member)"
            )

    def active_on(self, on: date) -> bool:
        """True if the member belongs to the bloc on that day."""
        if self.valid_from is not None and on < self.valid_from:
            return False
        return self.valid_to is None or on < self.valid_to


def normalise_code(code: str) -> str:
    """Return a market code in canonical form: trimmed and upper-case.

    ``" cn-cq "`` becomes ``"CN-CQ"``; bloc codes keep their hyphen (``"UNECE-1958"``).
    Raises ``ValueError`` for an empty code or one with characters other than letters, digits
    and single hyphens.
    """
    normalised = code.strip().upper()
    if not _CODE_RE.match(normalised):
        raise ValueError(
            f"invalid market code {code!r}: use ISO 3166-1 alpha-2 (TH), ISO 3166-2 (CN-CQ) "
            "or a bloc code (EU, UNECE-1958)"
        )
    return normalised


def blocs_of(member: str, on: date, memberships: Iterable[Membership]) -> list[str]:
    """Codes of the blocs ``member`` directly belongs to on ``on``, sorted.

    Membership is not transitive: the EU being a party to the 1958 Agreement does not make
    each EU member state one (each that is a party has its own membership).
    """
    code = normalise_code(member)
    return sorted({m.bloc for m in memberships if m.member == code and m.active_on(on)})


def members_of(bloc: str, on: date, memberships: Iterable[Membership]) -> list[str]:
    """Codes of the direct members of ``bloc`` on ``on``, sorted."""
    code = normalise_code(bloc)
    return sorted({m.member for m in memberships if m.bloc == code and m.active_on(on)})


def is_member(member: str, bloc: str, on: date, memberships: Iterable[Membership]) -> bool:
    """True if ``member`` directly belongs to ``bloc`` on ``on``."""
    member_code, bloc_code = normalise_code(member), normalise_code(bloc)
    return any(
        m.member == member_code and m.bloc == bloc_code and m.active_on(on) for m in memberships
    )
