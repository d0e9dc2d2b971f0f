"""Remembering a rule's findings across the models of one market (a matrix's shortcut).

A rule is a pure function of the market's facts, the date, the model attributes it reads
and the vehicle qualifiers its fact look-ups compared (origin, maker, ...). Run once through a
`Recorder`, it leaves those reads, in order, with their values: a path in a tree of the
rule's decisions (qualifiers are named "@origin", ...; a membership test on a set attribute
is the read ("in", "certifications", "UN-R155"), so models with different certificates share
a path as long as the rule asked about the same ones; a comparison a rule asks for through
`Context.above` or `Context.price_above` is the read ("above", "co2_g_km", 95) or
("price above", "EUR", 45000), so models on the same side of the bound share a path).
Another model that has the same values along that path gets the same findings, so they are
looked up instead of computed. A run that converted a price (through the assessment's
exchange-rate record, which cites what it used) is not remembered: it is run every time.

A memo is only valid for one market, date, set of facts and rate table: a caller keeps one
per market of a matrix and drops it after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from autoatlas.vehicles.spec import Money, VehicleSpec

__all__ = [
    "MISS",
    "Memo",
    "Recorder",
    "RecordingQualifiers",
    "above",
    "price_above",
    "recall",
    "remember",
]

# rule id → the root of that rule's decision tree. A node is a dict:
# {"read": attribute, "next": {value: node}} or {"findings": (Finding, ...)}.
Memo = dict[str, dict[str, Any]]
MISS = object()


class Recorder:
    """The model as a rule sees it: each attribute read is recorded with its value."""

    __slots__ = ("_model", "reads")

    def __init__(self, model: VehicleSpec) -> None:
        self._model = model
        self.reads: list[tuple[Any, Any]] = []

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._model, name)
        if isinstance(value, frozenset):  # certifications, connectors: membership is enough
            return _RecordingSet(name, value, self.reads)
        self.reads.append((name, value))
        return value

    def above(self, name: str, bound: Any) -> bool | None:
        """`above(model.name, bound)`, recorded as that comparison alone."""
        found = above(getattr(self._model, name), bound)
        self.reads.append((("above", name, bound), found))
        return found

    def price_above(self, limit: Decimal, currency: str, convert: Convert | None) -> bool | None:
        """`price_above(...)` of the model, recorded as the price's currency (what the
        conversion used) and the comparison alone."""
        found = price_above(self._model, limit, currency, convert)
        self.reads.append((("price above", currency, limit), found))
        return found[1]


Convert = Callable[[Decimal, str, str], "Decimal | None"]


def above(value: Any, bound: Any) -> bool | None:
    """Whether a model's value is above `bound`; None where the model gives none."""
    return None if value is None else bool(value > bound)


def price_above(
    model: VehicleSpec, limit: Decimal, currency: str, convert: Convert | None
) -> tuple[str, bool | None]:
    """The model's price currency, and whether its price in `currency` is above `limit`
    (None: no exchange rate to convert it)."""
    price = model.price
    if price.currency == currency:
        value: Decimal | None = price.amount
    else:
        value = None if convert is None else convert(price.amount, price.currency, currency)
    return price.currency, None if value is None else bool(value > limit)


class _RecordingSet:
    """A set attribute: `x in s` is recorded as the read ("in", name, x), and so is each
    member of a set that s is subtracted from; anything else reads (and records) the whole
    set."""

    __slots__ = ("_name", "_reads", "_value")

    def __init__(self, name: str, value: frozenset[Any], reads: list[tuple[Any, Any]]) -> None:
        self._name, self._value, self._reads = name, value, reads

    def __contains__(self, item: Any) -> bool:
        found = item in self._value
        self._reads.append((("in", self._name, item), found))
        return found

    def _whole(self) -> frozenset[Any]:
        self._reads.append((self._name, self._value))
        return self._value

    def __iter__(self) -> Iterator[Any]:
        return iter(self._whole())

    def __len__(self) -> int:
        return len(self._whole())

    def __bool__(self) -> bool:
        return bool(self._whole())

    def __eq__(self, other: object) -> bool:
        return self._whole() == other

    def __hash__(self) -> int:
        return hash(self._whole())

    def __and__(self, other: Any) -> Any:
        return self._whole() & other

    def __rand__(self, other: Any) -> Any:
        return other & self._whole()

    def __or__(self, other: Any) -> Any:
        return self._whole() | other

    def __ror__(self, other: Any) -> Any:
        return other | self._whole()

    def __sub__(self, other: Any) -> Any:
        return self._whole() - other

    def __rsub__(self, other: Any) -> Any:
        if isinstance(other, (set, frozenset)):
            # `required - s` asks only whether each required member is in s: recorded as
            # those membership reads, so models agreeing on them share the findings.
            return other.__class__(x for x in other if x not in self)
        return other - self._whole()

    def __xor__(self, other: Any) -> Any:
        return self._whole() ^ other

    def __rxor__(self, other: Any) -> Any:
        return other ^ self._whole()

    def __getattr__(self, name: str) -> Any:  # issubset, union, ...
        return getattr(self._whole(), name)


class RecordingQualifiers(dict[str, str]):
    """The vehicle's qualifier values; each look-up is recorded as a read of "@key"."""

    def __init__(self, values: dict[str, str], reads: list[tuple[Any, Any]]) -> None:
        super().__init__(values)
        self.reads = reads

    def __getitem__(self, key: str) -> str:
        value = super().__getitem__(key)
        self.reads.append(("@" + key, value))
        return value


def recall(
    tree: dict[str, Any],
    model: VehicleSpec,
    vehicle: dict[str, str],
    convert: Convert | None = None,
) -> Any:
    """The findings remembered for `model`'s values along the tree, or MISS. `convert`
    converts a price as the runs did (their market's rates), for their price comparisons."""
    node = tree
    while True:
        if "findings" in node:
            return node["findings"]
        name = node.get("read")
        if name is None:
            return MISS
        value: Any
        try:
            if name.__class__ is tuple:  # (kind, attribute or currency, item or bound)
                kind = name[0]
                if kind == "in":
                    value = name[2] in getattr(model, name[1])
                elif kind == "above":
                    value = above(getattr(model, name[1]), name[2])
                else:  # "price above"
                    value = price_above(model, name[2], name[1], convert)
            elif name[0] == "@":
                value = vehicle[name[1:]]
            else:
                value = getattr(model, name)
            found = node["next"].get(_key(value))
        except TypeError:  # an unhashable value: never remembered either
            return MISS
        if found is None:
            return MISS
        node = found


def remember(tree: dict[str, Any], reads: list[tuple[Any, Any]], findings: tuple[Any, ...]) -> None:
    """Add one run's path (the attributes it read, in order) and its findings."""
    node = tree
    for name, value in reads:
        if "findings" in node:
            return  # a shorter path already ends here: a rule that is not pure
        if "read" not in node:
            node["read"], node["next"] = name, {}
        elif node["read"] != name:
            return  # another attribute read after the same values: not pure either
        try:
            node = node["next"].setdefault(_key(value), {})
        except TypeError:
            return
    if "read" not in node:
        node["findings"] = findings


_PLAIN = frozenset({str, int, float, bool, type(None), frozenset, date})


def _key(value: Any) -> Any:
    """Equal keys only for values that print alike: 1 and 1.0 are equal but print apart,
    so the type is part of the key; anything else (Money) is keyed by its repr."""
    kind = value.__class__
    if kind in _PLAIN:
        return (kind, value)
    if kind is Money:  # a price: its repr, without pydantic's (slow) repr
        return (kind, str(value.amount), value.currency)
    return (kind, repr(value))
