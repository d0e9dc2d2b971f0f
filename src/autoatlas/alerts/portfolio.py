"""Portfolio-aware alerts: re-assess only the (model, market) pairs a change can move.

A change to a property that no rule reads (rules_reading) and the landed cost does not read
moves no assessment. Otherwise every portfolio entry whose market is the changed one, or
inherits from it (a subdivision's country, a member's bloc), is assessed twice on the same
date: as known just before the change set was published and as known right after it. An
alert is raised when the findings differ: a new or cleared blocker, a duty or tax rate up or
down, or the landed price moved by more than a threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from autoatlas.alerts.matching import Severity
from autoatlas.assess.assessment import Assessment, assess_with_facts
from autoatlas.assess.landed_cost import READS as COST_READS
from autoatlas.assess.rates import Rates
from autoatlas.rules.engine import rules_reading
from autoatlas.store import queries
from autoatlas.store.queries import FactFilter
from autoatlas.vehicles.spec import VehicleSpec, parse_spec
from autoatlas.vocabulary import load_vocabulary

__all__ = [
    "RATE_PROPERTIES",
    "AssessmentChange",
    "Portfolio",
    "PortfolioPair",
    "StorePortfolio",
    "compare_assessments",
    "moves_assessments",
    "reassess",
]

# Read through the exchange rates wherever a price is converted: a change to one of these in
# any market can move a pair in any market.
RATE_PROPERTIES = frozenset({"trade.currency", "trade.exchange_rate.usd"})
PRICE_THRESHOLD_PERCENT = Decimal("1.0")  # landed price moves smaller than this are not alerts
_TAX_LINES = ("mfn_duty", "additional_duty", "excise", "luxury_tax", "vat", "registration")


@dataclass(frozen=True, slots=True)
class PortfolioPair:
    organization_id: int
    model: VehicleSpec
    market: str


class Portfolio(Protocol):
    """Where portfolio entries come from (the vehicles store, or a test's list)."""

    def pairs(self, connection: Connection, on: date) -> list[PortfolioPair]: ...


class StorePortfolio:
    """Every organization's portfolio entries valid on a date, read from the vehicles store."""

    def pairs(self, connection: Connection, on: date) -> list[PortfolioPair]:
        from autoatlas.store import accounts
        from autoatlas.store import vehicles as store

        found: list[PortfolioPair] = []
        for org in accounts.list_organizations(connection):
            entries = store.list_portfolio(connection, organization_id=org.id, on=on)
            if not entries:
                continue
            models = {m.id: m for m in store.list_models(connection, organization_id=org.id)}
            for entry in entries:
                row = models.get(entry.model_id)
                if row is not None:
                    spec = parse_spec(row.spec, f"vehicle_model:{row.slug}")
                    found.append(PortfolioPair(org.id, spec, entry.market))
        return found


@cache
def _statistics() -> frozenset[str]:
    return frozenset(p.id for p in load_vocabulary().properties.values() if p.statistic)


def moves_assessments(prop: str) -> bool:
    """Whether a change to `prop` can change an assessment (the rules' declared reads)."""
    return bool(rules_reading(prop)) or prop in COST_READS or prop in RATE_PROPERTIES


@dataclass(slots=True)
class AssessmentChange:
    """What changed in one model's assessment in one market, before and after."""

    severity: Severity
    changes: list[dict[str, Any]] = field(default_factory=list)
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)


def _summary(assessment: Assessment) -> dict[str, Any]:
    total = assessment.cost.total
    return {
        "score": assessment.score,
        "blockers": sorted(f.rule for f in assessment.blockers),
        "rates": {line.key: line.rate for line in assessment.cost.lines if line.key in _TAX_LINES},
        "landed_price": None if total is None else str(total),
        "currency": assessment.cost.currency,
    }


