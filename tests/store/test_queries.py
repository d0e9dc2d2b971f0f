"""Reads: profile as of a date and as known at a moment, inheritance, history, compare."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from autoatlas.atlas import Atlas
from autoatlas.errors import NotFoundError, ValidationError
from autoatlas.store.queries import FactFilter
from factories import bundle

Write = Callable[..., Path]
CVD = "trade.additional_duty.passenger_bev"
MFN = "trade.import_duty.passenger_bev"


def eu_and_germany(atlas: Atlas, write_bundle: Write) -> None:
    atlas.import_files(
        [
            write_bundle(
                bundle(
                    {"market": "EU", "property": MFN, "value": 10, "valid_from": "1990-01-01"},
                    {
                        "market": "EU",
                        "property": CVD,
                        "value": 17.0,
                        "valid_from": "2024-10-30",
                        "qualifiers": {"origin": "CN", "maker": "BYD"},
                    },
                    {"market": "DE", "property": "roads.driving_side", "value": "right"},
                    {"market": "EU", "property": "roads.speed_unit", "value": "km/h"},
                    {"market": "IE", "property": "roads.speed_unit", "value": "km/h"},
                    {"market": "GB", "property": "roads.speed_unit", "value": "mph"},
                    {"market": "CN", "property": MFN, "value": 15},
                )
            )
        ]
    )


def by_property(facts: list) -> dict[str, list]:  # type: ignore[type-arg]
    found: dict[str, list] = {}  # type: ignore[type-arg]
    for fact in facts:
        found.setdefault(fact.property, []).append(fact)
    return found


def test_member_inherits_bloc_facts_marked_via_bloc(atlas: Atlas, write_bundle: Write) -> None:
    eu_and_germany(atlas, write_bundle)
    facts = by_property(atlas.profile("DE", as_of=date(2025, 1, 1)))
    assert [(f.value, f.inherited_from) for f in facts[MFN]] == [(10, "EU")]
    assert facts[CVD][0].qualifiers == {"maker": "BYD", "origin": "CN"}
    assert facts["roads.driving_side"][0].inherited_from is None


def test_bloc_facts_apply_only_while_a_member(atlas: Atlas, write_bundle: Write) -> None:
    eu_and_germany(atlas, write_bundle)
    in_2019 = by_property(atlas.profile("GB", as_of=date(2019, 6, 1)))
    in_2021 = by_property(atlas.profile("GB", as_of=date(2021, 6, 1)))
    assert in_2019[MFN][0].inherited_from == "EU"
    assert MFN not in in_2021
    assert [f.value for f in in_2021["roads.speed_unit"]] == ["mph"]
    before_cvd = by_property(atlas.profile("DE", as_of=date(2024, 10, 29)))
    assert CVD not in before_cvd


def test_member_own_fact_wins_over_the_bloc(atlas: Atlas, write_bundle: Write) -> None:
    eu_and_germany(atlas, write_bundle)
    ireland = by_property(atlas.profile("IE", as_of=date(2025, 1, 1)))
    assert [(f.value, f.inherited_from) for f in ireland["roads.speed_unit"]] == [("km/h", None)]


def test_subdivision_inherits_from_its_country(atlas: Atlas, write_bundle: Write) -> None:
    eu_and_germany(atlas, write_bundle)
    chongqing = by_property(atlas.profile("CN-CQ", as_of=date(2025, 1, 1)))
    assert [(f.value, f.inherited_from) for f in chongqing[MFN]] == [(15, "CN")]


def test_bloc_profile_holds_only_its_own_facts(atlas: Atlas, write_bundle: Write) -> None:
    eu_and_germany(atlas, write_bundle)
    eu = atlas.profile("EU", as_of=date(2025, 1, 1))
    assert {f.market for f in eu} == {"EU"}
    assert all(f.inherited_from is None for f in eu)


def test_known_at_returns_what_was_known_then(atlas: Atlas, write_bundle: Write) -> None:
    atlas.import_files([write_bundle(bundle({"market": "TH", "property": MFN, "value": 80}))])
    then = atlas.history("TH", MFN)[0].recorded_at
    atlas.import_files([write_bundle(bundle({"market": "TH", "property": MFN, "value": 40}))])
    now = by_property(atlas.profile("TH", as_of=date(2025, 1, 1)))
    old = by_property(atlas.profile("TH", as_of=date(2025, 1, 1), known_at=then))
    assert [f.value for f in now[MFN]] == [40]
    assert [f.value for f in old[MFN]] == [80]
    history = atlas.history("TH", MFN)
    assert [f.value for f in history] == [80, 40]
    assert history[0].superseded_at == history[1].recorded_at


def test_history_records_sources(atlas: Atlas, write_bundle: Write) -> None:
    eu_and_germany(atlas, write_bundle)
    [record] = atlas.history("EU", MFN)
    assert record.sources[0].publisher == "Test Ministry"
    assert record.organization == "autoatlas"


def test_compare_side_by_side_on_a_dimension(atlas: Atlas, write_bundle: Write) -> None:
    eu_and_germany(atlas, write_bundle)
    found = atlas.compare(["DE", "GB", "IE"], dimension="roads", as_of=date(2025, 1, 1))
    assert list(found) == ["DE", "GB", "IE"]
    units = {
        code: [f.value for f in facts if f.property == "roads.speed_unit"]
        for code, facts in found.items()
    }
    assert units == {"DE": ["km/h"], "GB": ["mph"], "IE": ["km/h"]}
    assert all(f.property.startswith("roads.") for facts in found.values() for f in facts)


def test_compare_needs_two_markets_and_a_subject(atlas: Atlas) -> None:
    with pytest.raises(ValidationError, match="at least two"):
        atlas.compare(["DE"], dimension="roads")
    with pytest.raises(ValidationError, match="dimension or one or more properties"):
        atlas.compare(["DE", "FR"])
    with pytest.raises(ValidationError, match="unknown dimension"):
        atlas.compare(["DE", "FR"], dimension="weather")
    with pytest.raises(ValidationError, match="roads.driving_side"):
        atlas.compare(["DE", "FR"], properties=["roads.driving_sid"])


def test_facts_filter_by_qualifier_and_date(atlas: Atlas, write_bundle: Write) -> None:
    eu_and_germany(atlas, write_bundle)
    byd = atlas.facts(FactFilter(qualifiers={"maker": "BYD"}))
    assert [(f.market, f.property) for f in byd] == [("EU", CVD)]
    assert atlas.facts(FactFilter(qualifiers={"maker": "SAIC"})) == []
    assert atlas.facts(FactFilter(properties=[CVD], as_of=date(2024, 1, 1))) == []
    page = atlas.facts(FactFilter(limit=2))
    rest = atlas.facts(FactFilter(after_id=page[-1].id))
    assert len(page) == 2 and len(page) + len(rest) == 7


def test_unknown_market_is_not_found(atlas: Atlas) -> None:
    with pytest.raises(NotFoundError, match="unknown market 'XX'"):
        atlas.profile("XX", as_of=date(2025, 1, 1))


def test_coverage_counts_sourced_properties_per_dimension(
    atlas: Atlas, write_bundle: Write
) -> None:
    eu_and_germany(atlas, write_bundle)
    result = atlas.coverage(["DE", "GB"], as_of=date(2025, 1, 1))
    assert result.counts["DE"]["trade"] == 2  # MFN and the additional duty, via EU
    assert result.counts["DE"]["roads"] == 2
    assert result.counts["GB"]["trade"] == 0
    assert set(result.counts["DE"]) == set(atlas.vocabulary.dimensions)


def test_a_statistic_stays_the_latest_figure_after_its_year(
    atlas: Atlas, write_bundle: Write
) -> None:
    share = "market.bev_share"
    atlas.import_files(
        [
            write_bundle(
                bundle(
                    {
                        "market": "TH",
                        "property": share,
                        "value": 7,
                        "valid_from": "2023-01-01",
                        "valid_to": "2024-01-01",
                    },
                    {
                        "market": "TH",
                        "property": share,
                        "value": 12,
                        "valid_from": "2024-01-01",
                        "valid_to": "2025-01-01",
                    },
                    {
                        "market": "TH",
                        "property": MFN,
                        "value": 80,
                        "valid_from": "2020-01-01",
                        "valid_to": "2025-01-01",
                    },
                )
            )
        ]
    )
    later = by_property(atlas.profile("TH", as_of=date(2026, 6, 1)))
    assert [f.value for f in later[share]] == [12]  # the latest year, shown with its period
    assert MFN not in later  # a duty that ended is past, not "latest"
    during = by_property(atlas.profile("TH", as_of=date(2023, 6, 1)))
    assert [f.value for f in during[share]] == [7]
    assert "market.bev_share" not in by_property(atlas.profile("TH", as_of=date(2022, 6, 1)))
