"""The committed reference data agrees with the packages it came from.

Each test rebuilds one bundle from its package and compares it, byte for byte after the hand
corrections, with the committed file. They run when the `refdata` extra is installed
(`pip install -e ".[refdata]"`) and, for the npm packages, when AUTOATLAS_REFDATA_NPM_DIR (or
/tmp/refdata-npm) holds `npm install --prefix DIR cldr-core @rapideditor/country-coder`;
otherwise they skip.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pycountry
import pytest
from refdata_helpers import REFERENCE

from autoatlas.refdata import RefBundle, apply_corrections, countries, load_corrections
from autoatlas.refdata.build import header
from autoatlas.refdata.model import render_bundle
from autoatlas.refdata.packages import NpmPackages
from autoatlas.vocabulary.markets import load_market_catalogue

NPM_DIR = Path(os.environ.get("AUTOATLAS_REFDATA_NPM_DIR", "/tmp/refdata-npm"))


def _npm(*names: str) -> NpmPackages:
    for name in names:
        if not (NPM_DIR / "node_modules" / name / "package.json").is_file():
            pytest.skip(f"npm package {name} not installed under {NPM_DIR}")
    return NpmPackages(NPM_DIR)


def _assert_committed(build: Callable[[frozenset[str]], RefBundle]) -> None:
    generated = build(countries())
    [corrected], _ = apply_corrections([generated], load_corrections())
    committed = (REFERENCE / f"{generated.name}.yaml").read_text(encoding="utf-8")
    assert render_bundle(corrected, header(generated.name)) == committed, (
        f"data/reference/{generated.name}.yaml is out of date: run `autoatlas refdata build`"
    )


def test_fluids_bundle_matches_fluids() -> None:
    pytest.importorskip("fluids")
    from autoatlas.refdata.mains import build_fluids

    _assert_committed(build_fluids)


def test_holidays_bundle_matches_holidays() -> None:
    pytest.importorskip("holidays")
    from autoatlas.refdata.publicholidays import build_holidays

    _assert_committed(build_holidays)


def test_koppen_bundle_matches_pyworldatlas() -> None:
    pytest.importorskip("pyworldatlas")
    from autoatlas.refdata.koppen import build_koppen

    _assert_committed(build_koppen)


def test_firmapanel_bundle_matches_firmapanel() -> None:
    pytest.importorskip("firmapanel_trade_country_data")
    from autoatlas.refdata.wto import build_firmapanel

    _assert_committed(build_firmapanel)


def test_cldr_bundle_matches_cldr_core() -> None:
    npm = _npm("cldr-core")
    from autoatlas.refdata.cldr import build_cldr

    _assert_committed(lambda codes: build_cldr(npm, codes))


def test_country_coder_bundle_matches_country_coder() -> None:
    npm = _npm("@rapideditor/country-coder")
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed")
    from autoatlas.refdata.countrycoder import build_country_coder, country_coder_values

    values = country_coder_values(npm)
    # the known fault the corrections cover: no driving side where a country's parts disagree
    assert {c for c in ("CN", "GB", "US") if values[c]["driveSide"] is None} == {"CN", "GB", "US"}
    _assert_committed(lambda codes: build_country_coder(npm, codes))


def test_fluids_faults_are_still_there_or_the_corrections_can_go() -> None:
    pytest.importorskip("fluids")
    from autoatlas.refdata.mains import residential_power

    table = residential_power()
    assert table["JP"].freq == 50  # Japan runs 50 and 60 Hz: corrected by hand
    assert table["BR"].voltage == 220  # Brazil runs 127 and 220 V: corrected by hand


def test_eu_members_agree_with_country_converter() -> None:
    coco = pytest.importorskip("country_converter")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = coco.CountryConverter().data
    # coco writes Greece's ISO2 as a regular expression; go through ISO3
    iso3 = data.loc[data["EU"] == "EU", "ISO3"]
    theirs = {pycountry.countries.get(alpha_3=code).alpha_2 for code in iso3}
    ours = set(load_market_catalogue().members_of("EU", date.today()))
    assert ours == theirs
