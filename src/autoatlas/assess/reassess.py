"""Re-assessing only what one changed fact can move.

Rules declare the properties they read (`rules_reading`) and the landed cost declares its
own (`READS`), so a change to one property of one market touches only the portfolio's pairs
in that market (and in the markets that inherit from it, a bloc's members) and, in each, only
the rules reading it and, when the landed cost reads it, the cost lines (`reassess_market`;
`reassess`, one pair alone, redoes the whole assessment then).
Exchange rates and currencies are shared by every market (a price is converted through them
anywhere), so a change to one of those re-assesses every pair whole. Pure functions: the
caller reads the facts.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from autoatlas.assess.assessment import Assessment, _penalties, assess_with_facts
from autoatlas.assess.batch import ModelSet, assess_market, cost_plans, rule_column
from autoatlas.assess.landed_cost import (
    READS,
    cost_reads,
    reprice,
)
from autoatlas.assess.rates import Rates
from autoatlas.assess.scoring import WEIGHTS, Counted, Penalty, explain
from autoatlas.domain.facts import Fact
from autoatlas.rules.engine import (
    RULES,
    FactIndex,
    Finding,
    Severity,
    Status,
    Text,
    index_facts,
    rules_reading,
    run_rules,
)
from autoatlas.rules.memo import Memo

__all__ = [
    "RATE_PROPERTIES",
    "REASSESSABLE",
    "SEEN_WHOLE",
    "affected_pairs",
    "reassess",
    "reassess_changes",
    "reassess_market",
    "splice",
]

# Read through `Rates` by the landed cost and by rules comparing prices: a change anywhere
# can move any pair.
RATE_PROPERTIES = frozenset({"trade.currency", "trade.exchange_rate.usd"})
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


def splice(facts: Sequence[Fact], prop: str, replacement: Iterable[Fact]) -> list[Fact]:
    """A market's facts with those of `prop` replaced by `replacement` (its facts now)."""
    return [*(f for f in facts if f.property != prop), *replacement]


def reassess(
    previous: Assessment,
    prop: str,
    facts: list[Fact],
    rates: Rates,
    *,
    index: FactIndex | None = None,
    memo: Memo | None = None,
) -> Assessment:
    """`previous` with what a change to `prop` can move re-run over the market's `facts`
    (as they are now). The result equals a full re-assessment over the same facts.

    A property only rules read re-runs those rules. One the landed cost reads (duties, taxes,
    incentives) or a rate re-runs the whole assessment: the customs-value line cites every
    exchange rate the assessment converted with, the rules' price comparisons included, so
    the cost cannot be redone without them. Re-assessing many models of one market, pass
    `index` (index_facts(facts)) and a `memo` made once for the market's new facts."""
    model, market, on = previous.model, previous.market, previous.on
    if prop in RATE_PROPERTIES or prop in READS:
        return assess_with_facts(model, market, on, facts, rates, index=index, memo=memo)
    rerun = {r.id for r in rules_reading(prop)}
    if not rerun:
        return previous
    fresh = list(
        run_rules(
            model,
            market,
            on,
            facts,
            only=rerun,
            converter=Rates(rates.per_usd).convert,
            index=index,
            memo=memo,
        )
    )
    kept = [f for f in previous.findings if f.rule not in rerun]
    order = _order()
    # The order of a full run: every rule's findings in turn (the sort is stable).
    findings = sorted([*kept, *fresh], key=lambda f: order[f.rule])
    return Assessment(model, market, on, findings, previous.cost, _penalties(findings))


