"""Reading spec files: one function (`service.parse_models_text`) for the web page, the CLI
and every file the API is given; each error names the file, the line and the field, and
nothing is returned when anything is wrong."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from autoatlas.errors import ValidationError
from autoatlas.vehicles import service

MODEL: dict[str, Any] = {
    "id": "aa-gbt",
    "name": "AA GB/T Sedan",
    "maker": "BYD",
    "origin": "CN",
    "powertrain": "BEV",
    "body_type": "sedan",
    "seats": 5,
    "battery_kwh": 60.5,
    "dc_connectors": ["GB/T"],
    "steering": "LHD",
    "length_mm": 4700,
    "width_mm": 1880,
    "height_mm": 1500,
    "kerb_mass_kg": 1800,
    "ground_clearance_mm": 140,
    "operating_temp_min_c": -30,
    "operating_temp_max_c": 55,
    "price": {"amount": "20000", "currency": "USD"},
}
_NUMBERS = ["seats", "length_mm", "width_mm", "ground_clearance_mm", "kerb_mass_kg"]


def _issues(text: str | bytes, name: str) -> list[tuple[str | None, int | None, str | None]]:
    with pytest.raises(ValidationError) as caught:
        service.parse_models_text(text, name)
    return [(i.file, i.line, i.field) for i in caught.value.issues]


@settings(max_examples=40, deadline=None)
@given(order=st.permutations(list(MODEL)), broken=st.sampled_from(_NUMBERS))
def test_an_error_points_at_the_line_of_its_field(order: list[str], broken: str) -> None:
    """Whatever the order of the fields, the issue's line is where the bad field is written."""
    spec = {key: MODEL[key] for key in order}
    spec[broken] = -1
    text = yaml.safe_dump(spec, sort_keys=False)
    with pytest.raises(ValidationError) as caught:
        service.parse_models_text(text, "spec.yaml")
    (issue,) = caught.value.issues
    assert (issue.file, issue.field) == ("spec.yaml", broken)
    assert issue.line is not None
    assert text.splitlines()[issue.line - 1] == f"{broken}: -1"


@settings(max_examples=25, deadline=None)
@given(count=st.integers(1, 4), data=st.data())
def test_in_a_json_list_the_line_is_that_of_the_bad_model(count: int, data: Any) -> None:
    bad = data.draw(st.integers(0, count - 1))
    broken = data.draw(st.sampled_from(_NUMBERS))
    models = [{**MODEL, "id": f"m-{i}"} for i in range(count)]
    models[bad][broken] = 0
    text = json.dumps({"models": models}, indent=2)
    ((file, line, field),) = _issues(text.encode(), "fleet.json")
    assert (file, field) == ("fleet.json", f"models[{bad}].{broken}")
    assert line is not None
    assert text.splitlines()[line - 1].strip() == f'"{broken}": 0,'
    # The same text without the error reads back as the models written.
    models[bad][broken] = MODEL[broken]
    good = json.dumps({"models": models}, indent=2)
    assert [s.id for s in service.parse_models_text(good, "fleet.json")] == [
        m["id"] for m in models
    ]


def test_broken_syntax_names_the_line() -> None:
    assert _issues("id: x\nname: [unclosed\nmaker: y\n", "spec.yaml")[0][:2] == ("spec.yaml", 3)
    assert _issues('{\n  "id": "x",\n  "seats": 5,,\n}', "spec.json") == [("spec.json", 3, None)]
    assert _issues("seats: 5\n\xff".encode("latin-1"), "spec.yaml") == [("spec.yaml", None, None)]


def test_a_missing_field_points_at_its_enclosing_value_and_duplicates_are_named() -> None:
    no_currency = {**MODEL, "price": {"amount": "1"}}
    text = yaml.safe_dump({"models": [{**MODEL}, no_currency, {**MODEL}]}, sort_keys=False)
    issues = _issues(text, "fleet.yaml")
    lines = text.splitlines()
    where = {field: line for _file, line, field in issues}
    assert set(where) == {"models[1].price.currency", "models[2]"}
    # The price mapping of the second model, and the third model (the id seen twice).
    assert lines[where["models[1].price.currency"] - 1].strip() == "price:"
    assert lines[where["models[2]"] - 1].strip() == "- id: aa-gbt"


def test_too_large_or_empty_is_refused() -> None:
    big = b"#" * (service.MAX_FILE_BYTES + 1)
    with pytest.raises(ValidationError, match="larger than 4 MiB"):
        service.parse_models_text(big, "big.yaml")
    assert _issues("", "empty.yaml") == [("empty.yaml", None, None)]


def test_the_cli_prints_each_error_with_file_line_and_field(tmp_path: Path) -> None:
    """`autoatlas model add` reads the file as the web page does: the same places."""
    path = tmp_path / "fleet.yaml"
    text = yaml.safe_dump({"models": [{**MODEL, "seats": 0}]}, sort_keys=False)
    path.write_text(text)
    line = text.splitlines().index("  seats: 0") + 1
    # The file is refused before any database is opened.
    result = subprocess.run(
        [str(Path(sys.executable).parent / "autoatlas"), "model", "add", str(path)],
        capture_output=True,
        text=True,
        env={"PATH": "", "AUTOATLAS_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"},
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert f"{path}:line {line} [models[0].seats]" in result.stderr


def test_where_one_model_is_expected_a_file_of_two_or_none_is_refused_by_name() -> None:
    """An edit replaces one model and an assessment is of one: the web page and the CLI
    take the file's one spec through `only_model`, which names the file otherwise."""
    one = service.parse_models_text(yaml.safe_dump(MODEL), "one.yaml")
    assert service.only_model(one, "one.yaml").id == "aa-gbt"
    two = service.parse_models_text(
        yaml.safe_dump({"models": [MODEL, {**MODEL, "id": "aa-gbt-2"}]}), "two.yaml"
    )
    for specs, name in ((two, "two.yaml"), ([], "empty.yaml")):
        with pytest.raises(ValidationError, match=f"{name}: holds {len(specs)} models") as caught:
            service.only_model(specs, name)
        assert [i.file for i in caught.value.issues] == [name]
