"""The shipped starter dataset: it loads whole, every curated value is sourced and dated,
and no market of the starter list has an empty dimension."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from autoatlas.atlas import Atlas
from autoatlas.config import Settings

DATA = Path(__file__).resolve().parents[2] / "data"
CURATED = DATA / "markets"
STARTER = [
    "DE",
    "FR",
    "IT",
    "ES",
    "NL",
    "BE",
    "SE",
    "PL",
    "PT",
    "AT",
    "DK",
    "FI",
    "IE",
    "CZ",
    "HU",
    "GR",
    "RO",
    "GB",
    "NO",
    "CH",
    "TR",
    "IL",
    "RU",
    "KZ",
    "UZ",
    "AZ",
    "AE",
    "SA",
    "QA",
    "KW",
    "EG",
    "MA",
    "ZA",
    "NG",
    "KE",
    "TH",
    "MY",
    "ID",
    "VN",
    "PH",
    "SG",
    "KH",
    "AU",
    "NZ",
    "JP",
    "KR",
    "IN",
    "PK",
    "BD",
    "LK",
    "BR",
    "MX",
    "CL",
    "CO",
    "PE",
    "AR",
    "UY",
    "EC",
    "CA",
    "US",
    "CN",
    "CN-CQ",
    "CN-GD",
    "CN-SH",
    "CN-AH",
    "CN-ZJ",
]
# A bloc's climate, roads or customs are its members'; the bloc itself holds law and trade.
BLOC_DIMENSIONS = ("policy", "regulation", "trade")


@pytest.fixture(scope="module")
def loaded(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Atlas:
    path = tmp_path_factory.mktemp("starter") / "starter.db"
    shutil.copyfile(sqlite_template, path)
    atlas = Atlas(Settings(database_url=f"sqlite:///{path}"))
    atlas.import_files([DATA])
    return atlas


def curated_files() -> list[Path]:
    return sorted(CURATED.glob("*.yaml"))


def test_the_whole_dataset_imports_and_reimports_as_unchanged(loaded: Atlas) -> None:
    again = loaded.import_files([DATA], dry_run=True)
    assert again.added == 0 and again.superseded == 0
    assert again.unchanged == again.facts > 0


@pytest.mark.parametrize("path", curated_files(), ids=lambda p: p.stem)
def test_every_curated_fact_is_sourced_checked_and_rated(path: Path) -> None:
    bundle = yaml.safe_load(path.read_text(encoding="utf-8"))
    sources = {source["id"]: source for source in bundle.get("sources", [])}
    for source in sources.values():
        assert source.get("title") and source.get("publisher"), source
        assert str(source.get("url", "https://")).startswith(("https://", "http://")), source
    for fact in bundle["facts"]:
        assert fact.get("sources"), fact
        assert all(ref in sources for ref in fact["sources"]), fact
        assert fact.get("confidence") in ("high", "medium", "low"), fact
        assert isinstance(fact.get("checked"), date), fact


def test_one_curated_file_per_starter_market() -> None:
    present = {path.stem for path in curated_files()}
    assert set(STARTER) | {"EU"} <= present


def test_no_starter_market_has_an_unexplained_empty_dimension(loaded: Atlas) -> None:
    """Every empty dimension is a hole listed, with its reason, in known_holes.yaml."""
    today = date(2026, 11, 22)
    coverage = loaded.coverage([*STARTER, "EU"], as_of=today)
    empty = {
        (code, dimension)
        for code, counts in coverage.counts.items()
        for dimension, count in counts.items()
        if count == 0 and (code != "EU" or dimension in BLOC_DIMENSIONS)
    }
    holes = Path(__file__).with_name("known_holes.yaml")
    listed = yaml.safe_load(holes.read_text(encoding="utf-8"))["holes"]
    known = {(code, dimension) for code, dims in listed.items() for dimension in dims}
    assert all(reason.strip() for dims in listed.values() for reason in dims.values())
    assert empty == known


def test_the_readme_shows_the_current_coverage_matrix(loaded: Atlas) -> None:
    from autoatlas.cli.output import coverage_markdown

    readme = (DATA / "README.md").read_text(encoding="utf-8")
    shown = readme.split("<!-- coverage:start -->\n")[1].split("<!-- coverage:end -->")[0]
    matrix = coverage_markdown(loaded.coverage(["EU", *STARTER], as_of=date(2026, 11, 22)))
    assert shown == matrix, "regenerate the matrix in data/README.md (see its Coverage section)"
