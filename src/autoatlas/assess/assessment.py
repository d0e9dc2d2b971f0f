"""One model in one market on one date: every rule's findings, the landed cost, a fit score
that explains itself, and the facts and sources behind all of it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from autoatlas.assess.landed_cost import LandedCost, plan_for, price_out
from autoatlas.assess.rates import RATE_PROPERTIES, Rates
from autoatlas.assess.scoring import fit_score, penalties_of
from autoatlas.domain.facts import Fact
from autoatlas.gcpause import cyclic_gc_paused
from autoatlas.rules.engine import (
    FactIndex,
    Finding,
    index_facts,
    run_rules,
    vehicle_qualifiers,
)
from autoatlas.rules.memo import Memo
from autoatlas.store import queries
from autoatlas.store.bulk_profiles import bulk_profiles
from autoatlas.store.queries import FactFilter
from autoatlas.vehicles.spec import VehicleSpec
from autoatlas.vocabulary import load_vocabulary

if TYPE_CHECKING:
    from autoatlas.assess.batch import MarketBatch, MatrixCell

__all__ = [
    "Assessment",
    "assess",
    "assess_with_facts",
    "load_rates",
    "matrix",
    "matrix_cells",
    "penalties_of",
]


@dataclass(slots=True)
class Assessment:
    model: VehicleSpec
    market: str
    on: date
    findings: list[Finding]
    cost: LandedCost
    penalties: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def score(self) -> int:
        return fit_score(self.penalties)

    @property
    def blockers(self) -> list[Finding]:
        return [f for f in self.findings if f.blocks]

    def sources(self) -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        for finding in self.findings:
            for fact in finding.facts:
                for source in fact.sources:
                    seen.setdefault(source.digest, source.as_dict())
        for line in self.cost.lines:
            for fact in line.facts:
                for source in fact.sources:
                    seen.setdefault(source.digest, source.as_dict())
        return list(seen.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model.id,
            "market": self.market,
            "on": self.on.isoformat(),
            "score": self.score,
            "penalties": [{"rule": r, "why": w, "points": p} for r, w, p in self.penalties],
            "findings": [f.as_dict() for f in self.findings],
            "landed_cost": self.cost.as_dict(),
            "sources": self.sources(),
        }


@cache
def statistic_properties() -> frozenset[str]:
    """The packaged vocabulary's statistics (`Vocabulary.statistics`), worked out once."""
    return load_vocabulary().statistics()


def load_rates(connection: Connection, on: date, *, known_at: datetime | None = None) -> Rates:
    """The currencies and rates on `on` (as known at `known_at`, default now); a rate is a
    period figure (a statistic), so past its period the latest one still converts, as a
    profile shows it."""
    found = queries.facts(
        connection,
        FactFilter(
            properties=sorted(RATE_PROPERTIES),
            as_of=on,
            known_at=known_at,
            statistics=statistic_properties(),
        ),
    )
    return Rates.from_facts(
        [f for f in found if f.property == "trade.currency"],
        [f for f in found if f.property == "trade.exchange_rate.usd"],
    )


def assess_with_facts(
    model: VehicleSpec,
    market: str,
    on: date,
    facts: list[Fact],
    rates: Rates,
    *,
    index: FactIndex | None = None,
    memo: Memo | None = None,
) -> Assessment:
    """The pure part: rules and landed cost over facts already read. A caller assessing
    many models in one market passes `index` (index_facts(facts)) and a `memo` (a dict)
    made once for that market, date, facts and rates (see rules.memo)."""
    # A fresh record of the rates used: a matrix shares one table across assessments, and
    # each assessment cites only the rates it converted with.
    rates = Rates(per_usd=rates.per_usd)
    if index is None:
        index = index_facts(facts)
    findings = list(
        run_rules(model, market, on, facts, converter=rates.convert, index=index, memo=memo)
    )
    plan = plan_for(model, market, on, facts, index, vehicle_qualifiers(model))
    cost = price_out(plan, model, rates)
    return Assessment(model, market, on, findings, cost, penalties_of(findings))


def assess(
    connection: Connection,
    model: VehicleSpec,
    market: str,
    on: date,
    *,
    viewer_org_id: int | None = None,
    rates: Rates | None = None,
) -> Assessment:
    facts = queries.profile(
        connection, market, as_of=on, viewer_org_id=viewer_org_id, statistics=statistic_properties()
    )
    return assess_with_facts(model, market, on, facts, rates or load_rates(connection, on))


def matrix(
    connection: Connection,
    models: Sequence[VehicleSpec],
    markets: Sequence[str],
    on: date,
    *,
    viewer_org_id: int | None = None,
) -> list[Assessment]:
    """Every model in every market, best fit first: the markets' facts read in one go
    (store.bulk_profiles) and each market's models assessed together (assess.batch), with
    the answers of `assess` for each pair. A caller that shows only scores, penalties and
    landed totals uses `matrix_cells`, which builds the full assessments only on demand."""
    results: list[Assessment] = []
    with cyclic_gc_paused():
        for batch in _batches(connection, models, markets, on, viewer_org_id):
            results += batch.assessments()
        results.sort(key=lambda a: (-a.score, a.model.id, a.market))
    return results


def matrix_cells(
    connection: Connection,
    models: Sequence[VehicleSpec],
    markets: Sequence[str],
    on: date,
    *,
    viewer_org_id: int | None = None,
) -> list[MatrixCell]:
    """`matrix`, compact: per pair the fit score, its penalties, the failed blockers and the
    landed total (assess.batch.MatrixCell), in the same order; `cell.assessment()` is the
    pair's full assessment, equal to `matrix`'s."""
    results: list[MatrixCell] = []
    with cyclic_gc_paused():
        for batch in _batches(connection, models, markets, on, viewer_org_id):
            results += batch.cells()
        results.sort(key=lambda c: (-c.score, c.model.id, c.market))
    return results


def _batches(
    connection: Connection,
    models: Sequence[VehicleSpec],
    markets: Sequence[str],
    on: date,
    viewer_org_id: int | None,
) -> Iterator[MarketBatch]:
    """Each market's models assessed together, the facts of all markets read first."""
    from autoatlas.assess.batch import MarketBatch, ModelSet  # batch builds on this module

    rates = load_rates(connection, on)
    profiles = bulk_profiles(
        connection,
        markets,
        as_of=on,
        viewer_org_id=viewer_org_id,
        statistics=statistic_properties(),
    )
    chosen = ModelSet.of(models)
    for market in markets:
        yield MarketBatch.of(chosen, market, on, profiles[market], rates)
