"""Landed cost: from the model's price through duties and taxes to the customer price.

Each line cites the facts it used. Rates are facts valid on the assessment date; a missing
rate is a line marked unknown, never a silent zero. Bases, simplified and documented in
docs/assessment.md: duties on the customs value (CIF), excise on value + duties, luxury tax
on the part of the price above its threshold, VAT and registration tax on value + duties +
excise (+ luxury tax for VAT), incentives subtracted when the price is under their cap.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from decimal import Context as DecimalContext
from functools import cache
from typing import Any, NamedTuple

from autoatlas.assess.rates import Rates
from autoatlas.domain.facts import Fact
from autoatlas.rules.engine import Context, FactIndex, Rule
from autoatlas.rules.library.trade import ADDITIONAL_DUTY, additional_duty_fact
from autoatlas.vehicles.spec import VehicleSpec

__all__ = [
    "INCENTIVE_FIELDS",
    "INCENTIVE_READS",
    "MFN_DUTY",
    "PARTS",
    "CostLine",
    "CostPlan",
    "LandedCost",
    "Part",
    "cost_plan",
    "cost_reads",
    "incentive_terms",
    "parts_reading",
    "plan_for",
    "price_gross",
    "price_out",
    "same_gross",
    "with_incentive",
    "with_parts",
]

MFN_DUTY = {
    "BEV": "trade.import_duty.passenger_bev",
    "FCEV": "trade.import_duty.passenger_bev",
    "PHEV": "trade.import_duty.passenger_phev",
    "EREV": "trade.import_duty.passenger_phev",
    "HEV": "trade.import_duty.passenger_ice",
    "ICE": "trade.import_duty.passenger_ice",
}
FTA_DUTY = {
    "BEV": "trade.fta_china.duty.passenger_bev",
    "FCEV": "trade.fta_china.duty.passenger_bev",  # as MFN_DUTY: a fuel-cell car is electric
    "PHEV": "trade.fta_china.duty.passenger_phev",
    "EREV": "trade.fta_china.duty.passenger_phev",
    "HEV": "trade.fta_china.duty.passenger_ice",
    "ICE": "trade.fta_china.duty.passenger_ice",
}
READS = (
    "trade.currency",
    *set(MFN_DUTY.values()),
    *set(FTA_DUTY.values()),
    "trade.fta_china.in_force",
    "trade.additional_duty.passenger_bev",
    "trade.additional_duty.passenger_phev",
    "trade.additional_duty.passenger_all",
    "trade.excise.passenger_rate",
    "trade.luxury_tax.threshold",
    "trade.luxury_tax.rate",
    "trade.vat.rate",
    "trade.registration_tax.rate",
    "policy.ev_incentive.amount",
    "policy.ev_incentive.price_cap",
)
_CENT = Decimal("0.01")
_ZERO = Decimal(0)


class CostLine(NamedTuple):
    """One line of a landed cost. Immutable (lines are shared between a model's costs before
    and after a change); a named tuple because a matrix re-prices thousands of models per
    change and a frozen dataclass costs three times as much to build."""

    key: str  # price, mfn_duty, additional_duty, excise, luxury_tax, vat, registration, incentive
    label: str
    rate: float | None  # percent, when the line is a rate
    amount: Decimal | None  # in the market currency; None when unknown
    facts: tuple[Fact, ...] = ()
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "rate": self.rate,
            "amount": None if self.amount is None else str(self.amount),
            "note": self.note,
            "facts": [f.id for f in self.facts],
        }


@dataclass(slots=True)
class LandedCost:
    currency: str
    lines: list[CostLine] = field(default_factory=list)
    model_currency: str = ""
    total_in_model_currency: Decimal | None = None

    @property
    def total(self) -> Decimal | None:
        if any(line.amount is None for line in self.lines if line.key in ("price",)):
            return None
        return sum((line.amount or Decimal(0) for line in self.lines), Decimal(0)).quantize(_CENT)

    @property
    def complete(self) -> bool:
        return all(line.amount is not None for line in self.lines)

    def line(self, key: str) -> CostLine | None:
        return next((line for line in self.lines if line.key == key), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "lines": [line.as_dict() for line in self.lines],
            "total": None if self.total is None else str(self.total),
            "complete": self.complete,
            "model_currency": self.model_currency,
            "total_in_model_currency": (
                None if self.total_in_model_currency is None else str(self.total_in_model_currency)
            ),
        }


def _money(value: Decimal) -> Decimal:
    return _half_up(value, _CENT)


# To the cent, half up: a context's own quantize is twice as fast as `value.quantize(...,
# rounding=...)` (no keyword to parse), and it has the default precision and traps.
_half_up = DecimalContext(rounding=ROUND_HALF_UP).quantize


@dataclass(frozen=True, slots=True)
class CostPlan:
    """The facts a landed cost uses for one kind of vehicle in one market: they depend on
    the model only through its powertrain, whether it is built in China, and the vehicle
    qualifiers the market's facts are narrowed by. A matrix reads them once per such kind
    and prices each model with `price_out`."""

    currency: Fact | None
    duty: Fact | None
    duty_label: str
    additional: Fact | None
    excise: Fact | None
    luxury_threshold: Fact | None
    luxury_rate: Fact | None
    vat: Fact | None
    registration: Fact | None
    incentive: Fact | None
    incentive_cap: Fact | None


def cost_plan(ctx: Context) -> CostPlan:
    """The facts of the landed cost of ctx.model in ctx.market (ctx must allow READS)."""
    return CostPlan(*[value for part in PARTS for value in part.look_up(ctx)])


def with_parts(plan: CostPlan, found: dict[str, Any]) -> CostPlan:
    """`plan` after a change, with the fields in `found` (the look-ups of the parts reading
    the changed properties, by field name; the others' records cannot have moved): `plan`
    itself when they are the records it has."""
    changes = {
        name: value for name, value in found.items() if not _same(value, getattr(plan, name))
    }
    return replace(plan, **changes) if changes else plan


@cache
def parts_reading(props: frozenset[str]) -> tuple[Part, ...]:
    """The parts of a plan reading any of `props`, in plan order."""
    return tuple(part for part in PARTS if not part.reads.isdisjoint(props))


def same_gross(plan: CostPlan, other: CostPlan, fields: Collection[str]) -> bool:
    """Whether plans that differ in no field but `fields` (`with_parts` of one from the
    other) give every model the same `price_gross`: the same records but the incentive's,
    which only `with_incentive` reads."""
    return all(
        _same(getattr(plan, name), getattr(other, name))
        for name in fields
        if name not in INCENTIVE_FIELDS
    )


def _same(value: Any, other: Any) -> bool:
    """The same record (facts by identity: two records of equal value cite other sources),
    or the same label."""
    return value is other or (isinstance(value, str) and value == other)


def _duty(ctx: Context) -> tuple[Fact | None, str]:
    """The import duty and its label: the FTA's rate for a Chinese-built model where the
    agreement is in force and its rate is lower, else the MFN rate."""
    model = ctx.model
    mfn = ctx.fact(MFN_DUTY[model.powertrain])
    if model.origin == "CN":
        in_force = ctx.fact("trade.fta_china.in_force")
        preferential = ctx.fact(FTA_DUTY[model.powertrain]) if in_force and in_force.value else None
        if preferential is not None and (mfn is None or preferential.value < mfn.value):
            return preferential, "Import duty (FTA with China)"
    return mfn, "Import duty (MFN)"


def _one(prop: str) -> Callable[[Context], tuple[Fact | None]]:
    return lambda ctx: (ctx.fact(prop),)


# The facts the incentive line reads (an electric model's only), last: nothing before it
# (`price_gross`) reads them. The plan's fields they fill:
INCENTIVE_READS = frozenset(("policy.ev_incentive.amount", "policy.ev_incentive.price_cap"))
INCENTIVE_FIELDS = frozenset(("incentive", "incentive_cap"))


class Part(NamedTuple):
    """Fields of a cost plan looked up together: the properties they read, their names in
    the plan, and the look-up. It depends on the model only through its powertrain, whether
    it is built in China and the vehicle qualifiers its properties' facts are narrowed by,
    as the plan does; a context whose rule is `rule` lets it read nothing but `reads`."""

    reads: frozenset[str]
    names: tuple[str, ...]
    look_up: Callable[[Context], tuple[Any, ...]]
    rule: Rule


def _part(
    reads: frozenset[str], names: tuple[str, ...], look_up: Callable[[Context], tuple[Any, ...]]
) -> Part:
    return Part(reads, names, look_up, Rule("assess.landed_cost", "Landed cost", tuple(reads), _no))


def _no(_ctx: Context) -> tuple[()]:
    return ()


# A cost plan's fields by part, in their order, each part with the properties it reads and
# how it is looked up: `cost_plan` looks up every part, `batch.cost_plans_after` those a
# change reads.
# Checked against READS and CostPlan's fields by tests/assess/test_cost_reads.py.
PARTS: tuple[Part, ...] = (
    _part(frozenset({"trade.currency"}), ("currency",), _one("trade.currency")),
    _part(
        frozenset({*MFN_DUTY.values(), *FTA_DUTY.values(), "trade.fta_china.in_force"}),
        ("duty", "duty_label"),
        _duty,
    ),
    _part(
        frozenset({*ADDITIONAL_DUTY.values(), "trade.additional_duty.passenger_all"}),
        ("additional",),
        lambda ctx: (additional_duty_fact(ctx),),
    ),
    _part(
        frozenset({"trade.excise.passenger_rate"}),
        ("excise",),
        _one("trade.excise.passenger_rate"),
    ),
    _part(
        frozenset({"trade.luxury_tax.threshold"}),
        ("luxury_threshold",),
        _one("trade.luxury_tax.threshold"),
    ),
    _part(frozenset({"trade.luxury_tax.rate"}), ("luxury_rate",), _one("trade.luxury_tax.rate")),
    _part(frozenset({"trade.vat.rate"}), ("vat",), _one("trade.vat.rate")),
    _part(
        frozenset({"trade.registration_tax.rate"}),
        ("registration",),
        _one("trade.registration_tax.rate"),
    ),
    _part(
        INCENTIVE_READS,
        ("incentive", "incentive_cap"),
        lambda ctx: (
            ctx.fact("policy.ev_incentive.amount"),
            ctx.fact("policy.ev_incentive.price_cap"),
        ),
    ),
)


# What the landed cost is allowed to read, as a rule's context sees it.
_COST_RULE = Rule("assess.landed_cost", "Landed cost", READS, _no)


def plan_for(
    model: VehicleSpec,
    market: str,
    on: date,
    facts: list[Fact],
    index: FactIndex,
    vehicle: dict[str, str],
) -> CostPlan:
    """`cost_plan` of `model` in `market` on `on`, over the market's facts (`index`:
    index_facts(facts); `vehicle`: vehicle_qualifiers(model))."""
    context = Context(
        model=model,
        market=market,
        on=on,
        facts=facts,
        rule=_COST_RULE,
        index=index,
        vehicle=vehicle,
    )
    return cost_plan(context)


def _percent(fact: Fact) -> Decimal:
    return Decimal(str(fact.value))


def price_out(
    plan: CostPlan, model: VehicleSpec, rates: Rates, fixed: dict[str, Any] | None = None
) -> LandedCost:
    """The model's price through the plan's duties and taxes to the customer price.
    `fixed`, a dict a caller keeps for one plan and rate table, holds what does not depend
    on the price (the rates as Decimals, the threshold and incentive converted): those
    conversions come after the customs-value line, which alone cites exchange rates."""
    currency_fact = plan.currency
    currency = currency_fact.value if currency_fact else model.price.currency
    cost = LandedCost(currency=currency, model_currency=model.price.currency)
    value = rates.convert(model.price.amount, model.price.currency, currency)
    price_facts = tuple(f for f in (currency_fact, *rates.used) if f is not None)
    if value is None:
        cost.lines.append(
            CostLine(
                "price",
                "Customs value",
                None,
                None,
                price_facts,
                f"no exchange rate from {model.price.currency} to {currency}",
            )
        )
        return cost
    known = _known(plan, currency, rates, fixed)
    value = _money(value)
    lines = cost.lines
    basis_note = (
        None
        if model.price_basis == "CIF"
        else (f"price is {model.price_basis}: freight and insurance are not included")
    )
    lines.append(CostLine("price", "Customs value", None, value, price_facts, basis_note))
    duties = _percent_line(lines, "mfn_duty", plan.duty_label, plan.duty, known.duty, value)
    if plan.additional is not None:
        duties += _percent_line(
            lines, "additional_duty", "Additional duty", plan.additional, known.additional, value
        )
    excise = _percent_line(lines, "excise", "Excise tax", plan.excise, known.excise, value + duties)
    luxury = _ZERO
    if known.luxury is not None and value > known.luxury[0]:
        limit, rate = known.luxury
        luxury_rate = plan.luxury_rate
        assert luxury_rate is not None and plan.luxury_threshold is not None
        luxury = _money((value - limit) * rate / 100)
        lines.append(
            CostLine(
                "luxury_tax",
                "Luxury tax",
                float(luxury_rate.value),
                luxury,
                (plan.luxury_threshold, luxury_rate),
            )
        )
    taxed = value + duties + excise
    gross = taxed + luxury
    gross += _percent_line(lines, "vat", "VAT / GST", plan.vat, known.vat, taxed + luxury)
    if plan.registration is not None:
        gross += _percent_line(
            lines, "registration", "Registration tax", plan.registration, known.registration, taxed
        )
    _finish(cost, plan, model, rates, known, gross)
    return cost


def _percent_line(
    lines: list[CostLine],
    key: str,
    label: str,
    fact: Fact | None,
    rate: Decimal | None,
    base: Decimal,
) -> Decimal:
    """Append a rate's line (unknown without its fact); its amount, 0 when unknown."""
    if fact is None or rate is None:
        lines.append(CostLine(key, label, None, None, (), f"no fact: {label}"))
        return _ZERO
    amount = _money(base * rate / 100)
    lines.append(CostLine(key, label, float(fact.value), amount, (fact,)))
    return amount


