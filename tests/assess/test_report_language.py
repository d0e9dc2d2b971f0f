"""Reports and charts in English or Chinese: a Chinese report says everything in Chinese
(headings, severities, messages, rule descriptions, cost lines) and its PDF carries Chinese
text in the installed CJK font; an English one holds no Chinese character. Every rule is
described in both languages, and the CLI, the API and the web pass the language through."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from scenario_gbt_bev import FACTS, MODEL
from typer.testing import CliRunner

from autoatlas.api import create_app
from autoatlas.assess import landed_cost, report
from autoatlas.assess.assessment import Assessment
from autoatlas.assess.catalogue import rules_table
from autoatlas.assess.chart import COST_LABELS_ZH, cost_note, waterfall_svg
from autoatlas.assess.landed_cost import CostLine, LandedCost
from autoatlas.assess.portfolio import assess_model
from autoatlas.assess.report import render_html, render_pdf
from autoatlas.atlas import Atlas
from autoatlas.auth import service as accounts
from autoatlas.auth.principal import ROLE_SCOPES, Role
from autoatlas.cli.commands import vehicles as commands
from autoatlas.config import Settings
from autoatlas.domain.facts import SOURCE_KINDS
from autoatlas.rules.engine import RULES, _load_library, rule
from autoatlas.vehicles.spec import VehicleSpec

ON = date(2026, 7, 1)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
TEMPLATE = Path(report.__file__).parent / "templates" / "report.html.j2"
HAS_POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdffonts") is not None


@pytest.fixture
def scenario(atlas: Atlas, write_bundle: Callable[..., Path]) -> Atlas:
    atlas.import_files([write_bundle(FACTS)])
    return atlas


def _assess(atlas: Atlas, market: str) -> Assessment:
    spec = VehicleSpec.model_validate(MODEL)
    with atlas.read() as connection:
        return assess_model(connection, atlas.cli_principal(), spec=spec, market=market, on=ON)


def _pdf_text(pdf: bytes, tmp_path: Path) -> tuple[str, str]:
    """The PDF's text and its font list, as poppler reads them."""
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    run = [["pdftotext", "-layout", str(path), "-"], ["pdffonts", str(path)]]
    text, fonts = (
        subprocess.run(c, capture_output=True, text=True, check=True).stdout for c in run
    )
    return text, fonts


def test_a_chinese_report_says_everything_in_chinese(scenario: Atlas) -> None:
    result = _assess(scenario, "DE")
    chinese = render_html(result, market_name="德国", language="zh")
    english = render_html(result, market_name="Germany")
    assert '<html lang="zh-Hans">' in chinese and '<html lang="en">' in english
    for finding in result.findings:
        assert finding.message.zh in chinese
        assert finding.message.en.replace("'", "&#39;") not in chinese
        assert RULES[finding.rule].description_zh in chinese
        assert RULES[finding.rule].description.replace("'", "&#39;") in english
    for heading in ("发现项", "到岸成本（EUR）", "来源", "评分为何是", "适配评分"):
        assert heading in chinese
    assert 'id="severity-blocker">阻断' in chinese  # severity names
    assert "终端售价" in chinese and "完税价格" in chinese and "增值税 / 商品及服务税" in chinese
    assert "未知——无事实" in chinese  # why an unknown finding costs points
    kinds = {s.kind for f in result.findings for fact in f.facts for s in fact.sources}
    assert kinds
    for kind in kinds:  # the source list names each source's kind in the language
        assert f"({report._ZH[kind]})" in chinese and f"({kind})" in english
    # The English report holds no Chinese at all (the scenario's sources are in English).
    assert CJK.findall(english) == []
    with pytest.raises(ValueError, match="en or zh"):
        render_html(result, language="fr")


def test_a_variant_is_reported_in_the_report_language(scenario: Atlas) -> None:
    from autoatlas.assess.portfolio import assess_with_changes

    spec = VehicleSpec.model_validate(MODEL)
    with scenario.read() as connection:
        result, comparison = assess_with_changes(
            connection,
            scenario.cli_principal(),
            spec=spec,
            changes=["dc_connectors+=CCS2"],
            market="TH",
            on=ON,
        )
    assert comparison is not None and comparison.resolved
    chinese = render_html(result, comparison=comparison, language="zh")
    assert "变体：dc_connectors+=CCS2" in chinese and "变更后解决的问题" in chinese
    for finding in comparison.resolved:
        assert finding.message.zh in chinese


@pytest.mark.skipif(not HAS_POPPLER, reason="poppler-utils not installed")
def test_the_chinese_pdf_shows_chinese_text_and_the_english_one_none(
    scenario: Atlas, tmp_path: Path
) -> None:
    result = _assess(scenario, "TH")
    text, fonts = _pdf_text(render_pdf(result, market_name="泰国", language="zh"), tmp_path)
    flat = re.sub(r"\s+", "", text)  # the layout may break a line inside a phrase
    assert "发现项" in flat and "终端售价" in flat and "泰国" in flat
    assert "泰国不允许左舵车注册登记" in flat or any(
        re.sub(r"\s+", "", f.message.zh) in flat for f in result.findings
    )
    assert "WenQuanYi" in fonts  # real glyphs from the CJK font, not boxes
    text, _fonts = _pdf_text(render_pdf(result, market_name="Thailand"), tmp_path)
    assert "Findings" in text and CJK.findall(text) == []


def test_every_rule_is_described_in_english_and_chinese() -> None:
    _load_library()
    assert len(RULES) >= 25
    for item in RULES.values():
        assert item.description.strip() and CJK.search(item.description_zh), item.id
        assert item.describe("zh") == item.description_zh
        assert item.describe("en") == item.description
    assert all(item.description_zh in rules_table() for item in RULES.values())


