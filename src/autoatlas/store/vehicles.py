"""Vehicle models and portfolio entries: their rows, scoped to one organization.

Every query takes the organization id: a model is looked up only inside its organization,
so another organization's model is indistinguishable from a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autoatlas.store.engine import WriteTx
from autoatlas.store.schema import portfolio_entry, vehicle_model

__all__ = [
    "ModelRow",
    "PortfolioRow",
    "delete_model",
    "delete_portfolio_entry",
    "get_model",
    "get_portfolio_entry",
    "insert_model",
    "insert_portfolio_entry",
    "list_models",
    "list_portfolio",
    "update_model",
]


@dataclass(frozen=True, slots=True)
class ModelRow:
    id: int
    organization_id: int
    slug: str
    spec: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PortfolioRow:
    id: int
    organization_id: int
    model_id: int
    model: str  # the model's slug
    market: str
    status: str
    valid_from: date | None
    valid_to: date | None

    def as_dict(self) -> dict[str, Any]:
        """The entry as the API, the CLI's --json and the web page show it."""
        return {
            "id": self.id,
            "model": self.model,
            "market": self.market,
            "status": self.status,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
        }


def _dump(spec: dict[str, Any]) -> str:
    return orjson.dumps(spec, option=orjson.OPT_SORT_KEYS).decode()


def _model(row: Any) -> ModelRow:
    return ModelRow(
        row.id,
        row.organization_id,
        row.slug,
        orjson.loads(row.spec),
        row.created_at,
        row.updated_at,
    )


def insert_model(tx: WriteTx, *, organization_id: int, slug: str, spec: dict[str, Any]) -> int:
    result = tx.connection.execute(
        sa.insert(vehicle_model)
        .values(
            organization_id=organization_id,
            slug=slug,
            spec=_dump(spec),
            created_at=tx.now,
            updated_at=tx.now,
        )
        .returning(vehicle_model.c.id)
    )
    model_id: int = result.scalar_one()
    return model_id


def update_model(tx: WriteTx, *, model_id: int, spec: dict[str, Any]) -> None:
    tx.connection.execute(
        sa.update(vehicle_model)
        .where(vehicle_model.c.id == model_id)
        .values(spec=_dump(spec), updated_at=tx.now)
    )


def delete_model(tx: WriteTx, *, model_id: int) -> int:
    """Delete a model and its portfolio entries; returns how many entries went with it."""
    entries = tx.connection.execute(
        sa.delete(portfolio_entry).where(portfolio_entry.c.model_id == model_id)
    ).rowcount
    tx.connection.execute(sa.delete(vehicle_model).where(vehicle_model.c.id == model_id))
    return int(entries or 0)


def get_model(connection: Connection, *, organization_id: int, slug: str) -> ModelRow | None:
    row = connection.execute(
        sa.select(vehicle_model).where(
            vehicle_model.c.organization_id == organization_id, vehicle_model.c.slug == slug
        )
    ).first()
    return None if row is None else _model(row)


def list_models(connection: Connection, *, organization_id: int) -> list[ModelRow]:
    rows = connection.execute(
        sa.select(vehicle_model)
        .where(vehicle_model.c.organization_id == organization_id)
        .order_by(vehicle_model.c.slug)
    )
    return [_model(row) for row in rows]


def insert_portfolio_entry(
    tx: WriteTx,
    *,
    organization_id: int,
    model_id: int,
    market: str,
    status: str,
    valid_from: date | None,
    valid_to: date | None,
) -> int:
    result = tx.connection.execute(
        sa.insert(portfolio_entry)
        .values(
            organization_id=organization_id,
            model_id=model_id,
            market=market,
            status=status,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        .returning(portfolio_entry.c.id)
    )
    entry_id: int = result.scalar_one()
    return entry_id


def _portfolio_query() -> sa.Select[Any]:
    return sa.select(portfolio_entry, vehicle_model.c.slug.label("model")).join(
        vehicle_model, vehicle_model.c.id == portfolio_entry.c.model_id
    )


def _entry(row: Any) -> PortfolioRow:
    return PortfolioRow(
        row.id,
        row.organization_id,
        row.model_id,
        row.model,
        row.market,
        row.status,
        row.valid_from,
        row.valid_to,
    )


def get_portfolio_entry(
    connection: Connection, *, organization_id: int, entry_id: int
) -> PortfolioRow | None:
    row = connection.execute(
        _portfolio_query().where(
            portfolio_entry.c.organization_id == organization_id,
            portfolio_entry.c.id == entry_id,
        )
    ).first()
    return None if row is None else _entry(row)


def delete_portfolio_entry(tx: WriteTx, *, entry_id: int) -> None:
    tx.connection.execute(sa.delete(portfolio_entry).where(portfolio_entry.c.id == entry_id))


def list_portfolio(
    connection: Connection,
    *,
    organization_id: int,
    market: str | None = None,
    model: str | None = None,
    on: date | None = None,
) -> list[PortfolioRow]:
    """The organization's entries, optionally one market's, one model's, or those valid `on`."""
    query = _portfolio_query().where(portfolio_entry.c.organization_id == organization_id)
    if market is not None:
        query = query.where(portfolio_entry.c.market == market)
    if model is not None:
        query = query.where(vehicle_model.c.slug == model)
    if on is not None:
        query = query.where(
            sa.or_(portfolio_entry.c.valid_from.is_(None), portfolio_entry.c.valid_from <= on),
            sa.or_(portfolio_entry.c.valid_to.is_(None), portfolio_entry.c.valid_to > on),
        )
    rows = connection.execute(
        query.order_by(vehicle_model.c.slug, portfolio_entry.c.market, portfolio_entry.c.id)
    )
    return [_entry(row) for row in rows]