def _finish(
    cost: LandedCost,
    plan: CostPlan,
    model: VehicleSpec,
    rates: Rates,
    known: _Fixed,
    gross: Decimal,
) -> None:
    """The incentive line (the last one) and the total in the model's currency; `gross` is
    the sum of the lines so far (the customs value is known)."""
    lines = cost.lines
    if known.incentive is not None and model.powertrain in _ELECTRIC:
        grant, limit = known.incentive
        facts = tuple(f for f in (plan.incentive, plan.incentive_cap) if f is not None)
        if grant is not None and (limit is None or gross <= limit):
            amount = -grant
            lines.append(CostLine("incentive", "Purchase incentive", None, amount, facts))
            gross += amount
    back = rates.convert(gross.quantize(_CENT), cost.currency, model.price.currency)
    cost.total_in_model_currency = None if back is None else _money(back)


@cache
def cost_reads(powertrain: str, origin: str) -> frozenset[str]:
    """Every property the landed cost of a model of this powertrain and origin can read
    (`cost_plan`, and the incentive line for an electric one); a change to any other leaves
    its cost as it was, exchange rates aside. Checked against `cost_plan`'s reads by test
    (tests/assess/test_cost_reads.py)."""
    found = {
        "trade.currency",
        MFN_DUTY[powertrain],
        "trade.additional_duty.passenger_all",
        "trade.excise.passenger_rate",
        "trade.luxury_tax.threshold",
        "trade.luxury_tax.rate",
        "trade.vat.rate",
        "trade.registration_tax.rate",
    }
    if origin == "CN":
        found |= {"trade.fta_china.in_force", FTA_DUTY[powertrain]}
    if powertrain in ADDITIONAL_DUTY:
        found.add(ADDITIONAL_DUTY[powertrain])
    if powertrain in _ELECTRIC:
        found |= INCENTIVE_READS
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class _Fixed:
    """What a plan's pricing does not owe to the model's price, in one currency: the rates as
    Decimals and the luxury threshold and incentive converted (None: no such line)."""

    duty: Decimal | None
    additional: Decimal | None
    excise: Decimal | None
    luxury: tuple[Decimal, Decimal] | None  # limit, rate
    vat: Decimal | None
    registration: Decimal | None
    incentive: tuple[Decimal | None, Decimal | None] | None  # grant, limit