def compare_assessments(
    before: Assessment, after: Assessment, *, threshold: Decimal = PRICE_THRESHOLD_PERCENT
) -> AssessmentChange | None:
    """The alert-worthy differences between two assessments, or None (pure)."""
    old, new = _summary(before), _summary(after)
    changes: list[dict[str, Any]] = []
    severities: list[Severity] = []
    messages = {f.rule: f.message.en for f in after.blockers}
    messages_before = {f.rule: f.message.en for f in before.blockers}
    for rule in sorted(set(new["blockers"]) - set(old["blockers"])):
        changes.append({"change": "new_blocker", "rule": rule, "message": messages[rule]})
        severities.append(Severity.BLOCKER)
    for rule in sorted(set(old["blockers"]) - set(new["blockers"])):
        changes.append(
            {"change": "cleared_blocker", "rule": rule, "message": messages_before[rule]}
        )
        severities.append(Severity.MAJOR)
    for key in _TAX_LINES:
        was, now = old["rates"].get(key), new["rates"].get(key)
        if was == now:
            continue
        up = (now or 0.0) > (was or 0.0)
        changes.append(
            {"change": "rate_up" if up else "rate_down", "line": key, "before": was, "after": now}
        )
        severities.append(Severity.MAJOR if up else Severity.MINOR)
    was_price, now_price = old["landed_price"], new["landed_price"]
    if was_price is not None and now_price is not None and Decimal(was_price) > 0:
        moved = (Decimal(now_price) - Decimal(was_price)) / Decimal(was_price) * 100
        if abs(moved) > threshold:
            changes.append(
                {
                    "change": "landed_price_up" if moved > 0 else "landed_price_down",
                    "before": was_price,
                    "after": now_price,
                    "percent": str(moved.quantize(Decimal("0.01"))),
                }
            )
            severities.append(Severity.MAJOR if moved > 0 else Severity.MINOR)
    if not changes:
        return None
    return AssessmentChange(min(severities), changes, old, new)


def _rates(connection: Connection, on: date, known_at: datetime) -> Rates:
    found = queries.facts(
        connection,
        FactFilter(
            properties=["trade.currency", "trade.exchange_rate.usd"],
            as_of=on,
            known_at=known_at,
            statistics=_statistics(),
        ),
    )
    return Rates.from_facts(
        [f for f in found if f.property == "trade.currency"],
        [f for f in found if f.property == "trade.exchange_rate.usd"],
    )


def _assess_known_at(
    connection: Connection, pair: PortfolioPair, on: date, known_at: datetime
) -> Assessment:
    facts = queries.profile(
        connection,
        pair.market,
        as_of=on,
        known_at=known_at,
        viewer_org_id=pair.organization_id,
        statistics=_statistics(),
    )
    return assess_with_facts(pair.model, pair.market, on, facts, _rates(connection, on, known_at))


def affected_pairs(
    connection: Connection,
    pairs: Iterable[PortfolioPair],
    *,
    market: str,
    scope: str,
    on: date,
    prop: str = "",
) -> list[PortfolioPair]:
    """The pairs whose market is `market` or inherits from it (every pair for an exchange
    rate or a currency); a private change only its organization's."""
    owner = int(scope[4:]) if scope.startswith("org:") else None
    everywhere = prop in RATE_PROPERTIES
    chains: dict[str, list[str]] = {}
    found = []
    for pair in pairs:
        if owner is not None and pair.organization_id != owner:
            continue
        if everywhere:
            found.append(pair)
            continue
        chain = chains.get(pair.market)
        if chain is None:
            chain = chains[pair.market] = queries.inheritance_chain(connection, pair.market, on)
        if market in chain:
            found.append(pair)
    return found


def reassess(
    connection: Connection,
    pairs: Sequence[PortfolioPair],
    *,
    published_at: datetime,
    on: date,
    threshold: Decimal = PRICE_THRESHOLD_PERCENT,
) -> list[tuple[PortfolioPair, AssessmentChange]]:
    """Assess each pair as known just before and right after a publication at `published_at`."""
    before_at = published_at - timedelta(microseconds=1)
    found = []
    for pair in pairs:
        before = _assess_known_at(connection, pair, on, before_at)
        after = _assess_known_at(connection, pair, on, published_at)
        change = compare_assessments(before, after, threshold=threshold)
        if change is not None:
            found.append((pair, change))
    return found
