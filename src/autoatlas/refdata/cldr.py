"""Facts from the Unicode CLDR supplemental data of the npm package ``cldr-core``.

- ``culture.official_languages``: the languages of ``territoryInfo`` whose
  ``_officialStatus`` is ``official`` or ``de_facto_official`` (regional and minority
  official languages are left out), as language codes without script (``zh_Hant`` → ``zh``).
- ``trade.currency``: the primary tender currency from ``currencyData``, dated: CLDR lists a
  territory's currencies with ``_from``/``_to`` dates, the primary one first, so each period
  between two dates takes the first listed currency in use then. Periods that ended before
  ``CURRENCY_SINCE`` are left out.
- ``culture.measurement_system``: ``measurementData`` (``001`` metric unless listed).
- ``market.population``: ``territoryInfo`` ``_population``. CLDR does not state the year of
  its figures (World Factbook estimates, refreshed each release); the build takes them as the
  year before the release (``POPULATION_YEAR``) and says so in the source's locator.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from autoatlas.refdata.model import RefBundle, RefFact, RefSource
from autoatlas.refdata.packages import NpmPackages

__all__ = [
    "CURRENCY_SINCE",
    "OFFICIAL_STATUSES",
    "POPULATION_YEAR",
    "build_cldr",
    "currency_periods",
    "official_languages",
]

PACKAGE = "cldr-core"
OFFICIAL_STATUSES = ("official", "de_facto_official")
CURRENCY_SINCE = date(2024, 1, 1)
POPULATION_YEAR = 2024  # CLDR 48 (2025) carries World Factbook estimates for 2024
MEASUREMENT = {"metric": "metric", "US": "US", "UK": "UK"}


def _source(version: str, key: str, table: str, locator: str) -> RefSource:
    return RefSource(
        id=f"cldr-core-{key}",
        kind="dataset",
        title=f"cldr-core {version}, Unicode CLDR supplemental data, {table}",
        publisher="Unicode Consortium (CLDR project)",
        url=f"https://www.npmjs.com/package/{PACKAGE}",
        language="en",
        locator=locator,
    )


def official_languages(territory: Mapping[str, Any]) -> list[str]:
    """Language codes with official or de facto official status, script subtags dropped."""
    found = {
        code.split("_")[0]
        for code, info in (territory.get("languagePopulation") or {}).items()
        if info.get("_officialStatus") in OFFICIAL_STATUSES
    }
    return sorted(found)


def currency_periods(
    entries: Iterable[Mapping[str, Mapping[str, str]]], since: date = CURRENCY_SINCE
) -> list[tuple[str, date | None, date | None]]:
    """(currency, from, to) periods of the primary tender currency, `to` exclusive.

    `entries` is CLDR's list for one region, primary currency first.
    """
    spans: list[tuple[str, date | None, date | None]] = []
    for entry in entries:
        for code, info in entry.items():
            if info.get("_tender") == "false":
                continue
            start = date.fromisoformat(info["_from"]) if "_from" in info else None
            end = date.fromisoformat(info["_to"]) if "_to" in info else None
            spans.append((code, start, end))
    cuts = sorted({d for _, start, end in spans for d in (start, end) if d is not None})
    bounds: list[date | None] = [None, *cuts, None]
    periods: list[tuple[str, date | None, date | None]] = []
    for start, end in itertools.pairwise(bounds):
        probe = start or (end and date.fromordinal(end.toordinal() - 1))
        primary = next(
            (
                code
                for code, s, e in spans
                if probe is not None and (s is None or s <= probe) and (e is None or probe < e)
            ),
            None,
        )
        if primary is None:
            continue
        if periods and periods[-1][0] == primary and periods[-1][2] == start:
            periods[-1] = (primary, periods[-1][1], end)
        else:
            periods.append((primary, start, end))
    return [p for p in periods if p[2] is None or p[2] > since]


def _languages(info: Mapping[str, Any], codes: Iterable[str], src: str) -> Iterator[RefFact]:
    for code in codes:
        languages = official_languages(info.get(code, {}))
        if languages:
            yield RefFact(code, "culture.official_languages", languages, (src,))


def _currencies(regions: Mapping[str, Any], codes: Iterable[str], src: str) -> Iterator[RefFact]:
    for code in codes:
        for currency, start, end in currency_periods(regions.get(code, [])):
            yield RefFact(code, "trade.currency", currency, (src,), valid_from=start, valid_to=end)


def _measurement(data: Mapping[str, Any], codes: Iterable[str], src: str) -> Iterator[RefFact]:
    systems = data["measurementSystem"]
    for code in codes:
        system = MEASUREMENT[systems.get(code, systems["001"])]
        yield RefFact(code, "culture.measurement_system", system, (src,))


def _population(info: Mapping[str, Any], codes: Iterable[str], src: str) -> Iterator[RefFact]:
    start, end = date(POPULATION_YEAR, 1, 1), date(POPULATION_YEAR + 1, 1, 1)
    for code in codes:
        raw = info.get(code, {}).get("_population")
        if raw is not None and int(raw) > 0:
            yield RefFact(
                code, "market.population", int(raw), (src,), valid_from=start, valid_to=end
            )


def build_cldr(npm: NpmPackages, countries: frozenset[str]) -> RefBundle:
    version = npm.version(PACKAGE)
    info = npm.json(PACKAGE, "supplemental/territoryInfo.json")["supplemental"]["territoryInfo"]
    currency = npm.json(PACKAGE, "supplemental/currencyData.json")["supplemental"]
    measurement = npm.json(PACKAGE, "supplemental/measurementData.json")["supplemental"]
    known = sorted(countries & set(info))
    bundle = RefBundle("cldr")
    src = _source(
        version,
        "languages",
        "territoryInfo.json",
        "languagePopulation entries with _officialStatus official or de_facto_official",
    )
    bundle.extend(src, _languages(info, known, src.id))
    src = _source(
        version,
        "currency",
        "currencyData.json",
        "currencyData.region: first listed tender currency in use in each period",
    )
    regions = currency["currencyData"]["region"]
    bundle.extend(src, _currencies(regions, sorted(countries & set(regions)), src.id))
    src = _source(version, "measurement", "measurementData.json", "measurementSystem")
    bundle.extend(src, _measurement(measurement["measurementData"], known, src.id))
    src = _source(
        version,
        "population",
        "territoryInfo.json",
        f"_population; CLDR states no year: World Factbook estimates, taken as {POPULATION_YEAR}",
    )
    bundle.extend(src, _population(info, known, src.id))
    return bundle
