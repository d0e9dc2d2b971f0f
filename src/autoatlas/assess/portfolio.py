"""Assessments for an organization: one model in one market, what-ifs, and the portfolio
matrix ranked by the explained fit score. The organization's private facts count too."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from autoatlas.assess.assessment import Assessment, assess, load_rates, matrix_cells
from autoatlas.assess.batch import MatrixCell
from autoatlas.assess.variants import (
    Change,
    VariantComparison,
    apply_changes,
    compare,
    parse_changes,
)
from autoatlas.auth.principal import Principal
from autoatlas.errors import ValidationError
from autoatlas.review.permissions import check_view_models
from autoatlas.store import queries
from autoatlas.vehicles import service
from autoatlas.vehicles.spec import VehicleSpec

__all__ = ["MatrixRow", "assess_model", "assess_variant", "assess_with_changes", "portfolio_matrix"]


def _market(connection: Connection, code: str) -> str:
    return queries.get_market(connection, code.strip().upper()).code


def assess_model(
    connection: Connection, principal: Principal, *, spec: VehicleSpec, market: str, on: date
) -> Assessment:
    """All rules and the landed cost for `spec` in `market` on `on`."""
    organization_id = check_view_models(principal)
    code = _market(connection, market)
    return assess(connection, spec, code, on, viewer_org_id=organization_id)


def assess_with_changes(
    connection: Connection,
    principal: Principal,
    *,
    spec: VehicleSpec,
    changes: Sequence[str],
    market: str,
    on: date,
) -> tuple[Assessment, VariantComparison | None]:
    """The assessment every interface shows: of the model, or of its variant when `changes`
    ("dc_connectors+=CCS2", "origin=TH") are given, with the comparison to the model."""
    if not changes:
        return assess_model(connection, principal, spec=spec, market=market, on=on), None
    comparison = assess_variant(
        connection, principal, spec=spec, changes=parse_changes(changes), market=market, on=on
    )
    return comparison.variant, comparison


def assess_variant(
    connection: Connection,
    principal: Principal,
    *,
    spec: VehicleSpec,
    changes: Sequence[Change],
    market: str,
    on: date,
) -> VariantComparison:
    """The model and its variant assessed side by side: what the changes change."""
    organization_id = check_view_models(principal)
    code = _market(connection, market)
    variant = apply_changes(spec, changes)
    rates = load_rates(connection, on)
    base = assess(connection, spec, code, on, viewer_org_id=organization_id, rates=rates)
    other = assess(connection, variant, code, on, viewer_org_id=organization_id, rates=rates)
    return compare(base, other, changes)


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """One cell of the matrix, with why it scores what it scores. The row holds what the
    matrix shows (score, penalties, blockers, landed total); `assessment`, the cell's full
    assessment, is built when first asked for."""

    cell: MatrixCell
    status: str | None  # the portfolio status (sold, planned), None outside the portfolio

    @property
    def assessment(self) -> Assessment:
        return self.cell.assessment()

    def as_dict(self) -> dict[str, Any]:
        c = self.cell
        return {
            "model": c.model.id,
            "name": c.model.name,
            "market": c.market,
            "on": c.on.isoformat(),
            "status": self.status,
            "score": c.score,
            "blockers": c.blockers,
            "penalties": [{"rule": r, "why": w, "points": p} for r, w, p in c.penalties],
            "landed_total": None if c.total is None else str(c.total),
            "currency": c.currency,
            "landed_complete": c.complete,
        }


def portfolio_matrix(
    connection: Connection,
    principal: Principal,
    *,
    on: date,
    markets: Sequence[str] | None = None,
    models: Sequence[str] | None = None,
) -> list[MatrixRow]:
    """Best fit first. With `markets`, every chosen model (default all) in each of them;
    without, the organization's portfolio entries valid on `on`."""
    organization_id = check_view_models(principal)
    chosen = (
        [service.get_model(connection, principal, slug) for slug in models]
        if models
        else service.list_models(connection, principal)
    )
    specs = {m.slug: m.spec for m in chosen}
    entries = service.list_portfolio(connection, principal, on=on)
    status = {(e.model, e.market): e.status for e in entries}
    pairs: dict[str, list[VehicleSpec]] = defaultdict(list)
    if markets:
        for code in dict.fromkeys(_market(connection, m) for m in markets):
            pairs[code] = list(specs.values())
    else:
        for entry in entries:
            if entry.model in specs:
                pairs[entry.market].append(specs[entry.model])
    if not specs:
        raise ValidationError("no vehicle model to assess: add one first")
    results: list[MatrixCell] = []
    for code, in_market in pairs.items():
        results += matrix_cells(connection, in_market, [code], on, viewer_org_id=organization_id)
    results.sort(key=lambda c: (-c.score, c.blockers, c.model.id, c.market))
    return [MatrixRow(c, status.get((c.model.id, c.market))) for c in results]
