"""`autoatlas init`."""

from __future__ import annotations

from typing import Annotated

import typer

from autoatlas.cli.context import atlas
from autoatlas.cli.output import console, print_json

__all__ = ["init"]


def init(
    json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Create or upgrade the database and load the market catalogue.

    Safe to run again: it applies pending migrations and refreshes markets and bloc
    memberships. Example: `AUTOATLAS_DATABASE_URL=sqlite:///atlas.db autoatlas init`
    """
    report = atlas().init()
    if json:
        print_json(
            {
                "database": report.database,
                "markets_added": report.markets_added,
                "memberships": report.memberships,
            }
        )
    else:
        console.print(
            f"Database ready: {report.database} "
            f"({report.markets_added} markets added, {report.memberships} bloc memberships)"
        )
