"""One change to a market's facts, as the re-assessment tests draw it: a statement's new
value, its new qualifiers, a fact added, or one removed (an add when none is there)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from test_matrix_cells import _fact

from autoatlas.domain.facts import Fact

CHANGES = ("value", "qualifiers", "add", "remove")


def changed(
    facts: Sequence[Fact],
    change: str,
    version: tuple[str, Any, dict[str, str]],
    which: int,
    *,
    number: int = 999,
) -> list[Fact]:
    """`facts` after `change` to a fact of the version's property (the `which`-th, cycling):
    the new record takes the version's value or qualifiers and id -`number` (an added fact
    takes `number`), so changes applied in turn keep their ids apart."""
    prop, value, qualifiers = version
    same = [f for f in facts if f.property == prop]
    old = same[which % len(same)] if same else None
    if change == "add" or old is None:
        return [*facts, _fact(number, prop, value, **qualifiers)]
    if change == "remove":
        return [f for f in facts if f is not old]
    fields: dict[str, Any] = {"value": value} if change == "value" else {"qualifiers": qualifiers}
    new = dataclasses.replace(old, id=-number, **fields)
    return [new if f is old else f for f in facts]
