"""`autoatlas model`, `portfolio`, `assess` and `matrix`: vehicle models and what the
markets make of them. Each command parses its arguments and calls one service."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from autoatlas.assess import portfolio as assessments
from autoatlas.assess.assessment import Assessment
from autoatlas.assess.chart import cost_label
from autoatlas.assess.report import LANGUAGES, market_name, render_html, render_pdf
from autoatlas.assess.variants import VariantComparison
from autoatlas.atlas import Atlas
from autoatlas.cli.context import atlas
from autoatlas.cli.output import console, print_json
from autoatlas.errors import ValidationError
from autoatlas.vehicles import service
from autoatlas.vehicles.spec import VehicleSpec

__all__ = ["assess", "matrix", "model_app", "portfolio_app"]

model_app = typer.Typer(help="Your organization's vehicle models (private to it).")
portfolio_app = typer.Typer(help="Which models you sell or plan in which markets.")

Org = Annotated[
    str | None, typer.Option("--org", help="Act for this organization (default: the operator's).")
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Day = Annotated[
    datetime | None,
    typer.Option("--on", help="Valid date (YYYY-MM-DD); default today.", formats=["%Y-%m-%d"]),
]


def _day(value: datetime | None) -> date:
    return value.date() if value else datetime.now(UTC).date()


# -- model -------------------------------------------------------------------------------
@model_app.command("add")
def model_add(
    file: Annotated[Path, typer.Argument(help="YAML or JSON: one model or `models: [...]`.")],
    replace: Annotated[bool, typer.Option(help="Update models that already exist.")] = False,
    org: Org = None,
    json: Json = False,
) -> None:
    """Add (import) vehicle models from a file, all or none.

    Example: `autoatlas model add seal.yaml`
    """
    specs = service.read_models_file(file)  # every error with its line, before any change
    service_ = atlas()
    principal = service_.cli_principal(org)
    with service_.write() as tx:
        result = service.import_models(tx, principal, specs, replace=replace)
    if json:
        print_json(result.as_dict())
        return
    console.print(
        f"created {len(result.created)}, updated {len(result.updated)}: "
        + ", ".join(result.created + result.updated)
    )


@model_app.command("list")
def model_list(org: Org = None, json: Json = False) -> None:
    """Your organization's vehicle models.

    Example: `autoatlas model list --json`
    """
    service_ = atlas()
    with service_.read() as connection:
        models = service.list_models(connection, service_.cli_principal(org))
    if json:
        print_json([m.as_dict() for m in models])
        return
    table = Table(title="Vehicle models", header_style="bold")
    for column in ("model", "name", "maker", "origin", "powertrain", "steering", "price"):
        table.add_column(column)
    for m in models:
        s = m.spec
        price = f"{s.price.amount} {s.price.currency} {s.price_basis}"
        table.add_row(m.slug, s.name, s.maker, s.origin, s.powertrain, s.steering, price)
    console.print(table)


@model_app.command("show")
def model_show(
    slug: Annotated[str, typer.Argument(help="The model's id.")],
    org: Org = None,
    json: Json = False,
) -> None:
    """One vehicle model's spec.

    Example: `autoatlas model show seal`
    """
    service_ = atlas()
    with service_.read() as connection:
        found = service.get_model(connection, service_.cli_principal(org), slug)
    if json:
        print_json(found.as_dict())
        return
    table = Table(title=f"{found.spec.name} ({found.slug})", header_style="bold")
    table.add_column("field")
    table.add_column("value")
    for key, value in service.spec_data(found.spec).items():
        table.add_row(key, ", ".join(map(str, value)) if isinstance(value, list) else str(value))
    console.print(table)


@model_app.command("export")
def model_export(
    slugs: Annotated[list[str] | None, typer.Argument(help="Models (default: all).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="yaml or json.")] = "yaml",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
    org: Org = None,
) -> None:
    """Export models in the format `model add` reads back.

    Example: `autoatlas model export seal --format json -o seal.json`
    """
    if fmt not in ("yaml", "json"):
        raise ValidationError(f"--format must be yaml or json, not {fmt!r}")
    service_ = atlas()
    with service_.read() as connection:
        text = service.export_models(
            connection, service_.cli_principal(org), slugs, "json" if fmt == "json" else "yaml"
        )
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@model_app.command("delete")
def model_delete(
    slug: Annotated[str, typer.Argument(help="The model's id.")], org: Org = None
) -> None:
    """Delete a model and its portfolio entries.

    Example: `autoatlas model delete seal`
    """
    service_ = atlas()
    with service_.write() as tx:
        entries = service.delete_model(tx, service_.cli_principal(org), slug)
    console.print(f"deleted {slug} and {entries} portfolio entr{'y' if entries == 1 else 'ies'}")


# -- portfolio -----------------------------------------------------------------------------
@portfolio_app.command("add")
def portfolio_add(
    model: Annotated[str, typer.Argument(help="The model's id.")],
    market: Annotated[str, typer.Argument(help="Market code.")],
    status: Annotated[str, typer.Option(help="sold or planned.")] = "planned",
    valid_from: Annotated[
        datetime | None, typer.Option("--from", help="From (YYYY-MM-DD).", formats=["%Y-%m-%d"])
    ] = None,
    valid_to: Annotated[
        datetime | None, typer.Option("--to", help="Until (exclusive).", formats=["%Y-%m-%d"])
    ] = None,
    org: Org = None,
    json: Json = False,
) -> None:
    """Say you sell or plan a model in a market from a date.

    Example: `autoatlas portfolio add seal TH --status planned --from 2026-07-01`
    """
    service_ = atlas()
    with service_.write() as tx:
        entry = service.add_to_portfolio(
            tx,
            service_.cli_principal(org),
            model=model,
            market=market,
            status=status,
            valid_from=valid_from.date() if valid_from else None,
            valid_to=valid_to.date() if valid_to else None,
        )
    if json:
        print_json(entry.as_dict())
        return
    console.print(f"portfolio entry {entry.id}: {entry.model} {entry.status} in {entry.market}")


@portfolio_app.command("list")
def portfolio_list(
    market: Annotated[str | None, typer.Option(help="Only this market.")] = None,
    on: Day = None,
    org: Org = None,
    json: Json = False,
) -> None:
    """Your portfolio: models by market, sold or planned, from when.

    Example: `autoatlas portfolio list --market TH`
    """
    service_ = atlas()
    with service_.read() as connection:
        entries = service.list_portfolio(
            connection, service_.cli_principal(org), market=market, on=on.date() if on else None
        )
    if json:
        print_json([e.as_dict() for e in entries])
        return
    table = Table(title="Portfolio", header_style="bold")
    for column in ("id", "model", "market", "status", "from", "to"):
        table.add_column(column)
    for e in entries:
        table.add_row(
            str(e.id), e.model, e.market, e.status, str(e.valid_from or "…"), str(e.valid_to or "…")
        )
    console.print(table)


@portfolio_app.command("remove")
def portfolio_remove(
    entry_id: Annotated[int, typer.Argument(metavar="ID", help="The entry's id (see list).")],
    org: Org = None,
) -> None:
    """Remove one portfolio entry.

    Example: `autoatlas portfolio remove 3`
    """
    service_ = atlas()
    with service_.write() as tx:
        entry = service.remove_from_portfolio(tx, service_.cli_principal(org), entry_id)
    console.print(f"removed {entry.model} in {entry.market}")


# -- assess and matrix -----------------------------------------------------------------------
def _spec(service_: Atlas, model: str, org: str | None) -> VehicleSpec:
    path = Path(model)
    if path.suffix.lower() in (".yaml", ".yml", ".json") or path.exists():
        return service.only_model(service.read_models_file(path), str(path))
    with service_.read() as connection:
        return service.get_model(connection, service_.cli_principal(org), model).spec


def assess(
    model: Annotated[
        str, typer.Argument(metavar="MODEL", help="A stored model's id, or a YAML/JSON spec file.")
    ],
    market: Annotated[str, typer.Option("--market", "-m", help="Market code.")],
    on: Day = None,
    changes: Annotated[
        list[str] | None,
        typer.Option("--with", help="A variant: field=value, set_field+=member (repeatable)."),
    ] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write the HTML report.")] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Write the PDF report.")] = None,
    lang: Annotated[
        str, typer.Option("--lang", help="Language of the reports and the table: en or zh.")
    ] = "en",
    org: Org = None,
    json: Json = False,
) -> None:
    """Assess a model in a market on a date: findings, landed cost, fit score, report.

    Example: `autoatlas assess seal --market TH --on 2026-07-01 --with dc_connectors+=CCS2`
    or, with a report in Chinese, `autoatlas assess seal -m TH --pdf seal-th.pdf --lang zh`
    """
    if lang not in LANGUAGES:
        raise ValidationError(f"--lang must be en or zh, not {lang!r}")
    service_ = atlas()
    spec, day = _spec(service_, model, org), _day(on)
    principal = service_.cli_principal(org)
    with service_.read() as connection:
        result, comparison = assessments.assess_with_changes(
            connection, principal, spec=spec, changes=changes or [], market=market, on=day
        )
    name = market_name(service_.market(result.market), "zh" if lang == "zh" else "en")
    if html:
        report = render_html(result, comparison=comparison, market_name=name, language=lang)
        html.write_text(report, encoding="utf-8")
    if pdf:
        pdf.write_bytes(render_pdf(result, comparison=comparison, market_name=name, language=lang))
    if json:
        data = result.as_dict()
        if comparison is not None:
            data["variant"] = comparison.as_dict()
        print_json(data)
        return
    _show(result, comparison, lang)


def _show(result: Assessment, comparison: VariantComparison | None, lang: str) -> None:
    console.print(
        f"[bold]{result.model.name}[/bold] in {result.market} on {result.on}: "
        f"fit score {result.score}/100"
    )
    if comparison is not None:
        console.print(
            f"variant ({', '.join(map(str, comparison.changes))}): score "
            f"{comparison.base.score} → {comparison.variant.score}"
        )
    table = Table(header_style="bold")
    for column in ("severity", "status", "rule", "finding"):
        table.add_column(column)
    order = {"blocker": 0, "major": 1, "minor": 2, "info": 3}
    for f in sorted(result.findings, key=lambda f: (order[f.severity], f.status, f.rule)):
        table.add_row(
            str(f.severity), str(f.status), f.rule, f.message.zh if lang == "zh" else f.message.en
        )
    console.print(table)
    cost = result.cost
    lines = Table(title=f"Landed cost ({cost.currency})", header_style="bold")
    lines.add_column("line")
    lines.add_column("rate", justify="right")
    lines.add_column("amount", justify="right")
    for line in cost.lines:
        rate = "" if line.rate is None else f"{line.rate:g} %"
        amount = "unknown" if line.amount is None else f"{line.amount:,.2f}"
        lines.add_row(cost_label(line.label, lang), rate, amount)
    total = "unknown" if cost.total is None else f"{cost.total:,.2f}"
    lines.add_row(cost_label("Customer price", lang), "", total)
    console.print(lines)


def matrix(
    markets: Annotated[
        list[str] | None, typer.Option("--market", "-m", help="Markets (default: portfolio).")
    ] = None,
    models: Annotated[
        list[str] | None, typer.Option("--model", help="Only these models (repeatable).")
    ] = None,
    on: Day = None,
    org: Org = None,
    json: Json = False,
) -> None:
    """Models × markets ranked by fit score, each score explained by its penalties.

    Without --market the pairs are your portfolio's entries valid on the date.
    Example: `autoatlas matrix --market TH --market AU --on 2026-07-01`
    """
    service_ = atlas()
    with service_.read() as connection:
        rows = assessments.portfolio_matrix(
            connection, service_.cli_principal(org), on=_day(on), markets=markets, models=models
        )
    if json:
        print_json([row.as_dict() for row in rows])
        return
    table = Table(title=f"Portfolio matrix on {_day(on)}", header_style="bold")
    for column in ("rank", "model", "market", "status", "score", "blockers", "price", "why"):
        table.add_column(column)
    for rank, row in enumerate(rows, 1):
        data = row.as_dict()
        why = ", ".join(f"{p['rule']} −{p['points']}" for p in data["penalties"][:4])
        price = f"{data['landed_total']} {data['currency']}" if data["landed_total"] else "?"
        table.add_row(
            str(rank),
            data["model"],
            data["market"],
            data["status"] or "",
            str(data["score"]),
            str(data["blockers"]),
            price,
            why + (" …" if len(data["penalties"]) > 4 else ""),
        )
    console.print(table)
