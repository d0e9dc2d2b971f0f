"""The `autoatlas` command: each verb is argument parsing plus one library call.

Exit codes: 0 success, 1 unexpected error, 2 invalid input (nothing changed),
3 not found, 4 conflict with the current data.
"""

from __future__ import annotations

import sys

import click
import typer

from autoatlas.cli.commands import bundles, markets, setup
from autoatlas.cli.output import err_console
from autoatlas.errors import AutoAtlasError, BundleError

__all__ = ["app", "main"]

app = typer.Typer(
    name="autoatlas",
    help="AutoAtlas: cited, time-aware facts about overseas automotive markets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("init")(setup.init)
app.command("import")(bundles.import_)
app.command("export")(bundles.export)
app.command("market")(markets.market)
app.command("history")(markets.history)
app.command("compare")(markets.compare)
app.command("coverage")(markets.coverage)


def main() -> None:
    """Run the CLI; library errors become one message and a documented exit code."""
    try:
        app(standalone_mode=False)
    except BundleError as exc:
        err_console.print(f"[bold red]Error:[/bold red] {exc.message}", highlight=False)
        for issue in exc.issues:
            err_console.print(f"  {issue}", highlight=False, markup=False)
        sys.exit(exc.exit_code)
    except AutoAtlasError as exc:
        err_console.print(f"[bold red]Error:[/bold red] {exc.message}", highlight=False)
        sys.exit(exc.exit_code)
    except click.Abort:
        err_console.print("Aborted.")
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