def test_a_rule_without_a_chinese_description_is_refused() -> None:
    before = dict(RULES)
    with pytest.raises(TypeError, match="description_zh"):
        rule("test.no_zh", reads=(), description="checks nothing")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="description_zh"):
        rule("test.blank_zh", reads=(), description="checks nothing", description_zh=" ")
    assert before == RULES


def test_every_text_of_the_report_has_its_chinese() -> None:
    source = TEMPLATE.read_text(encoding="utf-8")
    texts = set(re.findall(r'\bt\("([^"]+)"', source))
    texts |= {"Resolved by the change", "Brought by the change"}  # looped titles
    texts |= {"blocker", "major", "minor", "info", "ok", "fail", "unknown", "note"}
    texts |= {"unknown — no fact"}  # scoring's reason for an unknown finding
    texts |= set(SOURCE_KINDS)  # the source list names each source's kind
    missing = sorted(t for t in texts if not CJK.search(report._ZH.get(t, "")))
    assert missing == []
    translate = report._translator("zh")
    assert translate("Why the score is %(score)s", score=34) == "评分为何是 34"
    assert report._translator("en")("Why the score is %(score)s", score=34) == (
        "Why the score is 34"
    )


def test_the_waterfall_and_the_cost_notes_speak_the_language() -> None:
    cost = LandedCost(currency="THB", model_currency="USD")
    cost.lines += [
        CostLine("price", "Customs value", None, Decimal(650000), (), None),
        CostLine("mfn_duty", "Import duty (MFN)", 80.0, Decimal(520000), (), None),
        CostLine("vat", "VAT / GST", None, None, (), "no fact: VAT / GST"),
    ]
    chinese, english = waterfall_svg(cost, language="zh"), waterfall_svg(cost)
    assert "<title>完税价格: 650,000</title>" in chinese and "终端售价" in chinese
    assert "进口关税（最惠国）: 520,000" in chinese  # the tooltip holds the whole label
    assert "进口关税（最惠…</text>" in chinese  # cut under the bar, a character as two
    assert "WenQuanYi Micro Hei" in chinese
    assert CJK.findall(english) == [] and "Import duty (MFN)" in english
    assert cost_note("no fact: VAT / GST", "zh") == "无事实：增值税 / 商品及服务税"
    assert cost_note("price is FOB: freight and insurance are not included", "zh") == (
        "价格为 FOB：不含运费和保险费"
    )
    assert cost_note("something new", "zh") == "something new"
    assert cost_note("no fact: VAT / GST", "en") == "no fact: VAT / GST"


def test_the_cli_writes_the_report_in_the_language_asked(
    scenario: Atlas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer

    app = typer.Typer()
    app.command("assess")(commands.assess)
    app.command("matrix")(commands.matrix)  # two commands: `assess` stays a subcommand
    monkeypatch.setenv("AUTOATLAS_DATABASE_URL", scenario.settings.database_url)
    spec = tmp_path / "aa.yaml"
    spec.write_text(yaml.safe_dump(MODEL))
    html = tmp_path / "aa-th.html"
    args = ["assess", str(spec), "-m", "TH", "--on", "2026-07-01", "--html", str(html)]
    result = CliRunner().invoke(app, [*args, "--lang", "zh"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert '<html lang="zh-Hans">' in html.read_text() and "泰国" in html.read_text()
    assert "终端售价" in result.output  # the table too
    refused = CliRunner().invoke(app, [*args, "--lang", "fr"])
    assert refused.exit_code != 0 and "en or zh" in str(refused.exception)


def test_the_api_report_takes_lang(scenario: Atlas) -> None:
    root = scenario.cli_principal()
    with scenario.write() as tx:
        accounts.create_organization(tx, root, slug="acme", name="Acme", kind="enterprise")
        user = accounts.create_user(
            tx, root, email="c@acme.example", name="c", organization="acme", role="contributor"
        )
        token, _ = accounts.issue_token(
            tx, root, user_id=user, name="t", scopes=sorted(ROLE_SCOPES[Role.CONTRIBUTOR])
        )
    app = create_app(Settings(database_url=scenario.settings.database_url), atlas=scenario)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as http:
        assert http.post("/api/v1/models", json=MODEL, headers=headers).status_code == 201
        url = "/api/v1/models/aa-gbt-sedan/assessment?market=TH&on=2026-07-01&format=html"
        chinese = http.get(url + "&lang=zh", headers=headers).text
        assert '<html lang="zh-Hans">' in chinese and "发现项" in chinese and "泰国" in chinese
        assert CJK.findall(http.get(url, headers=headers).text) == []
        assert http.get(url + "&lang=fr", headers=headers).status_code == 422
        data = http.get(url.replace("&format=html", "&lang=zh"), headers=headers).json()
        assert json.dumps(data)  # JSON answers carry both languages whatever lang says
        assert {"en", "zh"} <= set(data["findings"][0]["message"])


def test_every_cost_line_label_has_its_chinese() -> None:
    """A label landed_cost starts to write without a Chinese one would stay English in a
    Chinese report: the labels are read from its source, so a new one fails here."""
    source = Path(landed_cost.__file__).read_text(encoding="utf-8")
    pattern = r'(?:_percent_line\(\s*lines,|CostLine\()\s*"\w+",\s*"([^"]+)"'
    labels = set(re.findall(pattern, source))
    labels |= set(re.findall(r'"(Import duty \([^"]+\))"', source))
    assert {"Customs value", "VAT / GST", "Import duty (MFN)"} <= labels  # the pattern reads
    assert sorted(labels - set(COST_LABELS_ZH)) == []