def reassess_market(
    previous: Sequence[Assessment],
    prop: str,
    facts: list[Fact],
    rates: Rates,
    *,
    models: ModelSet | None = None,
) -> list[Assessment]:
    """`reassess` of many assessments of one market and date at once (their order kept),
    each equal to a full assessment over `facts`. The models are assessed together
    (assess.batch): a rule re-runs once per distinct projection of the models.

    Only what the property can move is redone: the rules reading it (the others' findings,
    and the penalties when no rule re-runs, are kept) and, for a property the landed cost
    reads, the cost lines from the cost plans (looked up once per kind of vehicle), the
    customs-value line kept unless a re-run rule can convert the price (see below). A rate
    or a currency re-assesses the market whole. `models`, ModelSet.of(the assessments'
    models), may be kept by a caller that re-assesses the same models often."""
    if not previous:
        return []
    market, on = previous[0].market, previous[0].on
    chosen = models or ModelSet.of([a.model for a in previous])
    if prop in RATE_PROPERTIES:
        return assess_market(chosen, market, on, facts, rates)
    costed = prop in READS
    ids = {r.id for r in rules_reading(prop)}
    if not ids and not costed:
        return list(previous)
    # The customs-value line cites the rates every rule converted the price with. When no
    # re-run rule can convert it, those are the same as before (the price and currency are
    # unchanged: a currency re-assesses whole), so the line is kept; otherwise every rule
    # that can convert it is re-run with them, to cite their rates in rule order.
    converting = _converting() if costed and not ids.isdisjoint(_converting()) else frozenset()
    run = [r for r in RULES.values() if r.id in ids or r.id in converting]
    index = index_facts(facts)
    columns = [rule_column(r, chosen, market, on, facts, rates, index) for r in run]
    rerun = [column for r, column in zip(run, columns, strict=True) if r.id in ids]
    # A model whose landed cost cannot read the property (a duty of another powertrain, an
    # FTA's for a model not built in China) keeps its cost, unless a re-run rule that can
    # convert its price applies to it (the customs-value line cites those conversions).
    converters = [r for r in run if r.id in converting]
    repriced = [
        prop in cost_reads(m.powertrain, m.origin) or any(r.applies(m) for r in converters)
        for m in chosen.models
    ]
    plans = cost_plans(chosen, market, on, facts, index, repriced) if costed else []
    # The lines before the first one the property can move are kept (landed_cost.RESUMES).
    fixed: dict[int, dict[str, Any]] = {}
    order = _order()
    splices: dict[tuple[tuple[Penalty, ...], tuple[Counted, ...]], list[Penalty]] = {}
    results = []
    rerun_ids = [r.id for r in run if r.id in ids]
    for i, before in enumerate(previous):
        if ids:
            findings = _replaced(before.findings, rerun_ids, [column[i][0] for column in rerun])
            if findings is None:
                fresh = [f for column in rerun for f in column[i][0]]
                kept = [f for f in before.findings if f.rule not in ids]
                # The order of a full run: every rule's findings in turn (stable sort).
                findings = sorted([*kept, *fresh], key=lambda f: order[f.rule])
            counted = tuple([c for col in rerun for c in col[i][2]])
            if sorted([(r, why) for r, why, _points in before.penalties if r in ids]) == sorted(
                [(r, why) for _weight, r, why in counted]
            ):
                # The re-run rules' findings cost what they did: the same penalties.
                penalties = list(before.penalties)
            else:
                # Many models end with the same penalties (a few reasons, weighed alike):
                # the splice is worked out once per (penalties before, fresh counted).
                key = (tuple(before.penalties), counted)
                spliced = splices.get(key)
                if spliced is None:
                    spliced = splices[key] = _spliced(before.penalties, ids, counted)
                penalties = list(spliced)
        else:
            findings, penalties = before.findings, before.penalties
        cost = before.cost
        if costed and repriced[i]:
            plan = plans[i]
            known = fixed.get(id(plan))
            if known is None:
                known = fixed[id(plan)] = {}
            if converting:
                # The rates the rules converted with, in rule order, as a full run has them.
                used = [rate for column in columns for rate in column[i][1]]
                cost = reprice(
                    plan, before.model, Rates(rates.per_usd, used), before.cost, prop, known
                )
            else:
                cost = reprice(plan, before.model, Rates(rates.per_usd), before.cost, prop, known)
                cost.lines[0] = before.cost.lines[0]  # the customs value, as it was
        results.append(Assessment(before.model, market, on, findings, cost, penalties))
    return results


def _replaced(
    findings: list[Finding], rule_ids: Sequence[str], fresh: Sequence[Sequence[Finding]]
) -> list[Finding] | None:
    """`findings` (a full run's: each rule's in turn, in rule order) with each rule's block
    replaced by its fresh findings, in place; None when a rule that had no findings now
    has some (its place is then found by sorting)."""
    names: list[str] | None = None
    for rule_id, got in zip(rule_ids, fresh, strict=True):
        if names is None:
            names = [f.rule for f in findings]
        try:
            start = names.index(rule_id)
        except ValueError:
            if got:
                return None
            continue
        end = start + names.count(rule_id)  # the rule's findings are one block
        findings = [*findings[:start], *got, *findings[end:]]
        names[start:end] = [rule_id] * len(got)
    return findings


def reassess_changes(
    previous: Sequence[Assessment],
    props: Collection[str],
    facts: list[Fact],
    rates: Rates,
    *,
    models: ModelSet | None = None,
) -> list[Assessment]:
    """`reassess_market` after a change to several properties at once (a change set), each
    result equal to a full assessment over `facts`. Each step re-runs, over the final facts,
    what its property can move; the rules and cost lines no changed property reaches were
    computed over facts they read alike. A rate or currency among them re-assesses whole."""
    if not previous:
        return []
    chosen = models or ModelSet.of([a.model for a in previous])
    if not RATE_PROPERTIES.isdisjoint(props):
        return assess_market(chosen, previous[0].market, previous[0].on, facts, rates)
    found = list(previous)
    for prop in sorted(props):
        found = reassess_market(found, prop, facts, rates, models=chosen)
    return found


def _spliced(
    penalties: Sequence[Penalty], ids: Collection[str], fresh: Sequence[Counted]
) -> list[Penalty]:
    """`penalties_of` of the findings with the re-run rules' replaced, from the penalties
    before and what the re-run findings cost (`fresh`, in rule order). `explain` orders
    the counted findings by weight, ties in findings order (rule order, then each rule's
    own), so the kept ones, in their penalty order, and the fresh ones sorted stably by
    weight and rule give the order of a full run."""
    weight = _weight_of()
    order = _order()
    items = [
        (weight[why], rule_id, why) for rule_id, why, _points in penalties if rule_id not in ids
    ]
    items += fresh
    items.sort(key=lambda item: (-item[0], order[item[1]]))
    return explain(items)


@cache
def _weight_of() -> dict[str, float]:
    """The weight `WEIGHTS.of` gives each reason a penalty shows (the default weights, as
    `penalties_of` uses)."""
    unknown = Finding("", Status.UNKNOWN, Severity.INFO, Text("", ""))
    found = {WEIGHTS.of(unknown)[0]: WEIGHTS.of(unknown)[1]}
    for severity in Severity:
        failed = Finding("", Status.FAIL, severity, Text("", ""))
        why, weight = WEIGHTS.of(failed)
        found[why] = weight
    return found


@cache
def _converting() -> frozenset[str]:
    """The rules that can convert the model's price (through the assessment's rates): those
    reading the price or declaring no uses. The batch engine relies on the same: a rule whose
    declared uses leave out the price is shared across models of any price."""
    rules_reading("")  # loads the rule library
    return frozenset(r.id for r in RULES.values() if r.uses is None or "price" in r.uses)


@cache
def _order() -> dict[str, int]:
    return {rule_id: number for number, rule_id in enumerate(RULES)}
