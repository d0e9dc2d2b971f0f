"""Importing bundles: what is added, superseded, trimmed, retracted, and what stays."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from autoatlas.atlas import Atlas
from autoatlas.errors import BundleError
from factories import SOURCE, bundle

DUTY = "trade.import_duty.passenger_bev"
Write = Callable[..., Path]


def duty(value: float, start: str | None = None, end: str | None = None, **extra: object) -> dict:
    fact: dict[str, object] = {"market": "TH", "property": DUTY, "value": value, "unit": "percent"}
    if start:
        fact["valid_from"] = start
    if end:
        fact["valid_to"] = end
    return {**fact, **extra}


def values(atlas: Atlas, day: str) -> list[object]:
    return [
        f.value for f in atlas.profile("TH", as_of=date.fromisoformat(day)) if f.property == DUTY
    ]


def test_import_adds_and_reimport_adds_nothing(atlas: Atlas, write_bundle: Write) -> None:
    path = write_bundle(bundle(duty(80, "2020-01-01", "2026-01-01"), duty(40, "2026-01-01")))
    first = atlas.import_files([path])
    assert (first.added, first.unchanged) == (2, 0)
    again = atlas.import_files([path])
    assert (again.added, again.superseded, again.unchanged) == (0, 0, 2)
    assert len(atlas.history("TH", DUTY)) == 2


def test_a_new_rate_closes_the_open_one_on_its_date(atlas: Atlas, write_bundle: Write) -> None:
    atlas.import_files([write_bundle(bundle(duty(80, "2020-01-01")))])
    report = atlas.import_files([write_bundle(bundle(duty(40, "2026-01-01")))])
    assert (report.added, report.superseded, report.trimmed) == (1, 1, 1)
    assert values(atlas, "2025-12-31") == [80]
    assert values(atlas, "2026-01-01") == [40]
    history = atlas.history("TH", DUTY)
    closed = [f for f in history if f.superseded_at is not None]
    assert len(closed) == 1 and closed[0].period.end is None  # the old record is kept, closed


def test_a_correction_supersedes_and_the_old_value_stays_known(
    atlas: Atlas, write_bundle: Write
) -> None:
    atlas.import_files([write_bundle(bundle(duty(80, "2020-01-01")))])
    before = atlas.history("TH", DUTY)[0].recorded_at
    atlas.import_files([write_bundle(bundle(duty(60, "2020-01-01")))])
    assert values(atlas, "2024-06-01") == [60]
    as_known = atlas.profile("TH", as_of=date(2024, 6, 1), known_at=before)
    assert [f.value for f in as_known if f.property == DUTY] == [80]


def test_retraction_ends_the_record_without_a_successor(atlas: Atlas, write_bundle: Write) -> None:
    atlas.import_files([write_bundle(bundle(duty(80, "2020-01-01")))])
    report = atlas.import_files(
        [
            write_bundle(
                {
                    "facts": [
                        {
                            "market": "TH",
                            "property": DUTY,
                            "valid_from": "2020-01-01",
                            "retract": True,
                        }
                    ]
                }
            )
        ]
    )
    assert report.retracted == 1
    assert values(atlas, "2024-01-01") == []


def test_retracting_nothing_is_an_error(atlas: Atlas, write_bundle: Write) -> None:
    path = write_bundle({"facts": [{"market": "TH", "property": DUTY, "retract": True}]})
    with pytest.raises(BundleError, match="1 error") as caught:
        atlas.import_files([path])
    assert "nothing to retract" in str(caught.value)


def test_dry_run_reports_and_writes_nothing(atlas: Atlas, write_bundle: Write) -> None:
    atlas.import_files([write_bundle(bundle(duty(80, "2020-01-01")))])
    path = write_bundle(bundle(duty(40, "2026-01-01"), duty(5, market="VN")))
    report = atlas.import_files([path], dry_run=True)
    assert (report.added, report.superseded, report.dry_run) == (2, 1, True)
    assert len(atlas.history("TH", DUTY)) == 1
    assert atlas.history("VN", DUTY) == []


def test_same_fact_as_ratio_or_percent_is_unchanged(atlas: Atlas, write_bundle: Write) -> None:
    atlas.import_files([write_bundle(bundle(duty(17, "2024-10-30")))])
    report = atlas.import_files(
        [write_bundle(bundle({**duty(0.17, "2024-10-30"), "unit": "ratio"}))]
    )
    assert report.unchanged == 1 and report.added == 0


def test_json_and_csv_bundles_import_like_yaml(atlas: Atlas, write_bundle: Write) -> None:
    import json

    atlas.import_files([write_bundle(json.dumps(bundle(duty(80, "2020-01-01"))), suffix=".json")])
    source = json.dumps([{k: v for k, v in SOURCE.items() if k != "id"}])
    csv_text = (
        "market,property,value,unit,valid_from,sources\n"
        f'VN,{DUTY},70,percent,2020-01-01,"{source.replace(chr(34), chr(34) * 2)}"\n'
        f'NO,roads.driving_side,right,,,"{source.replace(chr(34), chr(34) * 2)}"\n'
    )
    report = atlas.import_files([write_bundle(csv_text, suffix=".csv")])
    assert report.added == 2
    assert values(atlas, "2024-01-01") == [80]
    assert [f.value for f in atlas.profile("NO", as_of=date(2024, 1, 1))] == ["right"]


def test_private_facts_are_seen_only_by_their_organization(
    atlas: Atlas, write_bundle: Write
) -> None:
    from autoatlas.store.engine import write_tx
    from autoatlas.store.reference import ensure_organization

    with write_tx(atlas.engine) as tx:
        ensure_organization(tx, "byd", "BYD", "enterprise")
    atlas.import_files([write_bundle(bundle(duty(80, "2020-01-01")))])
    atlas.import_files(
        [write_bundle(bundle(duty(55, "2020-01-01", visibility="private")))], organization="byd"
    )
    public = atlas.profile("TH", as_of=date(2024, 1, 1))
    own = atlas.profile("TH", as_of=date(2024, 1, 1), viewer="byd")
    assert [f.value for f in public if f.property == DUTY] == [80]
    assert [f.value for f in own if f.property == DUTY] == [55]
    assert [f.value for f in atlas.history("TH", DUTY)] == [80]


def test_csv_text_keeps_brackets_and_line_breaks(atlas: Atlas, write_bundle: Write) -> None:
    import csv
    import io
    import json

    source = json.dumps([{k: v for k, v in SOURCE.items() if k != "id"}])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["market", "property", "value", "sources"])
    writer.writerow(["TH", "habits.buying_process", "[2024]\r\nsecond line", source])
    atlas.import_files([write_bundle(out.getvalue(), suffix=".csv")])
    [fact] = [f for f in atlas.profile("TH", as_of=date(2026, 1, 1))]
    assert fact.value == "[2024]\r\nsecond line"


def test_control_characters_are_refused_with_their_field(atlas: Atlas, write_bundle: Write) -> None:
    import json

    fact = {**duty(80), "note": "bad\u0000note"}
    path = write_bundle(json.dumps(bundle(fact)), suffix=".json")
    with pytest.raises(BundleError) as caught:
        atlas.import_files([path])
    assert caught.value.issues[0].field == "note"
    assert "control character" in caught.value.issues[0].message
