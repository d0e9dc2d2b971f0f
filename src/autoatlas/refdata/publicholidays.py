"""``customs.public_holidays_per_year`` from the ``holidays`` package.

For each country the package supports and each year of ``YEARS``: the number of distinct
dates in its national public-holiday calendar (default category ``public``, no subdivision,
``observed=False`` so substitute days off are not counted twice). One fact per year, valid
from 1 January to the next 1 January.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from autoatlas.refdata.model import RefBundle, RefFact, RefSource
from autoatlas.refdata.packages import python_package, python_version

__all__ = ["YEARS", "build_holidays", "public_holiday_count"]

YEARS = range(2024, 2028)


def public_holiday_count(code: str, year: int) -> int:
    holidays = python_package("holidays", "holidays")
    return len(set(holidays.country_holidays(code, years=year, observed=False)))


def supported(countries: frozenset[str]) -> list[str]:
    holidays = python_package("holidays", "holidays")
    return sorted(countries & set(holidays.list_supported_countries()))


def _facts(countries: frozenset[str]) -> Iterator[RefFact]:
    for code in supported(countries):
        for year in YEARS:
            count = public_holiday_count(code, year)
            if count > 0:
                yield RefFact(
                    code,
                    "customs.public_holidays_per_year",
                    count,
                    ("holidays",),
                    valid_from=date(year, 1, 1),
                    valid_to=date(year + 1, 1, 1),
                )


def build_holidays(countries: frozenset[str]) -> RefBundle:
    version = python_version("holidays")
    source = RefSource(
        id="holidays",
        kind="dataset",
        title=f"holidays {version}, national public-holiday calendars",
        publisher="vacanza (holidays project maintainers)",
        url="https://pypi.org/project/holidays/",
        language="en",
        locator="country_holidays(code, years=Y, observed=False): distinct dates, category public",
    )
    bundle = RefBundle("holidays")
    bundle.extend(source, _facts(countries))
    return bundle
