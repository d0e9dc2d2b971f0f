"""The market catalogue built from pycountry, Babel and blocs.yaml, and docs/markets.md."""

from __future__ import annotations

import re
import time
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pycountry
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from autoatlas.domain.markets import MarketKind, blocs_of, members_of
from autoatlas.vocabulary.markets import (
    MarketCatalogue,
    MarketDataError,
    UnknownMarketError,
    load_market_catalogue,
    membership_table_markdown,
    parse_blocs,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "markets.md"
TABLE_BEGIN = "<!-- blocs:begin (generated, do not edit by hand) -->"
TABLE_END = "<!-- blocs:end -->"
REGENERATE = (
    'python -c "from autoatlas.vocabulary.markets import *; '
    "print(membership_table_markdown(load_market_catalogue()), end='')\""
)


@pytest.fixture(scope="module")
def catalogue() -> MarketCatalogue:
    return load_market_catalogue()


@pytest.fixture(scope="module")
def raw_blocs() -> dict[str, Any]:
    text = resources.files("autoatlas.vocabulary").joinpath("blocs.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def test_catalogue_is_built_once(catalogue: MarketCatalogue) -> None:
    assert load_market_catalogue() is catalogue


def test_building_is_fast() -> None:
    started = time.perf_counter()
    load_market_catalogue.__wrapped__()
    assert time.perf_counter() - started < 1.5  # about 0.1 s here; generous for slow CI


def test_every_iso_country_is_a_market(catalogue: MarketCatalogue) -> None:
    countries = catalogue.of_kind(MarketKind.COUNTRY)
    assert len(countries) == len(pycountry.countries)
    for country in pycountry.countries:
        market = catalogue.get(country.alpha_2)
        assert market.kind is MarketKind.COUNTRY
        assert market.parent is None
        assert re.search(r"[\u4e00-\u9fff]", market.name_zh), market


def test_every_iso_subdivision_is_a_market(catalogue: MarketCatalogue) -> None:
    assert len(catalogue.of_kind(MarketKind.SUBDIVISION)) == len(pycountry.subdivisions)
    for sub in pycountry.subdivisions:
        market = catalogue.markets[sub.code]
        assert market.kind is MarketKind.SUBDIVISION
        assert market.parent == sub.country_code
        assert market.parent in catalogue.markets
        assert market.name_en == sub.name
        assert market.name_zh


@pytest.mark.parametrize(
    ("code", "name_zh"),
    [
        ("CN-CQ", "重庆市"),
        ("CN-GD", "广东省"),
        ("CN-SH", "上海市"),
        ("CN-AH", "安徽省"),
        ("CN-ZJ", "浙江省"),
    ],
)
def test_chinese_provinces(catalogue: MarketCatalogue, code: str, name_zh: str) -> None:
    market = catalogue.get(code.lower())
    assert (market.code, market.kind, market.parent, market.name_zh) == (
        code,
        MarketKind.SUBDIVISION,
        "CN",
        name_zh,
    )


def test_country_names(catalogue: MarketCatalogue) -> None:
    assert (catalogue.get("DE").name_en, catalogue.get("DE").name_zh) == ("Germany", "德国")
    assert catalogue.get("KR").name_en == "South Korea"  # pycountry's common_name
    assert catalogue.get("GB").name_zh == "英国"


def test_blocs_are_markets(catalogue: MarketCatalogue) -> None:
    codes = [m.code for m in catalogue.of_kind(MarketKind.BLOC)]
    assert codes == ["ASEAN", "EAEU", "EU", "GCC", "MERCOSUR", "UNECE-1958"]
    assert catalogue.get("eu").name_zh == "欧洲联盟"
    assert "unece-1958" in catalogue and "UK" not in catalogue and 42 not in catalogue


def test_gb_left_the_eu(catalogue: MarketCatalogue) -> None:
    assert "EU" in catalogue.blocs_of("GB", date(2019, 6, 1))
    assert "EU" not in catalogue.blocs_of("GB", date(2020, 2, 1))
    assert "UNECE-1958" in catalogue.blocs_of("GB", date(2020, 2, 1))


def test_bulgaria_joined_the_eu(catalogue: MarketCatalogue) -> None:
    assert "EU" not in catalogue.blocs_of("BG", date(2006, 12, 31))
    assert "EU" in catalogue.blocs_of("BG", date(2007, 1, 1))


def test_eu_has_27_members_now(catalogue: MarketCatalogue) -> None:
    assert len(catalogue.members_of("EU", date(2025, 1, 1))) == 27
    assert len(catalogue.members_of("EU", date(2019, 1, 1))) == 28


def test_other_blocs(catalogue: MarketCatalogue) -> None:
    on = date(2025, 11, 1)
    assert catalogue.members_of("EAEU", on) == ["AM", "BY", "KG", "KZ", "RU"]
    assert catalogue.members_of("GCC", on) == ["AE", "BH", "KW", "OM", "QA", "SA"]
    assert "TL" in catalogue.members_of("ASEAN", on)
    assert "TL" not in catalogue.members_of("ASEAN", date(2025, 10, 25))
    assert catalogue.members_of("MERCOSUR", on) == ["AR", "BO", "BR", "PY", "UY"]
    assert "VE" in catalogue.members_of("MERCOSUR", date(2015, 1, 1))
    assert catalogue.blocs_of("EU", on) == ["UNECE-1958"]


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=date(1955, 1, 1), max_value=date(2035, 12, 31)))
def test_blocs_of_agrees_with_members_of_on_real_data(on: date) -> None:
    catalogue = load_market_catalogue()
    items = catalogue.memberships
    blocs = [m.code for m in catalogue.of_kind(MarketKind.BLOC)]
    members = {m.member for m in items}
    for member in members:
        for bloc in blocs_of(member, on, items):
            assert member in members_of(bloc, on, items)
    for bloc in blocs:
        for member in members_of(bloc, on, items):
            assert bloc in blocs_of(member, on, items)


