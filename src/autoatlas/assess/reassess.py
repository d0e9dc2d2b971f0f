"""Which portfolio pairs one changed fact can move, and whether a market's facts moved.

Rules declare the properties they read (`rules_reading`) and the landed cost declares its
own (`READS`), so a change to one property of one market touches only the portfolio's pairs
in that market (and in the markets that inherit from it, a bloc's members) whose models the
changed fact can apply to (`affected_pairs`); a market whose facts of the changed properties
read the same before and after (`facts_moved`) cannot move at all, rates aside. Exchange
rates and currencies are shared by every market (a price is converted through them
anywhere), so a change to one of those reaches every pair. Re-assessing what a change
reaches is the batch engine's (`assess.batch.MarketBatch.reassessed`). Pure functions: the
caller reads the facts.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from autoatlas.assess.landed_cost import READS
from autoatlas.assess.rates import RATE_PROPERTIES
from autoatlas.domain.facts import Fact
from autoatlas.rules.engine import RULES, rules_reading

__all__ = [
    "RATE_PROPERTIES",
    "REASSESSABLE",
    "SEEN_WHOLE",
    "affected_pairs",
    "facts_moved",
    "splice",
]

# Read through `Context.any` (every fact of the property, whatever vehicles it is narrowed
# to, is cited): a change to one of them can move a model it does not apply to. Exact by
# test (tests/assess/test_reassess_filter.py records every `any` read of the rules).
SEEN_WHOLE = frozenset(
    {"regulation.connected_vehicle.origin_restriction", "trade.import_ban.in_force"}
)
_VEHICLE_KEYS = ("origin", "maker", "powertrain", "vehicle_class")


def _reassessable() -> frozenset[str]:
    rules_reading("")  # loads the rule library
    return frozenset({*READS, *RATE_PROPERTIES, *(p for r in RULES.values() for p in r.reads)})


REASSESSABLE = _reassessable()  # every property an assessment can read


def affected_pairs(
    prop: str,
    market: str,
    portfolio: Iterable[tuple[str, str]] | Mapping[str, Sequence[str]],
    *,
    members: Collection[str] = (),
    qualifiers: Sequence[Mapping[str, str]] | None = None,
    vehicles: Mapping[str, Mapping[str, str]] | None = None,
) -> list[tuple[str, str]]:
    """The (model, market) pairs of `portfolio` whose assessment a change to `prop` in
    `market` can move. `members` are the markets that inherit `market`'s facts (a bloc's
    members on the day); the caller knows them. A property no assessment reads moves none.

    `portfolio` is (model, market) pairs, or the models by market (market -> model ids),
    which answers without scanning every pair.

    With `qualifiers`, the qualifiers of the facts the change touched (the old version's
    and the new one's), and `vehicles` (model id -> `vehicle_qualifiers(model)`), a model
    that none of those facts can apply to is left out: a fact narrowed to an origin, maker,
    powertrain or vehicle class it does not have is never read for it (Context.fact and
    Context.all skip it), except where a rule reads every fact of the property
    (`SEEN_WHOLE`) or the property is an exchange rate or currency."""
    if prop not in REASSESSABLE:
        return []
    where = dict.fromkeys([market, *members])
    if isinstance(portfolio, Mapping):
        if prop in RATE_PROPERTIES:
            where = dict.fromkeys(portfolio)
        pairs = [(model, code) for code in where for model in portfolio.get(code, ())]
    elif prop in RATE_PROPERTIES:
        pairs = list(portfolio)
    else:
        pairs = [(model, code) for model, code in portfolio if code in where]
    if qualifiers is None or vehicles is None:
        return pairs
    reached = _reaches(prop, qualifiers)
    if reached is _everyone:
        return pairs
    applies = {model: reached(vehicles[model]) for model in dict.fromkeys(m for m, _c in pairs)}
    return [(model, code) for model, code in pairs if applies[model]]


def _reaches(
    prop: str, qualifiers: Sequence[Mapping[str, str]]
) -> Callable[[Mapping[str, str]], bool]:
    """Whether a change to facts of `prop` with these `qualifiers` (the old version's and the
    new one's) can move a vehicle's assessment, by its `vehicle_qualifiers`: a fact narrowed
    to an origin, maker, powertrain or vehicle class it does not have is never read for it,
    except where a rule reads every fact of the property (`SEEN_WHOLE`) and for exchange
    rates and currencies."""
    narrowed = [
        {key: q[key].casefold() if key == "maker" else q[key] for key in _VEHICLE_KEYS if key in q}
        for q in qualifiers
    ]
    if prop in RATE_PROPERTIES or prop in SEEN_WHOLE or not narrowed or not all(narrowed):
        return _everyone  # a fact for every vehicle, or read whatever its narrowing

    def applies(vehicle: Mapping[str, str]) -> bool:
        return any(
            all(vehicle[key] == value for key, value in wanted.items()) for wanted in narrowed
        )

    return applies


def _everyone(_vehicle: Mapping[str, str]) -> bool:
    return True


def facts_moved(before: Iterable[Fact], after: Iterable[Fact], props: Collection[str]) -> bool:
    """Whether one market's facts of `props` differ between `before` and `after` (its facts,
    or only those of `props`, as known before and after a change): the records it picks, in
    order, and where it inherits each from.

    When they do not, no assessment in the market can move (exact, not a guess): an
    assessment is a pure function of the model, market, date, the market's facts and the
    rates (`assess_with_facts`), the other properties' facts read the same at both instants
    (the caller's premise), and a record's content never changes (a new version is a new
    record, with a new id; superseding one only stamps its `superseded_at`, which no rule
    reads), so the same ids give the same facts. The one part of a fact that depends on who
    reads it, `inherited_from` (cited by the findings, read by `Rates.from_facts`), is
    compared too. A member holding its own fact of a statement its bloc changed keeps it:
    nothing moved there. The exchange rates are not facts of the market: a caller must not
    skip a market on this alone when a rate or currency changed anywhere."""
    wanted = set(props)
    return _picked(before, wanted) != _picked(after, wanted)


def _picked(facts: Iterable[Fact], props: Collection[str]) -> list[tuple[int, str | None]]:
    return [(f.id, f.inherited_from) for f in facts if f.property in props]


def splice(
    facts: Sequence[Fact], props: Collection[str], replacement: Iterable[Fact]
) -> list[Fact]:
    """A market's facts with those of the changed properties `props` replaced by
    `replacement` (their facts now)."""
    if isinstance(props, str):  # a property's name is a collection of letters, not of names
        raise TypeError(f"splice takes a collection of property names, not {props!r}")
    return [*(f for f in facts if f.property not in props), *replacement]
