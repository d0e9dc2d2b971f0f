"""Credits: what an organization holds, and spending them on metered look-ups."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from autoatlas.auth.principal import Principal
from autoatlas.errors import AuthenticationError, NotFoundError, PaymentRequiredError
from autoatlas.review.permissions import check_view_credits
from autoatlas.store import accounts
from autoatlas.store.engine import WriteTx
from autoatlas.store.ledger import CreditEntry, add_credit, credit_balance, list_credits

__all__ = ["CreditStatement", "organization_credits", "spend_credits"]


@dataclass(frozen=True, slots=True)
class CreditStatement:
    organization: str
    balance: int
    entries: list[CreditEntry]


def organization_credits(
    connection: Connection, principal: Principal, *, slug: str, after_id: int, limit: int
) -> CreditStatement:
    """An organization's balance and ledger entries, for its members and operator admins.

    An organization the principal may not see answers as a missing one would.
    """
    missing = NotFoundError(f"unknown organization {slug!r}")
    org = accounts.get_organization(connection, slug=slug)
    if not principal.authenticated:
        raise AuthenticationError("sign in or send a bearer token for this")
    if org is None:
        raise missing
    if not principal.operator and principal.organization_id != org.id:
        raise missing
    check_view_credits(principal, org.id)
    return CreditStatement(
        org.slug,
        credit_balance(connection, org.id),
        list_credits(connection, org.id, after_id=after_id, limit=limit),
    )


def spend_credits(tx: WriteTx, principal: Principal, *, cost: int, reason: str) -> int:
    """Take `cost` credits from the principal's organization; returns the balance left.

    Writers are serialised by the store clock, so the balance check cannot race.
    """
    if principal.organization_id is None:
        raise AuthenticationError("metered look-ups need a bearer token of an organization")
    if cost <= 0:
        return credit_balance(tx.connection, principal.organization_id)
    balance = credit_balance(tx.connection, principal.organization_id)
    if balance < cost:
        raise PaymentRequiredError(
            f"this look-up costs {cost} credit(s) and your organization has {balance}: "
            "contribute facts to earn credits"
        )
    add_credit(tx, organization_id=principal.organization_id, delta=-cost, reason=reason[:200])
    return balance - cost