def _fixed(plan: CostPlan, currency: str, rates: Rates) -> _Fixed:
    def rate(fact: Fact | None) -> Decimal | None:
        return None if fact is None else _percent(fact)

    luxury = None
    threshold, luxury_rate = plan.luxury_threshold, plan.luxury_rate
    if threshold is not None and luxury_rate is not None:
        limit = rates.convert(
            Decimal(threshold.value["amount"]), threshold.value["currency"], currency
        )
        luxury = None if limit is None else (limit, _percent(luxury_rate))
    return _Fixed(
        rate(plan.duty),
        rate(plan.additional),
        rate(plan.excise),
        luxury,
        rate(plan.vat),
        rate(plan.registration),
        incentive_terms(plan, currency, rates),
    )


def incentive_terms(
    plan: CostPlan, currency: str, rates: Rates
) -> tuple[Decimal | None, Decimal | None] | None:
    """The plan's incentive in `currency`: its grant in cents and the price up to which it
    is given (None: no cap, or no exchange rate for it; a grant of None: no exchange rate
    for it); None without an incentive. It depends on the incentive's records alone."""
    if plan.incentive is None:
        return None
    grant = rates.convert(
        Decimal(plan.incentive.value["amount"]), plan.incentive.value["currency"], currency
    )
    grant = None if grant is None else _money(grant)
    cap = plan.incentive_cap
    ceiling = (
        None
        if cap is None
        else rates.convert(Decimal(cap.value["amount"]), cap.value["currency"], currency)
    )
    return grant, ceiling


