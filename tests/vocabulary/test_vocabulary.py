"""The packaged property vocabulary and its loader."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pint
import pytest
import yaml

from autoatlas.vocabulary import (
    Datatype,
    Label,
    Vocabulary,
    VocabularyError,
    load_vocabulary,
)
from autoatlas.vocabulary.loader import VOCABULARY_FILE
from autoatlas.vocabulary.model import DIMENSION_IDS

PACKAGED = Path(__file__).parents[2] / "src" / "autoatlas" / "vocabulary" / VOCABULARY_FILE
CJK = re.compile(r"[\u4e00-\u9fff]")

LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

Raw = dict[str, Any]


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return load_vocabulary()


@functools.cache
def _packaged_text() -> str:
    return PACKAGED.read_text(encoding="utf-8")


def raw_vocabulary() -> Raw:
    data: Raw = yaml.load(_packaged_text(), Loader=LOADER)
    return data


def raw_property(data: Raw, property_id: str) -> Raw:
    return next(p for p in data["properties"] if p["id"] == property_id)


def write(tmp_path: Path, data: Raw) -> Path:
    path = tmp_path / "properties.yaml"
    text = yaml.dump(data, Dumper=DUMPER, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


# -- the packaged vocabulary ------------------------------------------------------------------


def test_default_vocabulary_is_cached_and_equals_the_file(vocabulary: Vocabulary) -> None:
    assert load_vocabulary() is vocabulary
    again = load_vocabulary(PACKAGED)
    assert again is not vocabulary
    assert again.properties == vocabulary.properties
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", vocabulary.version)


def test_at_least_ninety_properties(vocabulary: Vocabulary) -> None:
    assert len(vocabulary.properties) >= 90
    assert len(vocabulary) == len(vocabulary.properties)


def test_eleven_dimensions_in_order_each_with_four_properties(vocabulary: Vocabulary) -> None:
    assert tuple(vocabulary.dimensions) == DIMENSION_IDS
    assert DIMENSION_IDS == (
        "policy",
        "regulation",
        "trade",
        "charging",
        "climate",
        "environment",
        "roads",
        "culture",
        "habits",
        "customs",
        "market",
    )
    for dimension in DIMENSION_IDS:
        assert len(vocabulary.in_dimension(dimension)) >= 4, dimension


@pytest.mark.parametrize(
    ("property_id", "datatype", "unit"),
    [
        ("roads.driving_side", Datatype.ENUM, None),
        ("charging.dc_connector", Datatype.SET, None),
        ("charging.ac_connector", Datatype.SET, None),
        ("trade.import_duty.passenger_bev", Datatype.PERCENT, "percent"),
        ("trade.import_duty.passenger_phev", Datatype.PERCENT, "percent"),
        ("trade.import_duty.passenger_ice", Datatype.PERCENT, "percent"),
        ("trade.additional_duty.passenger_bev", Datatype.PERCENT, "percent"),
        ("climate.temp_min_c", Datatype.NUMBER, "degC"),
        ("climate.temp_max_c", Datatype.NUMBER, "degC"),
    ],
)
def test_design_properties_exist(
    vocabulary: Vocabulary, property_id: str, datatype: Datatype, unit: str | None
) -> None:
    prop = vocabulary.property(property_id)
    assert prop.datatype is datatype
    assert prop.unit == unit
    assert prop.dimension == property_id.split(".")[0]


def test_design_value_lists_and_qualifiers(vocabulary: Vocabulary) -> None:
    assert vocabulary.property("roads.driving_side").values == ("left", "right")
    assert vocabulary.property("roads.driving_side").value_label("left") == Label("Left", "靠左")
    assert set(vocabulary.property("charging.dc_connector").values or ()) == {
        "CCS1",
        "CCS2",
        "CHAdeMO",
        "GB/T",
        "NACS",
        "ChaoJi",
        "Tesla",
    }
    assert set(vocabulary.property("charging.ac_connector").values or ()) == {
        "Type1",
        "Type2",
        "GB/T",
        "NACS",
        "Tesla",
    }
    additional = vocabulary.property("trade.additional_duty.passenger_bev")
    assert additional.allows_qualifier("origin") and additional.allows_qualifier("maker")
    for property_id in ("climate.temp_min_c", "climate.temp_max_c"):
        assert vocabulary.property(property_id).allows_qualifier("city")
    powertrains = vocabulary.qualifier("powertrain").values
    assert powertrains == ("BEV", "PHEV", "EREV", "HEV", "ICE", "FCEV")
    classes = vocabulary.qualifier("vehicle_class").values
    assert classes == ("M1", "M2", "M3", "N1", "N2", "N3", "L")


def test_ids_are_dotted_snake_case_and_start_with_their_dimension(vocabulary: Vocabulary) -> None:
    for prop in vocabulary.properties.values():
        assert re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z0-9][a-z0-9_]*)+", prop.id), prop.id
        assert prop.id.startswith(prop.dimension + "."), prop.id


def all_labels(vocabulary: Vocabulary) -> list[tuple[str, Label]]:
    labels: list[tuple[str, Label]] = []
    for dimension in vocabulary.dimensions.values():
        labels += [(dimension.id, dimension.label), (dimension.id, dimension.description)]
    for qualifier in vocabulary.qualifiers.values():
        labels += [(qualifier.id, qualifier.label), (qualifier.id, qualifier.description)]
    for prop in vocabulary.properties.values():
        labels += [(prop.id, prop.label), (prop.id, prop.description)]
        labels += [(f"{prop.id}={value}", label) for value, label in prop.value_labels.items()]
    return labels


def test_every_label_has_english_and_chinese(vocabulary: Vocabulary) -> None:
    for owner, label in all_labels(vocabulary):
        assert label.en.strip(), owner
        assert not CJK.search(label.en), owner
        assert CJK.search(label.zh), owner


def test_labels_are_unique_within_the_vocabulary(vocabulary: Vocabulary) -> None:
    for language in ("en", "zh"):
        seen: dict[str, str] = {}
        for prop in vocabulary.properties.values():
            text = prop.label.get(language)
            assert text not in seen, f"{prop.id} and {seen.get(text)} share the label {text!r}"
            seen[text] = prop.id


def test_every_unit_parses_in_pint(vocabulary: Vocabulary) -> None:
    registry: pint.UnitRegistry[float] = pint.UnitRegistry()
    for prop in vocabulary.properties.values():
        if prop.unit is not None:
            registry.parse_units(prop.unit)
        if prop.datatype is Datatype.PERCENT:
            assert prop.unit == "percent", prop.id
        if prop.datatype in {Datatype.MONEY, Datatype.BOOL, Datatype.TEXT, Datatype.DATE}:
            assert prop.unit is None, prop.id
    cold = registry.Quantity(17, vocabulary.property("climate.temp_min_c").unit)
    assert cold.to("degF").magnitude == pytest.approx(62.6)


def test_closed_lists_and_qualifiers_are_consistent(vocabulary: Vocabulary) -> None:
    for prop in vocabulary.properties.values():
        if prop.datatype is Datatype.ENUM:
            assert prop.values, prop.id
        if prop.datatype not in {Datatype.ENUM, Datatype.SET}:
            assert prop.values is None, prop.id
        assert set(prop.value_labels) <= set(prop.values or ()), prop.id
        for key in prop.qualifiers:
            assert key in vocabulary.qualifiers, (prop.id, key)


def test_in_dimension_keeps_file_order(vocabulary: Vocabulary) -> None:
    roads = vocabulary.in_dimension("roads")
    assert roads[0].id == "roads.driving_side"
    assert all(prop.dimension == "roads" for prop in roads)
    file_order = [pid for pid in vocabulary.properties if pid.startswith("roads.")]
    assert [prop.id for prop in roads] == file_order


# -- lookups ------------------------------------------------------------------------------------


def test_unknown_property_suggests_close_ids(vocabulary: Vocabulary) -> None:
    with pytest.raises(KeyError) as caught:
        vocabulary.property("trade.import_duty.pasenger_bev")
    message = str(caught.value)
    assert "unknown property 'trade.import_duty.pasenger_bev'" in message
    assert "did you mean: trade.import_duty.passenger_bev" in message


def test_unknown_property_without_close_ids_points_to_the_docs(vocabulary: Vocabulary) -> None:
    with pytest.raises(KeyError, match=re.escape("docs/vocabulary.md")):
        vocabulary.property("zzz")


def test_unknown_dimension_is_a_key_error(vocabulary: Vocabulary) -> None:
    with pytest.raises(KeyError, match="did you mean: roads"):
        vocabulary.in_dimension("road")


# -- broken files -------------------------------------------------------------------------------

Breakage = Callable[[Raw], None]


def _set(property_id: str, key: str, value: object) -> Breakage:
    def apply(data: Raw) -> None:
        raw_property(data, property_id)[key] = value

    return apply


def _drop(property_id: str, *path: str) -> Breakage:
    def apply(data: Raw) -> None:
        target = raw_property(data, property_id)
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return apply


def _duplicate(property_id: str) -> Breakage:
    def apply(data: Raw) -> None:
        data["properties"].append(dict(raw_property(data, property_id)))

    return apply


@pytest.mark.parametrize(
    ("breakage", "property_id", "expected"),
    [
        (_set("roads.paved_share", "dimension", "road"), "roads.paved_share", "unknown dimension"),
        (
            _set("roads.paved_share", "dimension", "market"),
            "roads.paved_share",
            "must start with its dimension 'market.'",
        ),
        (_duplicate("market.population"), "market.population", "duplicate id"),
        (_set("market.population", "datatype", "float"), "market.population", "unknown datatype"),
        (
            _set("climate.temp_min_c", "unit", "degrees_celsius_x"),
            "climate.temp_min_c",
            "not a unit pint can parse",
        ),
        (_set("market.bev_share", "unit", "ratio"), "market.bev_share", "unit: percent"),
        (_set("trade.vat.rate", "unit", None), "trade.vat.rate", "needs unit: percent"),
        (_set("trade.currency", "unit", "m"), "trade.currency", "takes no unit"),
        (_drop("roads.driving_side", "values"), "roads.driving_side", "enum needs"),
        (_drop("roads.driving_side", "values"), "roads.driving_side", "value_labels need"),
        (
            _set("roads.speed_unit", "values", ["km/h", 60]),
            "roads.speed_unit",
            "must be a non-empty string",
        ),
        (
            _set("trade.vat.rate", "qualifiers", ["powertrain", "colour"]),
            "trade.vat.rate",
            "qualifier 'colour' is not declared",
        ),
        (_drop("market.population", "label", "zh"), "market.population", "label has no zh"),
        (
            _drop("market.population", "description", "en"),
            "market.population",
            "description has no en",
        ),
        (
            _set("market.population", "label", {"en": "Population", "zh": "Population"}),
            "market.population",
            "no Chinese characters",
        ),
        (_set("market.population", "qualifier", ["city"]), "market.population", "unknown key"),
        (
            _set("market.population", "values", ["a", "b"]),
            "market.population",
            "only allowed for enum and set",
        ),
        (
            _set("market.population", "id", "Market.Population"),
            "Market.Population",
            "lower_snake_case",
        ),
    ],
)
def test_broken_vocabulary_names_the_property(
    tmp_path: Path, breakage: Breakage, property_id: str, expected: str
) -> None:
    data = raw_vocabulary()
    breakage(data)
    with pytest.raises(VocabularyError) as caught:
        load_vocabulary(write(tmp_path, data))
    matching = [p for p in caught.value.problems if f"property {property_id!r}" in p]
    assert matching, caught.value.problems
    assert any(expected in problem for problem in matching), matching
    assert str(tmp_path) in str(caught.value)


def test_every_problem_is_listed_with_its_line(tmp_path: Path) -> None:
    data = raw_vocabulary()
    raw_property(data, "roads.paved_share")["datatype"] = "float"
    raw_property(data, "market.population")["label"] = {"en": "Population"}
    path = write(tmp_path, data)
    with pytest.raises(VocabularyError) as caught:
        load_vocabulary(path)
    error = caught.value
    assert isinstance(error, ValueError)
    assert len(error.problems) == 2
    assert "2 problems" in str(error)
    lines = path.read_text(encoding="utf-8").splitlines()
    for problem, property_id in zip(
        error.problems, ["roads.paved_share", "market.population"], strict=True
    ):
        line = int(re.match(r"line (\d+): ", problem).group(1))  # type: ignore[union-attr]
        assert property_id in lines[line - 1], (problem, lines[line - 1])


def test_dimensions_must_be_the_eleven(tmp_path: Path) -> None:
    data = raw_vocabulary()
    data["dimensions"] = list(reversed(data["dimensions"]))
    with pytest.raises(VocabularyError, match="must be exactly policy, regulation"):
        load_vocabulary(write(tmp_path, data))


def test_enum_qualifier_needs_values(tmp_path: Path) -> None:
    data = raw_vocabulary()
    del data["qualifiers"]["powertrain"]["values"]
    with pytest.raises(VocabularyError, match="qualifier 'powertrain': enum needs"):
        load_vocabulary(write(tmp_path, data))


def test_invalid_yaml_is_a_vocabulary_error(tmp_path: Path) -> None:
    path = tmp_path / "properties.yaml"
    path.write_text("version: [unclosed\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match="not valid YAML"):
        load_vocabulary(path)


def test_not_a_mapping_is_a_vocabulary_error(tmp_path: Path) -> None:
    path = tmp_path / "properties.yaml"
    path.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match="must be a mapping"):
        load_vocabulary(path)
