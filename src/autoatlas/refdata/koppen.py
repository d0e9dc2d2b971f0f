"""``climate.koppen_share.*`` from the ``pyworldatlas`` package.

pyworldatlas carries, per country, the area shares of the Köppen-Geiger zones (Beck et al.,
1991-2020 climatology, 0.1° raster; zones under 0.1 % of the area are left out). The build
adds the zones of each main group (A tropical, B arid, C temperate, D continental — "Cold"
in pyworldatlas — and E polar) and writes all five shares, rounded to 0.01 percentage point.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from autoatlas.refdata.model import RefBundle, RefFact, RefSource
from autoatlas.refdata.packages import python_package, python_version

__all__ = ["GROUPS", "build_koppen", "koppen_shares"]

# pyworldatlas group name → the property suffix
GROUPS: Mapping[str, str] = {
    "Tropical": "tropical",
    "Arid": "arid",
    "Temperate": "temperate",
    "Cold": "continental",
    "Polar": "polar",
}


def koppen_shares(countries: frozenset[str]) -> dict[str, dict[str, float]]:
    """{alpha-2: {suffix: percent}} for the countries pyworldatlas classifies."""
    module = python_package("pyworldatlas", "pyworldatlas")
    atlas = module.Atlas()
    shares: dict[str, dict[str, float]] = {}
    try:
        for country in atlas.countries():
            code = country.alpha2
            climate = country.climate
            if code not in countries or climate is None or not climate.koppen_geiger_zones:
                continue
            totals = dict.fromkeys(GROUPS.values(), 0.0)
            for zone in climate.koppen_geiger_zones:
                totals[GROUPS[zone.group]] += zone.share_percent
            shares[code] = {k: round(v, 2) for k, v in totals.items()}
    finally:
        atlas.close()
    return shares


def _facts(shares: Mapping[str, Mapping[str, float]]) -> Iterator[RefFact]:
    for code in sorted(shares):
        for suffix, value in sorted(shares[code].items()):
            yield RefFact(
                code, f"climate.koppen_share.{suffix}", value, ("pyworldatlas-koppen",), "percent"
            )


def build_koppen(countries: frozenset[str]) -> RefBundle:
    version = python_version("pyworldatlas")
    source = RefSource(
        id="pyworldatlas-koppen",
        kind="dataset",
        title=(
            f"pyworldatlas {version}, Köppen-Geiger zone shares per country "
            "(Beck et al., 1991-2020)"
        ),
        publisher="pyworldatlas project",
        url="https://pypi.org/project/pyworldatlas/",
        language="en",
        locator=(
            "Country.climate.koppen_geiger_zones, summed by main group; 0.1° raster, "
            "zones under 0.1 % of the area omitted"
        ),
    )
    bundle = RefBundle("koppen")
    bundle.extend(source, _facts(koppen_shares(countries)))
    return bundle
