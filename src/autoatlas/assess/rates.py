"""Exchange rates as dated facts: each market's `trade.exchange_rate.usd` (units per USD)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from autoatlas.domain.facts import Fact

__all__ = ["RATE_PROPERTIES", "Rates"]

# What `Rates` is built from: every market's assessment reads them wherever a price is
# converted, so a change to one in any market can move any pair.
RATE_PROPERTIES = frozenset({"trade.currency", "trade.exchange_rate.usd"})


@dataclass(slots=True)
class Rates:
    """Currency → (units per USD, the fact it comes from), built from facts valid on a date."""

    per_usd: dict[str, tuple[Decimal, Fact]] = field(default_factory=dict)
    used: list[Fact] = field(default_factory=list)

    @classmethod
    def from_facts(cls, currencies: Iterable[Fact], rates: Iterable[Fact]) -> Rates:
        currency_of = {f.market: f.value for f in currencies}
        found = cls()
        # A market's own rate first; a bloc's rate (EU for EUR) serves its members too.
        for fact in sorted(rates, key=lambda f: (f.inherited_from is not None, f.market)):
            currency = currency_of.get(fact.market)
            if currency and currency not in found.per_usd:
                found.per_usd[currency] = (Decimal(str(fact.value)), fact)
        return found

    def convert(self, amount: Decimal, source: str, target: str) -> Decimal | None:
        if source == target:
            return amount
        usd = amount if source == "USD" else self._to_usd(amount, source)
        if usd is None:
            return None
        if target == "USD":
            return usd
        rate = self.per_usd.get(target)
        if rate is None:
            return None
        self.used.append(rate[1])
        return usd * rate[0]

    def _to_usd(self, amount: Decimal, source: str) -> Decimal | None:
        rate = self.per_usd.get(source)
        if rate is None or rate[0] == 0:
            return None
        self.used.append(rate[1])
        return amount / rate[0]
