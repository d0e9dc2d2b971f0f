"""The committed reference bundles: importable, complete, cited, and in line with Babel.

These tests need only data/reference/ and the packages the application installs anyway
(pycountry, Babel); the comparisons with the other source packages are in
test_refdata_packages.py and skip when those are not installed.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from datetime import date, timedelta

import pycountry
from babel.core import get_global
from babel.numbers import get_territory_currencies
from refdata_helpers import REFERENCE, all_facts, bundle, facts

from autoatlas.atlas import Atlas
from autoatlas.refdata import BUNDLE_NAMES, CHECKED, GENERATED_PROPERTIES, countries
from autoatlas.refdata.cldr import OFFICIAL_STATUSES
from autoatlas.refdata.publicholidays import YEARS

ALL = (*BUNDLE_NAMES, "corrections")
# Babel 2.18 ships CLDR 47, which predates Bulgaria's euro: the only known difference.
BABEL_CURRENCY_LAG = {("BG", "EUR")}


def test_every_bundle_is_there_and_nothing_else() -> None:
    assert sorted(p.stem for p in REFERENCE.glob("*.yaml")) == sorted(ALL)


def test_reference_data_imports_whole_and_reimports_unchanged(atlas: Atlas) -> None:
    total = sum(len(bundle(name)["facts"]) for name in ALL)
    first = atlas.import_files([REFERENCE])
    assert (first.facts, first.added) == (total, total)
    again = atlas.import_files([REFERENCE], dry_run=True)
    assert (again.added, again.unchanged) == (0, total)


def test_only_generated_properties_and_no_statement_in_two_places() -> None:
    periods: dict[tuple[str, str], list[tuple[str, date, date]]] = defaultdict(list)
    for name, fact in all_facts(ALL):
        assert fact["property"] in GENERATED_PROPERTIES, (name, fact)
        start = fact.get("valid_from") or date.min
        end = fact.get("valid_to") or date.max
        periods[(fact["market"], fact["property"])].append((name, start, end))
    for statement, spans in periods.items():
        spans.sort(key=lambda s: s[1])
        for (a, _, a_end), (b, b_start, _) in itertools.pairwise(spans):
            assert a_end <= b_start, f"{statement} claimed twice: {a} and {b}"


def test_generated_facts_cite_their_package_and_version() -> None:
    for name in BUNDLE_NAMES:
        for source in bundle(name)["sources"]:
            assert source["kind"] == "dataset"
            assert re.search(r"\b\d+\.\d+(\.\d+)?\b", source["title"]), source["title"]
            assert source["url"].startswith(
                ("https://pypi.org/project/", "https://www.npmjs.com/package/")
            )
            assert source["publisher"]
        for fact in bundle(name)["facts"]:
            assert fact["confidence"] == "medium"
            assert fact["checked"] == CHECKED
            assert len(fact["sources"]) == 1


def test_every_country_is_covered() -> None:
    every = countries()
    assert len(every) == len(pycountry.countries)
    full = {
        "country-coder": ("roads.driving_side", "roads.speed_unit"),
        "cldr": ("culture.measurement_system", "market.population"),
        "firmapanel": ("trade.wto_member",),
    }
    for name, props in full.items():
        for prop in props:
            corrected = {f["market"] for f in facts("corrections", prop)}
            have = {f["market"] for f in facts(name, prop)} | corrected
            assert have == every, (prop, sorted(every - have))
    at_least = {
        ("cldr", "trade.currency"): 245,
        ("cldr", "culture.official_languages"): 240,
        ("fluids", "charging.plug_types"): 200,
        ("koppen", "climate.koppen_share.arid"): 240,
        ("holidays", "customs.public_holidays_per_year"): 240,
    }
    for (name, prop), count in at_least.items():
        assert len({f["market"] for f in facts(name, prop)}) >= count, prop


def test_holidays_are_one_fact_per_calendar_year() -> None:
    per_market: dict[str, list[int]] = defaultdict(list)
    for fact in facts("holidays"):
        start, end = fact["valid_from"], fact["valid_to"]
        assert (start.month, start.day, end) == (1, 1, date(start.year + 1, 1, 1))
        assert 0 < fact["value"] < 60
        per_market[fact["market"]].append(start.year)
    # a year the package has no calendar for yet (Sri Lanka's lunar holidays for 2027) is left
    # out, never written as 0
    assert all(sorted(y) == list(YEARS)[: len(y)] for y in per_market.values())
    assert sum(len(y) < len(YEARS) for y in per_market.values()) <= 5


def test_koppen_shares_add_up_to_the_whole_country() -> None:
    total: dict[str, float] = defaultdict(float)
    for fact in facts("koppen"):
        assert fact["unit"] == "percent" and 0 <= fact["value"] <= 100
        total[fact["market"]] += fact["value"]
    # zones under 0.1 % of a country's area are not listed by the source
    assert all(99.0 <= share <= 100.05 for share in total.values()), total


def test_currencies_agree_with_babel() -> None:
    differ = set()
    for fact in facts("cldr", "trade.currency") + facts("corrections", "trade.currency"):
        day = max(fact.get("valid_from") or date.min, date(2024, 1, 1))
        if fact.get("valid_to"):
            day = min(day, fact["valid_to"] - timedelta(days=1))
        if fact["value"] not in get_territory_currencies(fact["market"], day):
            differ.add((fact["market"], fact["value"]))
    assert differ <= BABEL_CURRENCY_LAG


def test_official_languages_agree_with_babel() -> None:
    territories = get_global("territory_languages")
    for fact in facts("cldr", "culture.official_languages"):
        babel = {
            code.split("_")[0]
            for code, info in territories.get(fact["market"], {}).items()
            if info.get("official_status") in OFFICIAL_STATUSES
        }
        assert fact["value"] == sorted(babel), fact["market"]


def test_generated_languages_and_currencies_are_iso_codes() -> None:
    for fact in facts("cldr", "culture.official_languages"):
        for code in fact["value"]:
            known = pycountry.languages.get(alpha_2=code) or pycountry.languages.get(alpha_3=code)
            assert known, code
    for fact in facts("cldr", "trade.currency"):
        if fact.get("valid_to") is None:
            assert pycountry.currencies.get(alpha_3=fact["value"]), fact
