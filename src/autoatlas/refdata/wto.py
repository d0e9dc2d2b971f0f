"""``trade.wto_member`` from ``firmapanel-trade-country-data`` (CC BY 4.0).

The package's ``countries.json`` gives ``wto_member`` per country as of its snapshot date
(``as_of_date``); the facts are valid from that date, since the package gives no accession
dates.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from autoatlas.refdata.model import RefBundle, RefFact, RefSource
from autoatlas.refdata.packages import python_package, python_version

__all__ = ["build_firmapanel", "wto_members"]

DISTRIBUTION = "firmapanel-trade-country-data"


def wto_members() -> tuple[date, dict[str, bool]]:
    """The snapshot date and {alpha-2: wto_member} for the records that state it."""
    module = python_package("firmapanel_trade_country_data", DISTRIBUTION)
    data: Mapping[str, Any] = module.load_dataset("countries")
    members = {
        record["iso2"]: record["wto_member"]
        for record in data["records"]
        if isinstance(record.get("wto_member"), bool)
    }
    return date.fromisoformat(data["as_of_date"]), members


def _facts(
    as_of: date, members: Mapping[str, bool], countries: frozenset[str]
) -> Iterator[RefFact]:
    for code in sorted(countries & set(members)):
        yield RefFact(
            code, "trade.wto_member", members[code], ("firmapanel-countries",), valid_from=as_of
        )


def build_firmapanel(countries: frozenset[str]) -> RefBundle:
    version = python_version(DISTRIBUTION)
    as_of, members = wto_members()
    source = RefSource(
        id="firmapanel-countries",
        kind="dataset",
        title=f"firmapanel-trade-country-data {version}, countries.json wto_member (CC BY 4.0)",
        publisher="FirmaPanel and contributors",
        url=f"https://pypi.org/project/{DISTRIBUTION}/",
        published=as_of,
        language="en",
        locator="countries.json records[].wto_member; snapshot as_of_date",
    )
    bundle = RefBundle("firmapanel")
    bundle.extend(source, _facts(as_of, members, countries))
    return bundle
