"""The hand corrections: each one is in corrections.yaml, cites a real source, and replaces
the faulty generated value instead of sitting beside it."""

from __future__ import annotations

from datetime import date

from refdata_helpers import REFERENCE, bundle, facts

from autoatlas.refdata import RefBundle, RefFact, apply_corrections, load_corrections
from autoatlas.refdata.build import header
from autoatlas.refdata.model import render_bundle

LEGAL_KINDS = {"law", "regulation", "standard"}


def _sources(fact: dict) -> list[dict]:
    by_id = {s["id"]: s for s in bundle("corrections")["sources"]}
    return [by_id[i] for i in fact["sources"]]


def _one(prop: str, market: str) -> dict:
    [fact] = facts("corrections", prop, market)
    return fact


def test_committed_corrections_are_the_packaged_ones() -> None:
    text = render_bundle(load_corrections(), header("corrections"))
    assert (REFERENCE / "corrections.yaml").read_text(encoding="utf-8") == text


def test_driving_side_of_cn_gb_us_comes_from_the_law() -> None:
    expected = {"CN": "right", "GB": "left", "US": "right"}
    for market, side in expected.items():
        fact = _one("roads.driving_side", market)
        assert fact["value"] == side
        assert fact["confidence"] == "high"
        assert {s["kind"] for s in _sources(fact)} & LEGAL_KINDS
        # country-coder has no value for these; none may be generated beside the correction
        assert facts("country-coder", "roads.driving_side", market) == []
    assert "第三十五条" in _sources(_one("roads.driving_side", "CN"))[0]["locator"]
    assert _sources(_one("roads.driving_side", "GB"))[0]["locator"] == "Rule 160"


def test_gb_speed_unit_is_mph() -> None:
    fact = _one("roads.speed_unit", "GB")
    assert fact["value"] == "mph"
    assert facts("country-coder", "roads.speed_unit", "GB") == []


def test_japan_runs_50_and_60_hz() -> None:
    fact = _one("charging.mains_frequency", "JP")
    assert fact["value"] == ["50", "60"]
    assert facts("fluids", "charging.mains_frequency", "JP") == []  # fluids says 50 only
    assert any("50 hertz" in (s.get("quote") or "") for s in _sources(fact))


def test_brazil_voltage_names_both_127_and_220() -> None:
    fact = _one("charging.mains_voltage", "BR")
    assert (fact["value"], fact["unit"], fact["confidence"]) == (127, "V", "low")
    assert "220/127 V" in fact["note"] and "220 V" in fact["note"]
    assert "PRODIST" in _sources(fact)[0]["title"]
    assert facts("fluids", "charging.mains_voltage", "BR") == []  # fluids says 220 only


def test_bulgaria_pays_in_euro_from_2026() -> None:
    fact = _one("trade.currency", "BG")
    assert fact["value"] == "EUR"
    assert (fact["valid_from"], fact.get("valid_to")) == (date(2026, 1, 1), None)
    assert "law" in {s["kind"] for s in _sources(fact)}
    generated = facts("cldr", "trade.currency", "BG")
    assert [(f["value"], f["valid_to"]) for f in generated] == [("BGN", date(2026, 1, 1))]


def _fact(value: object, start: date | None = None, end: date | None = None) -> RefFact:
    return RefFact("BG", "trade.currency", value, ("s",), valid_from=start, valid_to=end)


def test_a_correction_cuts_what_it_covers_and_keeps_the_rest() -> None:
    jan26, jan27, y99 = date(2026, 1, 1), date(2027, 1, 1), date(1999, 7, 5)
    generated = RefBundle(
        "g", facts=[_fact("BGN", y99), RefFact("TH", "trade.currency", "THB", ("s",))]
    )
    fix = RefBundle("corrections", facts=[_fact("EUR", jan26, jan27)])
    [out], replaced = apply_corrections([generated], fix)
    assert [(f.market, f.value, f.valid_from, f.valid_to) for f in out.facts] == [
        ("BG", "BGN", y99, jan26),
        ("BG", "BGN", jan27, None),
        ("TH", "THB", None, None),
    ]
    assert [r.fact.value for r in replaced] == ["BGN"]


def test_an_open_correction_replaces_the_generated_fact_whole() -> None:
    generated = RefBundle("g", facts=[_fact("BGN"), _fact("BGN", end=date(2000, 1, 1))])
    [out], replaced = apply_corrections([generated], RefBundle("c", facts=[_fact("EUR")]))
    assert out.facts == []
    assert len(replaced) == 2


def test_a_correction_elsewhere_in_time_leaves_the_generated_fact_alone() -> None:
    generated = RefBundle("g", facts=[_fact("BGN", date(1999, 7, 5), date(2026, 1, 1))])
    fix = RefBundle("c", facts=[_fact("EUR", date(2026, 1, 1))])
    [out], replaced = apply_corrections([generated], fix)
    assert out.facts == generated.facts and replaced == []
