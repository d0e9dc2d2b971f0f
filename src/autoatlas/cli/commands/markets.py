"""`autoatlas market`, `history`, `compare`, `coverage`: reading the database."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from autoatlas.cli.context import atlas, utc
from autoatlas.cli.output import (
    console,
    coverage_markdown,
    facts_table,
    format_value,
    print_json,
)

__all__ = ["compare", "coverage", "history", "market"]

AsOf = Annotated[
    datetime | None,
    typer.Option("--as-of", help="Valid date (YYYY-MM-DD); default today.", formats=["%Y-%m-%d"]),
]
KnownAt = Annotated[
    datetime | None,
    typer.Option("--known-at", help="Ask as the database knew it at this UTC moment."),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Org = Annotated[
    str | None, typer.Option("--org", help="See this organization's private facts too.")
]


def market(
    code: Annotated[str, typer.Argument(help="Market code: TH, CN-CQ, EU ...")],
    as_of: AsOf = None,
    known_at: KnownAt = None,
    dimension: Annotated[str | None, typer.Option(help="Only this dimension.")] = None,
    org: Org = None,
    json: Json = False,
) -> None:
    """A market's profile as of a date, with facts inherited from its blocs ("via EU").

    Example: `autoatlas market DE --as-of 2024-01-01 --dimension trade`
    """
    known_at = utc(known_at)
    service = atlas()
    info = service.market(code)
    facts = service.profile(
        code,
        as_of=as_of.date() if as_of else None,
        known_at=known_at,
        dimension=dimension,
        viewer=org,
    )
    if json:
        print_json(
            {
                "market": {
                    "code": info.code,
                    "kind": info.kind,
                    "name_en": info.name_en,
                    "name_zh": info.name_zh,
                    "parent": info.parent,
                },
                "as_of": (as_of.date() if as_of else None),
                "known_at": known_at,
                "facts": [fact.as_dict() for fact in facts],
            }
        )
        return
    when = as_of.date().isoformat() if as_of else "today"
    title = f"{info.name_en} · {info.name_zh} ({info.code}) as of {when}"
    if known_at:
        title += f", as known at {known_at.isoformat(sep=' ')}"
    if not facts:
        console.print(f"{title}: no facts yet")
        return
    console.print(facts_table(title, facts))


def history(
    code: Annotated[str, typer.Argument(help="Market code.")],
    prop: Annotated[str, typer.Argument(metavar="PROPERTY", help="Property id.")],
    org: Org = None,
    json: Json = False,
) -> None:
    """Every record of one property of one market: valid time and transaction time.

    Example: `autoatlas history TH trade.import_duty.passenger_bev`
    """
    facts = atlas().history(code, prop, viewer=org)
    if json:
        print_json([fact.as_dict() for fact in facts])
        return
    if not facts:
        console.print(f"No records of {prop} for {code.upper()}")
        return
    console.print(facts_table(f"{code.upper()} · {prop}", facts, history=True))


def compare(
    codes: Annotated[list[str], typer.Argument(help="Two or more market codes.")],
    dimension: Annotated[str | None, typer.Option(help="Compare on this dimension.")] = None,
    properties: Annotated[
        list[str] | None, typer.Option("--property", "-p", help="Property id (repeatable).")
    ] = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    org: Org = None,
    json: Json = False,
) -> None:
    """Several markets side by side on a dimension or on chosen properties.

    Example: `autoatlas compare DE FR TH --dimension charging`
    """
    known_at = utc(known_at)
    found = atlas().compare(
        codes,
        dimension=dimension,
        properties=properties,
        as_of=as_of.date() if as_of else None,
        known_at=known_at,
        viewer=org,
    )
    if json:
        print_json({code: [fact.as_dict() for fact in facts] for code, facts in found.items()})
        return
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for code, facts in found.items():
        for fact in facts:
            qualifiers = ", ".join(f"{k}={v}" for k, v in fact.qualifiers.items())
            text = format_value(fact) + (
                f" (via {fact.inherited_from})" if fact.inherited_from else ""
            )
            rows.setdefault((fact.property, qualifiers), {})[code] = text
    table = Table(title="Comparison", header_style="bold")
    table.add_column("property")
    table.add_column("qualifiers")
    for code in found:
        table.add_column(code)
    for (prop, qualifiers), cells in sorted(rows.items()):
        table.add_row(prop, qualifiers, *(cells.get(code, "—") for code in found))
    console.print(table)


def coverage(
    codes: Annotated[
        list[str] | None, typer.Argument(help="Markets (default: those with facts).")
    ] = None,
    as_of: AsOf = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print a Markdown table.")] = False,
    json: Json = False,
) -> None:
    """Markets × dimensions: how many properties have a current sourced value.

    The last column is the share of each market's facts last checked over a year ago.
    Example: `autoatlas coverage TH VN ID`
    """
    result = atlas().coverage(codes, as_of=as_of.date() if as_of else None)
    if json:
        print_json(result.as_dict())
        return
    if markdown:
        sys.stdout.write(coverage_markdown(result))
        return
    table = Table(title=f"Coverage as of {result.as_of}", header_style="bold")
    table.add_column("market")
    for dimension in result.dimensions:
        table.add_column(
            f"{dimension}\n/{result.properties_per_dimension[dimension]}", justify="right"
        )
    table.add_column("stale", justify="right")
    for code, counts in result.counts.items():
        cells = [str(counts[d]) if counts[d] else "[red]0[/red]" for d in result.dimensions]
        table.add_row(code, *cells, f"{result.stale_share[code]:.0%}")
    console.print(table)
