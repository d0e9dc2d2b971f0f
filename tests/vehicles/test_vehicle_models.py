"""Vehicle models and portfolios: validation names the field, models stay inside their
organization, import/export round-trips, the portfolio is dated, the CLI drives it all."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from autoatlas.assess.portfolio import portfolio_matrix
from autoatlas.atlas import Atlas
from autoatlas.auth.principal import Principal, Role, Scope
from autoatlas.cli.commands import vehicles as commands
from autoatlas.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from autoatlas.store.reference import ensure_organization
from autoatlas.vehicles import service
from autoatlas.vehicles.spec import VehicleSpec, parse_spec

BASE: dict[str, Any] = {
    "id": "ev-one",
    "name": "EV One",
    "maker": "Example Motors",
    "origin": "CN",
    "powertrain": "BEV",
    "body_type": "SUV",
    "seats": 5,
    "battery_kwh": 70,
    "dc_connectors": ["CCS2"],
    "ac_connectors": ["Type2"],
    "steering": "LHD",
    "length_mm": 4600,
    "width_mm": 1860,
    "height_mm": 1650,
    "kerb_mass_kg": 1950,
    "ground_clearance_mm": 180,
    "operating_temp_min_c": -30,
    "operating_temp_max_c": 50,
    "price": {"amount": "28000", "currency": "USD"},
}


def spec(**changes: Any) -> VehicleSpec:
    return VehicleSpec.model_validate({**BASE, **changes})


def member(atlas: Atlas, slug: str, role: Role = Role.CONTRIBUTOR) -> Principal:
    with atlas.write() as tx:
        org_id = ensure_organization(tx, slug, slug.title(), "enterprise")
    return Principal(
        organization_id=org_id,
        organization=slug,
        role=role,
        scopes=frozenset(Scope),
        label=f"cli:{slug}",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"battery_kwh": -1}, "battery_kwh"),
        ({"origin": "XX"}, "origin"),
        ({"steering": "center"}, "steering"),
        ({"dc_connectors": ["Schuko"]}, "dc_connectors"),
        ({"price": {"amount": "1", "currency": "EURO"}}, "price.currency"),
        ({"certifications": ["UN-R999"]}, "certifications"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_validation_errors_name_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_spec({**BASE, **changes}, "ev.yaml")
    assert (caught.value.issues[0].field or "").startswith(field)
    assert caught.value.issues[0].file == "ev.yaml"


def test_a_file_of_models_reports_every_error_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "models.yaml"
    bad = {**BASE, "id": "ev-two", "seats": 0}
    path.write_text(yaml.safe_dump({"models": [BASE, bad, {**BASE}]}))
    with pytest.raises(ValidationError) as caught:
        service.read_models_file(path)
    where = [(issue.file, issue.field) for issue in caught.value.issues]
    assert (str(path), "models[1].seats") in where
    assert (str(path), "models[2]") in where  # ev-one twice


def test_a_model_is_invisible_to_other_organizations(atlas: Atlas) -> None:
    ours, theirs = member(atlas, "ours"), member(atlas, "theirs")
    with atlas.write() as tx:
        service.create_model(tx, ours, spec())
    with atlas.read() as connection:
        assert [m.slug for m in service.list_models(connection, ours)] == ["ev-one"]
        assert service.list_models(connection, theirs) == []
        with pytest.raises(NotFoundError):
            service.get_model(connection, theirs, "ev-one")
        with pytest.raises(NotFoundError):
            portfolio_matrix(connection, theirs, on=date(2026, 7, 1), models=["ev-one"])
    with pytest.raises(NotFoundError), atlas.write() as tx:
        service.delete_model(tx, theirs, "ev-one")
    with atlas.write() as tx:  # the same id in another organization is another model
        service.create_model(tx, theirs, spec(name="Their EV One"))
    with atlas.read() as connection:
        assert service.get_model(connection, ours, "ev-one").spec.name == "EV One"


def test_viewers_read_but_do_not_change_models(atlas: Atlas) -> None:
    viewer = member(atlas, "ours", Role.VIEWER)
    with pytest.raises(PermissionDeniedError), atlas.write() as tx:
        service.create_model(tx, viewer, spec())
    with atlas.read() as connection:
        assert service.list_models(connection, viewer) == []


def test_create_update_delete_and_the_id_stays(atlas: Atlas) -> None:
    ours = member(atlas, "ours")
    with atlas.write() as tx:
        service.create_model(tx, ours, spec())
    with pytest.raises(ConflictError), atlas.write() as tx:
        service.create_model(tx, ours, spec())
    with atlas.write() as tx:
        updated = service.update_model(tx, ours, "ev-one", spec(seats=7))
    assert updated.spec.seats == 7
    with pytest.raises(ValidationError), atlas.write() as tx:
        service.update_model(tx, ours, "ev-one", spec(id="ev-renamed"))
    with atlas.write() as tx:
        service.add_to_portfolio(tx, ours, model="ev-one", market="TH", status="sold")
        assert service.delete_model(tx, ours, "ev-one") == 1
    with atlas.read() as connection:
        assert service.list_models(connection, ours) == []
        assert service.list_portfolio(connection, ours) == []


def test_import_is_all_or_nothing_and_export_reads_back(atlas: Atlas, tmp_path: Path) -> None:
    ours = member(atlas, "ours")
    specs = [spec(), spec(id="ev-two", name="EV Two", dc_connectors=["CCS2", "GB/T"])]
    with atlas.write() as tx:
        assert service.import_models(tx, ours, specs).created == ["ev-one", "ev-two"]
    with pytest.raises(ConflictError), atlas.write() as tx:
        service.import_models(tx, ours, [spec(id="ev-three", name="EV 3"), spec(seats=2)])
    with atlas.read() as connection:
        assert [m.slug for m in service.list_models(connection, ours)] == ["ev-one", "ev-two"]
        text = service.export_models(connection, ours, fmt="json")
    path = tmp_path / "export.json"
    path.write_text(text)
    assert service.read_models_file(path) == specs
    assert json.loads(text)["models"][1]["dc_connectors"] == ["CCS2", "GB/T"]
    with atlas.write() as tx:
        result = service.import_models(tx, ours, [spec(seats=4)], replace=True)
    assert (result.created, result.updated) == ([], ["ev-one"])


def test_the_portfolio_is_dated_and_checked(atlas: Atlas) -> None:
    ours = member(atlas, "ours")
    with atlas.write() as tx:
        service.create_model(tx, ours, spec())
        service.add_to_portfolio(
            tx, ours, model="ev-one", market="th", status="planned", valid_from=date(2027, 1, 1)
        )
        service.add_to_portfolio(tx, ours, model="ev-one", market="AU", status="sold")
    with atlas.read() as connection:
        assert [e.market for e in service.list_portfolio(connection, ours)] == ["AU", "TH"]
        now = service.list_portfolio(connection, ours, on=date(2026, 7, 1))
        assert [(e.market, e.status) for e in now] == [("AU", "sold")]
        rows = portfolio_matrix(connection, ours, on=date(2026, 7, 1))
        assert [(r.assessment.market, r.status) for r in rows] == [("AU", "sold")]
        assert rows[0].as_dict()["penalties"], "the score explains itself"
    for bad in ({"status": "maybe"}, {"market": "XX"}, {"valid_to": date(2020, 1, 1)}):
        arguments: dict[str, Any] = {
            "model": "ev-one",
            "market": "TH",
            "valid_from": date(2026, 1, 1),
            **bad,
        }
        with pytest.raises((ValidationError, NotFoundError)), atlas.write() as tx:
            service.add_to_portfolio(tx, ours, **arguments)


def test_the_cli_adds_lists_assesses_and_exports(
    atlas: Atlas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer

    app = typer.Typer()
    app.add_typer(commands.model_app, name="model")
    app.add_typer(commands.portfolio_app, name="portfolio")
    app.command("assess")(commands.assess)
    app.command("matrix")(commands.matrix)
    monkeypatch.setenv("AUTOATLAS_DATABASE_URL", atlas.settings.database_url)
    path = tmp_path / "ev.yaml"
    path.write_text(yaml.safe_dump(BASE))
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    assert json.loads(run("model", "add", str(path), "--json")) == {
        "created": ["ev-one"],
        "updated": [],
    }
    assert "EV One" in run("model", "list")
    run("portfolio", "add", "ev-one", "TH", "--status", "sold", "--from", "2026-01-01")
    assert json.loads(run("portfolio", "list", "--json"))[0]["market"] == "TH"
    html = tmp_path / "r.html"
    data = json.loads(
        run(
            "assess",
            "ev-one",
            "--market",
            "TH",
            "--on",
            "2026-07-01",
            "--json",
            "--html",
            str(html),
        )
    )
    assert data["market"] == "TH" and data["findings"]
    assert "EV One" in html.read_text()
    variant = json.loads(
        run("assess", str(path), "-m", "TH", "--on", "2026-07-01", "--with", "origin=TH", "--json")
    )
    assert variant["variant"]["changes"] == ["origin=TH"]
    assert json.loads(run("matrix", "--on", "2026-07-01", "--json"))[0]["model"] == "ev-one"
    assert yaml.safe_load(run("model", "export"))["models"][0]["id"] == "ev-one"
    assert "deleted ev-one and 1 portfolio entry" in run("model", "delete", "ev-one")