def test_every_membership_cites_a_source(
    catalogue: MarketCatalogue, raw_blocs: dict[str, Any]
) -> None:
    for membership in catalogue.memberships:
        assert membership.source in catalogue.sources, membership
        assert membership.valid_from is not None, membership
    for bloc in raw_blocs["blocs"]:
        for item in bloc["members"]:
            assert item.get("valid_to_source", item["source"]) in catalogue.sources


def test_every_source_is_citable(catalogue: MarketCatalogue) -> None:
    for key, source in catalogue.sources.items():
        assert source["id"] == key
        assert source["url"].startswith("https://"), key
        assert source["publisher"], key
        assert source["title"], key
        assert source["kind"] in {"law", "official_statistics", "dataset", "news"}, key


def test_unknown_code_suggests_the_right_one(catalogue: MarketCatalogue) -> None:
    with pytest.raises(KeyError) as caught:
        catalogue.get("UK")
    assert str(caught.value) == "unknown market 'UK': did you mean GB (United Kingdom)?"
    assert isinstance(caught.value, UnknownMarketError)
    assert caught.value.suggestions == ["GB (United Kingdom)"]


@pytest.mark.parametrize(
    ("code", "suggested"),
    [("el", "GR"), ("Germany", "DE"), ("德国", "DE"), ("CN-CQQ", "CN-CQ"), ("EU-27", "EU")],
)
def test_unknown_code_suggestions(catalogue: MarketCatalogue, code: str, suggested: str) -> None:
    with pytest.raises(UnknownMarketError, match=f"did you mean {suggested} "):
        catalogue.get(code)


def test_unknown_code_without_a_close_match(catalogue: MarketCatalogue) -> None:
    with pytest.raises(UnknownMarketError) as caught:
        catalogue.get("QQ")
    assert str(caught.value) == "unknown market 'QQ'"


def test_subdivisions_of(catalogue: MarketCatalogue) -> None:
    codes = [m.code for m in catalogue.subdivisions_of("cn")]
    assert "CN-CQ" in codes and all(c.startswith("CN-") for c in codes)


