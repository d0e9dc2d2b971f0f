"""Many models in one market at once: the portfolio matrix's engine.

The answers are those of `assess_with_facts` for each model, computed with less work:
- a rule declares the model fields it reads (`uses`), so within a market its findings are a
  function of the model's projection on those fields and of the vehicle qualifiers that the
  market's facts of the rule's properties are narrowed by: each rule runs once per distinct
  projection, and every other model with that projection shares the (immutable) findings,
  the exchange-rate facts the run converted with, and what they cost the fit score;
- the landed cost's facts are looked up once per kind of vehicle (`cost_plan`): powertrain,
  built in China or not, and the narrowing qualifiers; only the amounts are per model.
Rules that declare no `uses` are run per model through the recording memo (rules.memo).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from autoatlas.assess.assessment import _COST_RULE, Assessment
from autoatlas.assess.landed_cost import READS, CostPlan, cost_plan, price_out
from autoatlas.assess.rates import Rates
from autoatlas.assess.scoring import Counted, counted, explain
from autoatlas.domain.facts import Fact
from autoatlas.rules.engine import (
    RULES,
    Context,
    FactIndex,
    Finding,
    Rule,
    index_facts,
    projection,
    run_rules,
    vehicle_qualifiers,
)
from autoatlas.rules.memo import Memo
from autoatlas.vehicles.spec import VehicleSpec

__all__ = ["ModelSet", "assess_market", "rule_column"]

_VEHICLE_KEYS = frozenset(("origin", "maker", "powertrain", "vehicle_class"))
# What one rule gives one model: findings, the exchange-rate facts it converted with, and
# the findings that cost fit-score points (scoring.counted).
_Entry = tuple[tuple[Finding, ...], tuple[Fact, ...], tuple[Counted, ...]]
_NOTHING: _Entry = ((), (), ())


@dataclass(slots=True)
class ModelSet:
    """The models with what every market needs of them, computed once for all markets:
    their vehicle qualifiers and each declaring rule's projection of them."""

    models: Sequence[VehicleSpec]
    vehicles: list[dict[str, str]]
    projections: dict[str, list[tuple[Any, ...]]]

    @classmethod
    def of(cls, models: Sequence[VehicleSpec]) -> ModelSet:
        _load_rules()
        projections = {}
        for item in RULES.values():
            if item.uses is not None:
                project = projection(item)
                projections[item.id] = [project(model) for model in models]
        return cls(models, [vehicle_qualifiers(m) for m in models], projections)


def _load_rules() -> None:
    from autoatlas.rules.engine import _load_library

    _load_library()


def _narrowing(index: FactIndex, reads: Sequence[str]) -> tuple[str, ...]:
    """The vehicle qualifiers the market's facts of `reads` are narrowed by."""
    found = {
        key
        for prop in reads
        for fact in index.get(prop, ())
        for key in fact.qualifiers
        if key in _VEHICLE_KEYS
    }
    return tuple(sorted(found))


def assess_market(
    models: ModelSet, market: str, on: date, facts: list[Fact], rates: Rates
) -> list[Assessment]:
    """`assess_with_facts(model, market, on, facts, rates)` for every model, in order."""
    index = index_facts(facts)
    count = len(models.models)
    columns: list[list[_Entry]] = []
    for item in RULES.values():
        columns.append(rule_column(item, models, market, on, facts, rates, index))
    plans: dict[tuple[Any, ...], CostPlan] = {}
    narrowing = _narrowing(index, READS)
    results = []
    for i in range(count):
        model, vehicle = models.models[i], models.vehicles[i]
        findings: list[Finding] = []
        used: list[Fact] = []
        costing: list[Counted] = []
        for column in columns:
            entry = column[i]
            if entry[0] or entry[1]:
                findings += entry[0]
                used += entry[1]
                costing += entry[2]
        key = (model.powertrain, model.origin == "CN", *(vehicle[q] for q in narrowing))
        plan = plans.get(key)
        if plan is None:
            context = Context(
                model=model,
                market=market,
                on=on,
                facts=facts,
                rule=_COST_RULE,
                index=index,
                vehicle=vehicle,
            )
            plan = plans[key] = cost_plan(context)
        cost = price_out(plan, model, Rates(per_usd=rates.per_usd, used=used))
        results.append(Assessment(model, market, on, findings, cost, explain(costing)))
    return results


def rule_column(
    item: Rule,
    models: ModelSet,
    market: str,
    on: date,
    facts: list[Fact],
    rates: Rates,
    index: FactIndex,
) -> list[_Entry]:
    """One rule's findings for every model (with the rates it converted with and what the
    findings cost), in the models' order."""
    if item.uses is None:
        return _recorded(item, models, market, on, facts, rates, index)
    return _shared(item, models, market, on, facts, rates, index)


def _run(
    item: Rule,
    model: VehicleSpec,
    vehicle: dict[str, str],
    market: str,
    on: date,
    facts: list[Fact],
    rates: Rates,
    index: FactIndex,
) -> _Entry:
    if not item.applies(model):
        return _NOTHING
    record = Rates(per_usd=rates.per_usd)  # the rates this run converted with, in order
    context = Context(
        model=model,
        market=market,
        on=on,
        facts=facts,
        rule=item,
        converter=record.convert,
        index=index,
        vehicle=vehicle,
    )
    findings = tuple(item.check(context))
    return findings, tuple(record.used), tuple(counted(findings))


def _shared(
    item: Rule,
    models: ModelSet,
    market: str,
    on: date,
    facts: list[Fact],
    rates: Rates,
    index: FactIndex,
) -> list[_Entry]:
    """The rule run once per distinct projection (plus narrowing qualifiers)."""
    narrowing = _narrowing(index, item.reads)
    keys = models.projections[item.id]
    if narrowing:
        keys = [
            (key, *(vehicle[q] for q in narrowing))
            for key, vehicle in zip(keys, models.vehicles, strict=True)
        ]
    done: dict[tuple[Any, ...], _Entry] = {}
    column = []
    for i, key in enumerate(keys):
        entry = done.get(key)
        if entry is None:
            model = models.models[i]
            entry = done[key] = _run(
                item, model, models.vehicles[i], market, on, facts, rates, index
            )
        column.append(entry)
    return column


def _recorded(
    item: Rule,
    models: ModelSet,
    market: str,
    on: date,
    facts: list[Fact],
    rates: Rates,
    index: FactIndex,
) -> list[_Entry]:
    """A rule without declared uses: per model, through the recording memo."""
    memo: Memo = {}
    column = []
    for model in models.models:
        record = Rates(per_usd=rates.per_usd)
        convert: Callable[..., Any] = record.convert
        findings = tuple(
            run_rules(
                model, market, on, facts, only=[item.id], converter=convert, index=index, memo=memo
            )
        )
        column.append((findings, tuple(record.used), tuple(counted(findings))))
    return column
