"""The `autoatlas` command as users run it: the installed console script, in a subprocess,
against a real database on each backend. Exit codes and JSON shapes are public contract.

Starting the CLI costs about a second of CPU, so data is set up through the library, each
test runs the commands it needs side by side (`run_all`), and the failures, which are
decided before any data is read or written, run once, on SQLite.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from autoatlas.atlas import Atlas
from autoatlas.cli.main import app, main
from autoatlas.config import Settings
from autoatlas.ingest.formats import CSV_COLUMNS
from autoatlas.store.queries import FactFilter
from factories import SOURCE, bundle

AUTOATLAS = shutil.which("autoatlas", path=str(Path(sys.executable).parent)) or shutil.which(
    "autoatlas"
)
DUTY = "trade.import_duty.passenger_bev"
CVD = "trade.additional_duty.passenger_bev"
SIDE = "roads.driving_side"
SEED = bundle(
    {
        "market": "EU",
        "property": CVD,
        "value": 17.0,
        "unit": "percent",
        "qualifiers": {"origin": "CN", "maker": "BYD"},
        "valid_from": "2024-10-30",
    },
    {
        "market": "TH",
        "property": DUTY,
        "value": 80,
        "unit": "percent",
        "valid_from": "2020-01-01",
        "valid_to": "2024-01-01",
    },
    {"market": "TH", "property": DUTY, "value": 40, "unit": "percent", "valid_from": "2024-01-01"},
    {"market": "VN", "property": DUTY, "value": 70, "unit": "percent", "valid_from": "2018-01-01"},
    {"market": "TH", "property": SIDE, "value": "left"},
    {"market": "VN", "property": SIDE, "value": "right"},
    {"market": "TH", "property": "charging.dc_connector", "value": ["CHAdeMO", "CCS2"]},
)
# VN's duty corrected to 75 after the seed: the database knew 70 first.
CORRECTION = bundle({**SEED["facts"][3], "value": 75})
SEEDED = {  # (market, property, value as JSON) as stored: canonical numbers, sorted sets
    ("EU", CVD, "17"),
    ("TH", DUTY, "80"),
    ("TH", DUTY, "40"),
    ("VN", DUTY, "75"),
    ("TH", SIDE, '"left"'),
    ("VN", SIDE, '"right"'),
    ("TH", "charging.dc_connector", '["CCS2", "CHAdeMO"]'),
}
Result = subprocess.CompletedProcess[str]
Write = Callable[..., Path]


def _command(database_url: str, args: Sequence[object], columns: int) -> dict[str, Any]:
    assert AUTOATLAS, "the autoatlas console script is not installed"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOATLAS_")}
    env |= {"AUTOATLAS_DATABASE_URL": database_url, "COLUMNS": str(columns), "NO_COLOR": "1"}
    return {"args": [AUTOATLAS, *map(str, args)], "env": env, "text": True}


def run(database_url: str, *args: object, columns: int = 200) -> Result:
    """`autoatlas ARGS...` on this database; wide output unless told, so cells are not cut."""
    return subprocess.run(**_command(database_url, args, columns), capture_output=True)


def run_all(database_url: str, *commands: Sequence[object], columns: int = 200) -> list[Result]:
    """Several commands that do not depend on each other, at the same time; results in order."""
    started = [
        (
            command,
            subprocess.Popen(**_command(database_url, command, columns), stdout=-1, stderr=-1),
        )
        for command in commands
    ]
    results = []
    for command, process in started:
        out, err = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(command, process.returncode, out, err))
    return results


def ok(result: Result) -> Result:
    assert result.returncode == 0, f"{result.args} exited {result.returncode}:\n{result.stderr}"
    return result


def failed(result: Result, code: int) -> str:
    """The stderr of a command that must fail with `code`, cleanly (no traceback)."""
    assert result.returncode == code, (result.args, result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    return result.stderr


def as_json(result: Result) -> Any:
    return json.loads(ok(result).stdout)


def triples(facts: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(f["market"], f["property"], json.dumps(f["value"])) for f in facts}


def row_of(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


@pytest.fixture
def seeded(atlas: Atlas, write_bundle: Write) -> datetime:
    """SEED then CORRECTION imported through the library; returns when SEED was recorded."""
    atlas.import_files([write_bundle(SEED, name="seed.yaml")])
    recorded = atlas.history("VN", DUTY)[0].recorded_at
    atlas.import_files([write_bundle(CORRECTION, name="correction.yaml")])
    atlas.engine.dispose()
    return recorded


# -- init and import ---------------------------------------------------------------------------
def test_init_is_idempotent_and_speaks_json(database_url: str) -> None:
    report = as_json(run(database_url, "init", "--json"))  # the fixture has run init once
    assert set(report) == {"database", "markets_added", "memberships"}
    assert report["markets_added"] == 0 and report["memberships"] > 100
    assert report["database"].split(":")[0] == database_url.split(":")[0]


def test_dry_run_writes_nothing_then_import_reports_counts(
    database_url: str, atlas: Atlas, write_bundle: Write
) -> None:
    path = write_bundle(SEED)
    # 60 columns: the summary is one line all the same, for scripts that grep it.
    summary = ok(run(database_url, "import", path, "--dry-run", columns=60)).stdout
    assert summary == (
        "Would import 7 facts from 1 file(s): 7 added, 0 superseded, 0 retracted, 0 unchanged\n"
    )
    assert atlas.facts(FactFilter()) == []
    report = as_json(run(database_url, "import", path, "--json"))
    assert {k: report[k] for k in ("files", "facts", "added", "superseded", "unchanged")} == {
        "files": [str(path)],
        "facts": 7,
        "added": 7,
        "superseded": 0,
        "unchanged": 0,
    }
    assert (report["retracted"], report["trimmed"], report["dry_run"]) == (0, 0, False)
    assert report["issues"] == []
    before_correction = (SEEDED - {("VN", DUTY, "75")}) | {("VN", DUTY, "70")}
    assert triples([f.as_dict() for f in atlas.facts(FactFilter())]) == before_correction
    again = atlas.import_files([path])
    assert (again.added, again.unchanged) == (0, 7)


# -- export ------------------------------------------------------------------------------------
def test_export_formats_destinations_and_filters(
    database_url: str, seeded: datetime, tmp_path: Path
) -> None:
    out = tmp_path / "vn.json"
    everything, vn_file, roads_csv, th_then = run_all(
        database_url,
        ["export"],
        ["export", "--format", "json", "--output", out, "--market", "vn"],
        ["export", "-f", "csv", "--dimension", "roads"],
        ["export", "-f", "json", "-p", DUTY, "-m", "TH", "--as-of", "2022-06-01"],
    )
    exported = yaml.safe_load(ok(everything).stdout)
    assert set(exported) == {"sources", "facts"} and len(exported["sources"]) == 1
    assert triples(exported["facts"]) == SEEDED
    assert exported["sources"][0]["title"] == SOURCE["title"]
    assert set(exported["facts"][0]["sources"]) == {exported["sources"][0]["id"]}

    assert ok(vn_file).stdout == "" and f"Wrote {out}" in vn_file.stderr
    vn = json.loads(out.read_text(encoding="utf-8"))
    assert triples(vn["facts"]) == {("VN", DUTY, "75"), ("VN", SIDE, '"right"')}

    rows = list(csv.DictReader(io.StringIO(ok(roads_csv).stdout)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert {(r["market"], r["property"], r["value"]) for r in rows} == {
        ("TH", SIDE, "left"),
        ("VN", SIDE, "right"),
    }
    sources = json.loads(rows[0]["sources"])  # a JSON list of whole source objects
    assert sources == [{k: v for k, v in SOURCE.items() if k != "id"}]

    assert triples(as_json(th_then)["facts"]) == {("TH", DUTY, "80")}


# -- market, history, compare, coverage --------------------------------------------------------
def test_market_profile_with_inherited_facts_and_as_of(database_url: str, seeded: datetime) -> None:
    table, data, then = run_all(
        database_url,
        ["market", "DE"],
        ["market", "de", "--json"],
        ["market", "TH", "--as-of", "2022-06-01", "--dimension", "trade"],
    )
    text = ok(table).stdout
    assert "Germany · 德国 (DE) as of today" in text
    row = row_of(text, CVD)
    assert "maker=BYD, origin=CN" in row and "17 %" in row and "via EU" in row

    profile = as_json(data)
    assert set(profile) == {"market", "as_of", "known_at", "facts"}
    assert profile["market"] == {
        "code": "DE",
        "kind": "country",
        "name_en": "Germany",
        "name_zh": "德国",
        "parent": None,
    }
    (fact,) = profile["facts"]
    assert set(fact) == {
        *("id", "market", "property", "value", "unit", "qualifiers", "valid_from", "valid_to"),
        *("confidence", "visibility", "organization", "recorded_at", "superseded_at"),
        *("checked", "note", "sources", "inherited_from"),
    }
    assert {k: fact[k] for k in ("market", "property", "value", "unit", "inherited_from")} == {
        "market": "EU",
        "property": CVD,
        "value": 17,
        "unit": "percent",
        "inherited_from": "EU",
    }
    assert fact["qualifiers"] == {"maker": "BYD", "origin": "CN"}
    assert (fact["valid_from"], fact["valid_to"]) == ("2024-10-30", None)
    assert fact["sources"] == [{k: v for k, v in SOURCE.items() if k != "id"}]

    text = ok(then).stdout
    assert "Thailand · 泰国 (TH) as of 2022-06-01" in text
    assert "80 %" in row_of(text, DUTY) and "40 %" not in text
    assert SIDE not in text  # --dimension trade


def test_known_at_and_history_show_both_times(database_url: str, seeded: datetime) -> None:
    in_bangkok = seeded.replace(tzinfo=UTC).astimezone(timezone(timedelta(hours=7)))
    then, then_elsewhere, history = run_all(
        database_url,
        ["market", "VN", "--known-at", seeded.isoformat(), "--json"],
        ["market", "VN", "--known-at", in_bangkok.isoformat(), "--json"],  # the same moment
        ["history", "VN", DUTY, "--json"],
    )
    for result in (then, then_elsewhere):
        profile = as_json(result)
        assert [f["value"] for f in profile["facts"] if f["property"] == DUTY] == [70]
        assert profile["known_at"] == seeded.isoformat()  # as UTC, like recorded_at
    old, new = as_json(history)
    assert (old["value"], new["value"]) == (70, 75)
    assert old["recorded_at"] == seeded.isoformat()
    assert old["superseded_at"] == new["recorded_at"] and new["superseded_at"] is None
    assert old["valid_from"] == new["valid_from"] == "2018-01-01"


def test_compare_markets_side_by_side(database_url: str, seeded: datetime) -> None:
    table, data = run_all(
        database_url,
        ["compare", "TH", "VN", "DE", "--dimension", "trade"],
        ["compare", "th", "VN", "--property", DUTY, "--json"],
    )
    text = ok(table).stdout
    assert [c.strip() for c in row_of(text, DUTY).split("│")[1:-1]] == [
        DUTY,
        "",
        "40 %",
        "75 %",
        "—",  # DE has no duty of its own, nor the EU
    ]
    assert "17 % (via EU)" in row_of(text, CVD)
    found = as_json(data)
    assert list(found) == ["TH", "VN"]
    assert [[f["value"] for f in facts] for facts in found.values()] == [[40], [75]]


def test_coverage_counts_per_market_and_dimension(database_url: str, seeded: datetime) -> None:
    result = as_json(run(database_url, "coverage", "--json"))
    assert set(result) == {"as_of", "dimensions", "properties_per_dimension", "markets"}
    as_of = datetime.fromisoformat(result["as_of"]).replace(tzinfo=UTC)
    assert abs(as_of - datetime.now(UTC)) < timedelta(days=2)
    assert result["dimensions"][:3] == ["policy", "regulation", "trade"]
    assert set(result["properties_per_dimension"]) == set(result["dimensions"])
    assert list(result["markets"]) == ["EU", "TH", "VN"]  # markets with facts of their own
    counts = {code: market["counts"] for code, market in result["markets"].items()}
    assert {d: n for d, n in counts["TH"].items() if n} == {"trade": 1, "charging": 1, "roads": 1}
    assert {d: n for d, n in counts["VN"].items() if n} == {"trade": 1, "roads": 1}
    assert result["markets"]["TH"]["stale_share"] == 0


# -- help and usage ----------------------------------------------------------------------------
def command_paths() -> list[list[str]]:
    """Every command of the Typer app, groups expanded (`user add` ...)."""
    found: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        children = getattr(command, "commands", None)
        if children is None:
            found.append(path)
            return
        for name, child in sorted(children.items()):
            walk(child, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def test_every_command_has_help_with_an_example(tmp_path: Path) -> None:
    paths = command_paths()
    verbs = {"init", "import", "export", "market", "history", "compare", "coverage"}
    assert verbs <= {path[0] for path in paths}
    overview = ok(run(f"sqlite:///{tmp_path / 'unused.db'}", "--help")).stdout
    assert all(f" {path[0]} " in overview for path in paths)
    runner = CliRunner()
    missing = []
    for path in paths:  # in-process: rendering help needs no database and no new process
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (path, result.output)
        if "Example:" not in result.output:
            missing.append(" ".join(path))
    assert not missing, f"--help without an example: {', '.join(missing)}"


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "atlas.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


def test_failures_exit_with_their_code_say_what_and_where_and_change_nothing(
    sqlite_url: str, write_bundle: Write, tmp_path: Path
) -> None:
    text = yaml.safe_dump(bundle(SEED["facts"][1], {**SEED["facts"][4], "property": "roads.side"}))
    bad = write_bundle(text, name="bad.yaml")
    line = 1 + text.splitlines().index("  property: roads.side")
    cases = [  # exit codes of cli/main.py: 2 invalid input, 3 not found
        (["import", bad], 2, f"{bad}:line {line} [property]: unknown property 'roads.side'"),
        (["import", tmp_path / "gone.yaml"], 3, f"{tmp_path / 'gone.yaml'}: no such file"),
        (["market", "XX"], 3, "unknown market 'XX'"),
        (["compare", "TH", "--dimension", "trade"], 2, "compare needs at least two markets"),
        (["export", "-f", "xml"], 2, "unknown export format 'xml': use yaml, json, csv"),
        (["market"], 2, "Missing argument"),
        (["market", "TH", "--as-of", "2024-13"], 2, "Invalid value for '--as-of'"),
    ]
    # 80 columns, as when piped: a message with a long path still comes out whole.
    results = run_all(sqlite_url, *[args for args, _, _ in cases], columns=80)
    for (args, code, message), result in zip(cases, results, strict=True):
        assert message in failed(result, code), args
    assert "1 error in bundle; nothing was imported" in results[0].stderr
    atlas = Atlas(Settings(database_url=sqlite_url))
    assert atlas.facts(FactFilter()) == []  # not even the good fact of the bad bundle
    atlas.engine.dispose()


def test_a_bad_setting_exits_2_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # In-process: main() is what the console script runs, and no database is reached.
    monkeypatch.setenv("AUTOATLAS_METERING", "maybe")
    monkeypatch.setattr(sys, "argv", ["autoatlas", "market", "TH"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    assert "AUTOATLAS_METERING: 'maybe' is not true or false" in capsys.readouterr().err