# --- blocs.yaml validation ----------------------------------------------------------------


def _data(member: Any, **extra: Any) -> dict[str, Any]:
    source = {"id": "s", "kind": "law", "title": "T", "publisher": "P", "url": "https://x.org"}
    item = {"member": member, "valid_from": date(2000, 1, 1), "source": "s", **extra}
    return {"sources": [source], "blocs": [{"code": "B", "name": {"en": "B", "zh": "乙"},
                                            "members": [item]}]}  # fmt: skip


def test_parse_blocs_accepts_good_data() -> None:
    blocs, memberships, sources = parse_blocs(_data("DE"), known={"DE"})
    assert [b.code for b in blocs] == ["B"] and memberships[0].member == "DE" and "s" in sources


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_data(False), r"blocs\[0\] \(B\) members\[0\]: member must be a code in quotes"),
        (_data("XX"), r"members\[0\]: member 'XX' is not a known country"),
        (_data("DE", source="nope"), r"\(DE\): source 'nope' is not in 'sources'"),
        (_data("DE", valid_to_source="nope"), r"valid_to_source 'nope' is not in 'sources'"),
        (_data("DE", valid_to=date(1999, 1, 1)), r"valid_to 1999-01-01 must be after"),
        (_data("DE", valid_from=None), r"'valid_from' is required"),
        (_data("DE", valid_from="2000"), r"valid_from must be a date"),
        (_data("DE", since=date(2000, 1, 1)), r"unknown keys \['since'\]"),
        ({"blocs": []}, r"'sources' must be a non-empty list"),
    ],
)
def test_parse_blocs_says_what_and_where(data: dict[str, Any], message: str) -> None:
    with pytest.raises(MarketDataError, match=message):
        parse_blocs(data, known={"DE"}, where="blocs.yaml")


def test_parse_blocs_rejects_http_and_overlaps() -> None:
    data = _data("DE")
    data["sources"][0]["url"] = "http://x.org"
    with pytest.raises(MarketDataError, match=r"sources\[0\] \(s\): url must start with https"):
        parse_blocs(data, known={"DE"})
    data = _data("DE")
    data["blocs"][0]["members"].append(
        {"member": "DE", "valid_from": date(2001, 1, 1), "source": "s"}
    )
    with pytest.raises(MarketDataError, match="overlapping memberships of DE in B"):
        parse_blocs(data, known={"DE"})


# --- docs/markets.md stays true -----------------------------------------------------------


def _docs_table() -> str:
    text = DOCS.read_text("utf-8")
    assert TABLE_BEGIN in text and TABLE_END in text, "docs/markets.md lost its table markers"
    return text.split(TABLE_BEGIN, 1)[1].split(TABLE_END, 1)[0].strip("\n") + "\n"


def test_every_bloc_member_is_in_the_docs_table(catalogue: MarketCatalogue) -> None:
    table = _docs_table()
    for m in catalogue.memberships:
        since = m.valid_from.isoformat() if m.valid_from else ""
        row = re.compile(rf"^\| {re.escape(m.member)} \|.*\| {since} \|", re.MULTILINE)
        section = table.split(f"### {m.bloc}:", 1)[1].split("### ", 1)[0]
        assert row.search(section), f"{m.member} in {m.bloc} missing from docs/markets.md"


def test_docs_table_is_generated_from_blocs_yaml(catalogue: MarketCatalogue) -> None:
    assert _docs_table() == membership_table_markdown(catalogue), (
        "docs/markets.md is out of date with blocs.yaml; regenerate the table between the "
        f"markers with: {REGENERATE}"
    )


def test_docs_state_the_chinese_name_gap(catalogue: MarketCatalogue) -> None:
    subs = catalogue.of_kind(MarketKind.SUBDIVISION)
    lacking = sum(1 for m in subs if m.name_zh == m.name_en)
    assert f"{lacking:,} of {len(subs):,}" in DOCS.read_text("utf-8")
