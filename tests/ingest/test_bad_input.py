"""Bad input: one file per kind of error. Each is refused whole, says where, changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from autoatlas.atlas import Atlas
from autoatlas.errors import BundleError
from autoatlas.ingest import formats
from factories import bundle

BAD = Path(__file__).parent / "bad"

# file → (line of the error, field, words the message must contain)
CASES = {
    "unknown_market.yaml": (8, "market", "unknown market 'XX'"),
    "uk_is_gb.yaml": (8, "market", "did you mean GB?"),
    "unknown_property.yaml": (9, "property", "unknown property 'roads.driving_sides'"),
    "wrong_type.yaml": (10, "value", "must be a number, got 'eighty'"),
    "wrong_unit.yaml": (11, "unit", "cannot be converted to 'degC'"),
    "enum_not_allowed.yaml": (10, "value", "'middle' is not one of left, right"),
    "valid_to_before_from.yaml": (12, "valid_to", "must be after valid_from"),
    "conflicting_values.yaml": (13, "valid_from", "conflicts with the fact at"),
    "missing_source.yaml": (11, "sources", "source 'srcc' is not defined in this bundle"),
    "no_source.yaml": (8, "sources", "needs at least one source"),
    "malformed.yaml": (11, None, "malformed YAML"),
    "truncated.json": (1, None, "malformed JSON"),
    "truncated.csv": (3, None, "expected 6 columns"),
    "unknown_field.yaml": (11, "valid_form", "did you mean valid_from?"),
    "bad_source_kind.yaml": (3, "kind", "source kind 'rumour' is not one of"),
    "bad_qualifier.yaml": (11, "qualifiers", "qualifier 'colour' is not allowed"),
}


def _count_facts(atlas: Atlas) -> int:
    with atlas.engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM fact")).scalar_one())


@pytest.fixture
def seeded(atlas: Atlas, write_bundle: Callable[..., Path]) -> Atlas:
    atlas.import_files(
        [write_bundle(bundle({"market": "TH", "property": "roads.driving_side", "value": "left"}))]
    )
    return atlas


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_bundle_is_refused_with_its_place_and_changes_nothing(seeded: Atlas, name: str) -> None:
    line, field, words = CASES[name]
    before = _count_facts(seeded)
    with pytest.raises(BundleError) as caught:
        seeded.import_files([BAD / name])
    issues = caught.value.issues
    assert any(words in issue.message for issue in issues), [str(i) for i in issues]
    issue = next(issue for issue in issues if words in issue.message)
    assert issue.file is not None and issue.file.endswith(name)
    assert issue.line == line
    assert issue.field == field
    assert _count_facts(seeded) == before


def test_every_bad_file_has_a_case() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(CASES)


def test_one_bad_file_among_good_ones_stops_them_all(
    seeded: Atlas, write_bundle: Callable[..., Path]
) -> None:
    good = write_bundle(
        bundle({"market": "VN", "property": "roads.driving_side", "value": "right"})
    )
    with pytest.raises(BundleError):
        seeded.import_files([good, BAD / "wrong_type.yaml"])
    assert seeded.profile("VN", as_of=date(2024, 1, 1)) == []


def test_every_error_of_a_bundle_is_reported_at_once(
    seeded: Atlas, write_bundle: Callable[..., Path]
) -> None:
    path = write_bundle(
        bundle(
            {"market": "XX", "property": "roads.driving_side", "value": "left"},
            {"market": "TH", "property": "nope", "value": 1},
            {"market": "TH", "property": "roads.paved_share", "value": "lots"},
        )
    )
    with pytest.raises(BundleError, match="3 errors") as caught:
        seeded.import_files([path])
    assert [issue.field for issue in caught.value.issues] == ["market", "property", "value"]


def test_a_huge_file_is_refused_before_reading(
    seeded: Atlas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A sparse file of 300 MB: over the YAML limit without writing 300 MB to disk.
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(300 * 2**20)
    with pytest.raises(BundleError, match="1 error") as caught:
        seeded.import_files([path])
    assert "over the 64 MB limit" in caught.value.issues[0].message
    monkeypatch.setitem(formats.MAX_BYTES, "json", 10)
    big_json = tmp_path / "big.json"
    big_json.write_text(json.dumps({"facts": []}) + " " * 20)
    with pytest.raises(BundleError, match="1 error"):
        seeded.import_files([big_json])


def test_a_store_level_overlap_is_refused_even_without_the_importer(seeded: Atlas) -> None:
    with seeded.engine.connect() as connection, pytest.raises(sa.exc.IntegrityError):
        connection.execute(
            sa.text(
                "INSERT INTO fact (market, property, qualifiers_key, qualifiers, scope, value, "
                "confidence, visibility, organization_id, recorded_at, digest) VALUES "
                "('TH', 'roads.driving_side', '', '{}', 'public', '\"right\"', 'high', 'public', "
                "1, '2026-01-01 00:00:00', 'x')"
            )
        )


def test_facts_cannot_be_changed_in_place_or_deleted(seeded: Atlas) -> None:
    for statement in (
        "UPDATE fact SET value = '\"right\"'",
        "DELETE FROM fact",
    ):
        with seeded.engine.connect() as connection, pytest.raises(sa.exc.DatabaseError):
            connection.execute(sa.text(statement))
    assert _count_facts(seeded) == 1