_ELECTRIC = frozenset(("BEV", "PHEV", "EREV", "FCEV"))


def price_gross(
    plan: CostPlan, model: VehicleSpec, rates: Rates, fixed: dict[str, Any] | None = None
) -> tuple[Decimal | None, bool, str]:
    """`price_out(plan, model, rates)`'s customer price before the incentive, without its
    lines (a matrix row needs only the total): the same arithmetic in the same order; None
    without an exchange rate for the price, then whether it is complete, and the currency.
    `with_incentive` gives the total from it. `fixed`, a dict kept by the caller for one
    plan and rate table, holds what does not depend on the price. It reads none of the
    incentive's facts (`INCENTIVE_READS`), so a change to those alone leaves it as it was.
    Equal to price_out's by test (tests/assess/test_matrix_cells.py)."""
    currency_fact = plan.currency
    currency = currency_fact.value if currency_fact else model.price.currency
    price = model.price
    value = rates.convert(price.amount, price.currency, currency)
    if value is None:
        return None, False, currency
    known = _known(plan, currency, rates, fixed)
    value = _money(value)
    complete = True
    if known.duty is None:
        complete, duties = False, Decimal(0)
    else:
        duties = _money(value * known.duty / 100)
    gross = value + duties
    if known.additional is not None:
        extra = _money(value * known.additional / 100)
        duties += extra
        gross += extra
    if known.excise is None:
        complete, excise = False, Decimal(0)
    else:
        excise = _money((value + duties) * known.excise / 100)
    gross += excise
    luxury = Decimal(0)
    if known.luxury is not None and value > known.luxury[0]:
        luxury = _money((value - known.luxury[0]) * known.luxury[1] / 100)
        gross += luxury
    taxed = value + duties + excise
    if known.vat is None:
        complete = False
    else:
        gross += _money((taxed + luxury) * known.vat / 100)
    if known.registration is not None:
        gross += _money(taxed * known.registration / 100)
    return gross.quantize(_CENT), complete, currency


def with_incentive(
    model: VehicleSpec,
    gross: tuple[Decimal | None, bool, str],
    terms: tuple[Decimal | None, Decimal | None] | None,
) -> tuple[Decimal | None, bool, str]:
    """The landed total from `price_gross`'s (in cents) and the plan's `incentive_terms` in
    its currency: less the grant (in cents: so is the difference) where the model gets it,
    `gross` itself where it does not."""
    amount, complete, currency = gross
    if amount is None or terms is None or model.powertrain not in _ELECTRIC:
        return gross
    grant, limit = terms
    if grant is None or (limit is not None and amount > limit):
        return gross
    return amount - grant, complete, currency


def _known(plan: CostPlan, currency: str, rates: Rates, fixed: dict[str, Any] | None) -> _Fixed:
    if fixed is None:
        return _fixed(plan, currency, rates)
    known = fixed.get(currency)
    if known is None:
        known = fixed[currency] = _fixed(plan, currency, rates)
    return known
