"""End to end: a LHD BEV with GB/T connectors (DC GB/T, AC GB/T), made in China by BYD,
assessed for DE, GB, TH, AU, BR and US. The facts and their legal basis are written in
scenario_gbt_bev.py; the expected findings and landed prices are worked out by hand below.

Landed cost bases (docs/assessment.md): duties on the customs value (CIF, converted at the
market's rate), excise on value + duties, VAT on value + duties + excise; amounts rounded to
cents half-up at each line.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from scenario_gbt_bev import FACTS, MODEL

from autoatlas.assess.assessment import Assessment
from autoatlas.assess.portfolio import assess_model, assess_variant, portfolio_matrix
from autoatlas.assess.report import render_html, render_pdf
from autoatlas.assess.variants import parse_changes
from autoatlas.atlas import Atlas
from autoatlas.rules.engine import RULES, Status
from autoatlas.vehicles import service
from autoatlas.vehicles.spec import VehicleSpec

ON = date(2026, 7, 1)
SPEC = VehicleSpec.model_validate(MODEL)
OK, FAIL, NOTE = Status.OK, Status.FAIL, Status.NOTE
# Rules that stay silent without a fact (no quota, no local-production condition recorded).
SILENT = {"trade.import_quota", "policy.local_production"}

# market → {rule: (status, severity)} for every rule a fact decides; every other rule that
# applies to the model says "unknown — no fact" (minor, 2 points each).
EXPECTED = {
    "DE": {
        "roads.steering_side": (OK, "info"),  # right-hand traffic, LHD car
        "charging.dc_connector": (FAIL, "blocker"),  # GB/T vs CCS2 (AFIR, via EU)
        "charging.ac_connector": (FAIL, "major"),  # GB/T vs Type 2 (via EU)
        "charging.mains_voltage": (OK, "info"),  # 230 V within 90-264 V
        "regulation.type_approval": (FAIL, "blocker"),  # EU-WVTA not held
        "regulation.un_r155": (FAIL, "blocker"),  # mandatory since 2024-07-07
        "trade.additional_duty": (NOTE, "major"),  # CVD 17.0 % for BYD beats 35.3 % residual
        "trade.fta_china": (NOTE, "info"),  # no EU-China FTA
    },
    "GB": {
        "roads.steering_side": (FAIL, "minor"),  # LHD in left-hand traffic, registrable (IVA)
        "charging.dc_connector": (FAIL, "blocker"),
        "charging.ac_connector": (FAIL, "major"),
        "charging.mains_voltage": (OK, "info"),
        "regulation.type_approval": (NOTE, "info"),  # UNECE: checked regulation by regulation
        "trade.additional_duty": (OK, "info"),  # the UK charges no additional duty
        "trade.fta_china": (NOTE, "info"),
    },
    "TH": {
        "roads.steering_side": (FAIL, "blocker"),  # LHD cars are not registered
        "charging.dc_connector": (FAIL, "blocker"),  # GB/T vs CCS2, CHAdeMO
        "charging.ac_connector": (FAIL, "major"),
        "charging.mains_voltage": (OK, "info"),  # 220 V
        "trade.fta_china": (NOTE, "info"),  # ACFTA applies
    },
    "AU": {
        "roads.steering_side": (FAIL, "major"),  # LHD only under concessional approval
        "charging.dc_connector": (FAIL, "blocker"),
        "charging.ac_connector": (FAIL, "major"),
        "regulation.type_approval": (FAIL, "blocker"),  # ADR compliance not held
        "trade.fta_china": (NOTE, "info"),  # ChAFTA
    },
    "BR": {
        "roads.steering_side": (OK, "info"),
        "charging.dc_connector": (FAIL, "blocker"),
        "charging.ac_connector": (FAIL, "major"),
        "trade.fta_china": (NOTE, "info"),
    },
    "US": {
        "roads.steering_side": (OK, "info"),
        "charging.dc_connector": (FAIL, "blocker"),  # GB/T vs CCS1, NACS
        "charging.ac_connector": (FAIL, "major"),  # GB/T vs Type 1, NACS
        "charging.mains_voltage": (OK, "info"),  # 120 V within 90-264 V
        "regulation.type_approval": (FAIL, "blocker"),  # FMVSS self-certification missing
        "regulation.connected_vehicle_origin": (FAIL, "blocker"),  # BIS rule on CN software
        "trade.additional_duty": (NOTE, "major"),  # Section 301: 100 %
        "trade.fta_china": (NOTE, "info"),
    },
}

# Fit score (assess/scoring.py): each counted finding takes a share of what is left — a blocker
# 40 %, a major (fail or note) 15 %, a minor 5 %, an unknown 2 % — rounded half up at the end:
#   DE: 3 blockers, 2 majors, 17 unknown: 100 × 0.6³ × 0.85² × 0.98¹⁷ = 11.07 → 11
#   GB: 1 blocker, 1 major, 1 minor, 18 unknown: 100 × 0.6 × 0.85 × 0.95 × 0.98¹⁸ = 33.68 → 34
#   TH: 2 blockers, 1 major, 20 unknown: 100 × 0.6² × 0.85 × 0.98²⁰ = 20.43 → 20
#   AU: 2 blockers, 2 majors, 20 unknown: 100 × 0.6² × 0.85² × 0.98²⁰ = 17.36 → 17
#   BR: 1 blocker, 1 major, 21 unknown: 100 × 0.6 × 0.85 × 0.98²¹ = 33.37 → 33
#   US: as DE → 11
# (Points subtracted from 100 left DE, TH, AU and US all at the floor of 0.)
SCORES = {"DE": 11, "GB": 34, "TH": 20, "AU": 17, "BR": 33, "US": 11}

# Landed cost, line by line: (key, amount) in the market's currency, then the total and the
# total back in USD. Price: 20,000.00 USD CIF.
LANDED = {
    # DE (EUR at 0.86 per USD): customs value 20,000 × 0.86 = 17,200.00
    #   MFN 10 % (EU CET, via EU) of 17,200.00          =  1,720.00
    #   CVD 17.0 % (BYD, Reg. 2024/2754) of 17,200.00   =  2,924.00
    #   excise 0 % of 21,844.00                          =      0.00
    #   VAT 19 % of 17,200 + 1,720 + 2,924 = 21,844.00   =  4,150.36
    #   total 21,844.00 + 4,150.36 = 25,994.36 EUR; / 0.86 = 30,225.9999… → 30,226.00 USD
    "DE": (
        [
            ("price", "17200.00"),
            ("mfn_duty", "1720.00"),
            ("additional_duty", "2924.00"),
            ("excise", "0.00"),
            ("vat", "4150.36"),
        ],
        "25994.36",
        "30226.00",
    ),
    # GB (GBP at 0.75): 20,000 × 0.75 = 15,000.00; UKGT 10 % = 1,500.00; additional 0 % = 0.00;
    #   excise 0.00; VAT 20 % of 16,500.00 = 3,300.00; total 19,800.00 GBP; / 0.75 = 26,400.00
    "GB": (
        [
            ("price", "15000.00"),
            ("mfn_duty", "1500.00"),
            ("additional_duty", "0.00"),
            ("excise", "0.00"),
            ("vat", "3300.00"),
        ],
        "19800.00",
        "26400.00",
    ),
    # TH (THB at 32.5): 20,000 × 32.5 = 650,000.00; ACFTA 0 % beats MFN 80 % = 0.00
    #   (MFN would have been 520,000.00); excise 8 % of 650,000.00 = 52,000.00;
    #   VAT 7 % of 702,000.00 = 49,140.00; total 751,140.00 THB; / 32.5 = 23,112.00 USD
    "TH": (
        [("price", "650000.00"), ("mfn_duty", "0.00"), ("excise", "52000.00"), ("vat", "49140.00")],
        "751140.00",
        "23112.00",
    ),
    # AU (AUD at 1.53): 20,000 × 1.53 = 30,600.00; ChAFTA 0 % beats MFN 5 % = 0.00;
    #   excise: no fact (unknown, counted as 0); GST 10 % of 30,600.00 = 3,060.00;
    #   total 33,660.00 AUD (incomplete); / 1.53 = 22,000.00 USD
    "AU": (
        [("price", "30600.00"), ("mfn_duty", "0.00"), ("excise", None), ("vat", "3060.00")],
        "33660.00",
        "22000.00",
    ),
    # BR (BRL at 5.40) on 2026-07-01: 20,000 × 5.40 = 108,000.00; duty 35 % = 37,800.00;
    #   excise and VAT unknown; total 145,800.00 BRL (incomplete); / 5.40 = 27,000.00 USD
    "BR": (
        [("price", "108000.00"), ("mfn_duty", "37800.00"), ("excise", None), ("vat", None)],
        "145800.00",
        "27000.00",
    ),
    # US (USD): 20,000.00; HTS 2.5 % = 500.00; Section 301 100 % = 20,000.00; excise and VAT
    #   unknown (state sales taxes are not modelled); total 40,500.00 USD (incomplete)
    "US": (
        [
            ("price", "20000.00"),
            ("mfn_duty", "500.00"),
            ("additional_duty", "20000.00"),
            ("excise", None),
            ("vat", None),
        ],
        "40500.00",
        "40500.00",
    ),
}


@pytest.fixture
def scenario(atlas: Atlas, write_bundle: Callable[..., Path]) -> Atlas:
    atlas.import_files([write_bundle(FACTS)])
    return atlas


def _assess(atlas: Atlas, market: str, on: date = ON, spec: VehicleSpec = SPEC) -> Assessment:
    with atlas.read() as connection:
        return assess_model(connection, atlas.cli_principal(), spec=spec, market=market, on=on)


def _applicable() -> set[str]:
    return {r.id for r in RULES.values() if r.applies(SPEC)} - SILENT


def test_each_market_gives_the_findings_and_prices_worked_out_by_hand(scenario: Atlas) -> None:
    for market, expected in EXPECTED.items():
        result = _assess(scenario, market)
        decided = {
            f.rule: (f.status, str(f.severity))
            for f in result.findings
            if f.status is not Status.UNKNOWN
        }
        assert decided == expected, market
        unknown = sorted(f.rule for f in result.findings if f.status is Status.UNKNOWN)
        assert unknown == sorted(_applicable() - set(expected)), market
        assert result.score == SCORES[market], market
        lines, total, in_usd = LANDED[market]
        got = [
            (line.key, None if line.amount is None else str(line.amount))
            for line in result.cost.lines
        ]
        assert got == lines, market
        assert str(result.cost.total) == total, market
        assert str(result.cost.total_in_model_currency) == in_usd, market
        assert result.cost.complete == all(amount is not None for _key, amount in lines)


def test_the_dated_duties_and_the_inherited_and_maker_specific_facts(scenario: Atlas) -> None:
    # Brazil on 2026-06-30: the 25 % step still holds (GECEX 512/2023):
    #   108,000.00 × 25 % = 27,000.00 → total 135,000.00 BRL / 5.40 = 25,000.00 USD
    before = _assess(scenario, "BR", date(2026, 6, 30))
    assert before.cost.line("mfn_duty").rate == 25.0  # type: ignore[union-attr]
    assert (before.cost.total, before.cost.total_in_model_currency) == (
        Decimal("135000.00"),
        Decimal("25000.00"),
    )
    germany = _assess(scenario, "DE")
    duty = next(f for f in germany.findings if f.rule == "trade.additional_duty")
    assert [(f.value, f.qualifiers, f.inherited_from) for f in duty.facts] == [
        (17.0, {"maker": "BYD", "origin": "CN"}, "EU")
    ]
    # Another Chinese maker pays the residual 35.3 %: 17,200.00 × 35.3 % = 6,071.60
    other = _assess(scenario, "DE", spec=SPEC.with_changes(maker="Other Motors"))
    assert other.cost.line("additional_duty").amount == Decimal("6071.60")  # type: ignore[union-attr]


def test_variants_change_the_findings_as_expected(scenario: Atlas) -> None:
    principal = scenario.cli_principal()
    with scenario.read() as connection:
        # "What if we add CCS2 and Type 2 inlets" in Germany: the DC blocker and the AC major
        # become ok: 2 blockers, 1 major, 17 unknown left, 100 × 0.6² × 0.85 × 0.98¹⁷ = 21.7:
        # the score rises from 11 to 22; the price does not move.
        ports = assess_variant(
            connection,
            principal,
            spec=SPEC,
            changes=parse_changes(["dc_connectors+=CCS2", "ac_connectors+=Type2"]),
            market="DE",
            on=ON,
        )
        # "Build it in Thailand" for Germany: the CVD on Chinese BYD cars no longer applies
        # (the unqualified EU fact says 0 %): 17,200 + 1,720 + 0 + 0 = 18,920.00;
        # VAT 19 % = 3,594.80; total 22,514.80 EUR, 3,479.56 less than 25,994.36.
        thailand = assess_variant(
            connection,
            principal,
            spec=SPEC,
            changes=parse_changes(["origin=TH"]),
            market="DE",
            on=ON,
        )
    assert {f.rule for f in ports.resolved} == {"charging.dc_connector", "charging.ac_connector"}
    assert {(f.rule, f.status) for f in ports.introduced} == {
        ("charging.dc_connector", OK),
        ("charging.ac_connector", OK),
    }
    assert (ports.base.score, ports.variant.score) == (11, 22)
    assert ports.total_change == Decimal("0.00")
    assert thailand.variant.cost.total == Decimal("22514.80")
    assert thailand.total_change == Decimal("-3479.56")
    resolved = {f.rule for f in thailand.resolved}
    assert resolved == {"trade.additional_duty", "trade.fta_china"}  # fta_china: CN only
    assert {(f.rule, f.status) for f in thailand.introduced} == {("trade.additional_duty", OK)}
    # The US with CCS1 + NACS ports: DC and AC pass; Section 301 and the BIS rule remain.
    with scenario.read() as connection:
        us = assess_variant(
            connection,
            principal,
            spec=SPEC,
            changes=parse_changes(["dc_connectors=CCS1,NACS", "ac_connectors=NACS"]),
            market="US",
            on=ON,
        )
    assert [f.rule for f in us.variant.blockers] == [
        "regulation.type_approval",
        "regulation.connected_vehicle_origin",
    ]


def test_the_html_report_holds_every_finding_and_every_source(scenario: Atlas) -> None:
    result = _assess(scenario, "DE")
    html = render_html(result, market_name="Germany")
    chinese = render_html(result, market_name="德国", language="zh")  # tests/assess/test_report*
    for finding in result.findings:
        assert finding.message.en.replace("'", "&#39;") in html
        assert finding.message.zh in chinese
    for source in result.sources():
        assert source["title"] in html
    # eu-afir, eu-cvd, eu-cet, eu-2018-858, eu-gsr, iec-60038, roads-vienna, no-fta (findings);
    # ecb-rates, de-ustg, de-kraftstg (cost lines)
    assert len(result.sources()) == 11
    assert "<svg" in html and "Customer price" in html
    assert html.index('id="severity-blocker"') < html.index('id="severity-major"')


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_pdf_report_is_produced(scenario: Atlas, tmp_path: Path) -> None:
    result = _assess(scenario, "TH")
    path = tmp_path / "report.pdf"
    path.write_bytes(render_pdf(result, market_name="Thailand"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "AA GB/T Sedan" in text
    assert "registration of LHD cars is banned" in text
    assert "ASEAN-China Agreement on Trade in Goods" in text


def test_the_matrix_ranks_by_the_explained_score(scenario: Atlas) -> None:
    principal = scenario.cli_principal()
    with scenario.write() as tx:
        service.create_model(tx, principal, SPEC)
    with scenario.read() as connection:
        rows = portfolio_matrix(connection, principal, on=ON, markets=list(EXPECTED))
    # Score first (GB 34, BR 33, TH 20, AU 17, DE and US 11), then fewer blockers (DE and
    # US 3 each), then the market code.
    assert [(r.assessment.market, r.assessment.score) for r in rows] == [
        ("GB", 34),
        ("BR", 33),
        ("TH", 20),
        ("AU", 17),
        ("DE", 11),
        ("US", 11),
    ]
    gb = rows[0].as_dict()
    # The explanation adds up to what the score lost, the heaviest finding first: the
    # DC-connector blocker takes 40 of 100, the AC major 15 % of the 60 left (9), the minor
    # (steering side) 5 % of 51 (3), each unknown 1 or 0.
    assert sum(p["points"] for p in gb["penalties"]) == 66
    assert [(p["why"], p["points"]) for p in gb["penalties"][:3]] == [
        ("blocker", 40),
        ("major", 9),
        ("minor", 3),
    ]
    assert gb["landed_total"] == "19800.00" and gb["currency"] == "GBP"
    for row in rows:  # each price line cites its own market's rate, not the others'
        price = row.assessment.cost.line("price")
        assert price is not None
        assert {f.market for f in price.facts} <= {row.assessment.market}
