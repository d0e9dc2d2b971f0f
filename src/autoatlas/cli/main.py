"""The `autoatlas` command: each verb is argument parsing plus one library call.

Exit codes (docs/cli.md): 0 success, 1 unexpected error, 2 invalid input (nothing changed),
3 not found, 4 conflict with the current data, 5 not allowed (credentials, permission,
credits), 6 rate limited.
"""

from __future__ import annotations

import sys

import typer

from autoatlas.cli.commands import (
    accounts,
    alerts,
    bundles,
    markets,
    refdata,
    serve,
    setup,
    vehicles,
)
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
app.command("serve")(serve.serve)
app.add_typer(accounts.org_app, name="org")
app.add_typer(accounts.user_app, name="user")
app.add_typer(accounts.token_app, name="token")
app.command("audit")(accounts.audit)
app.add_typer(refdata.app, name="refdata")
app.add_typer(vehicles.model_app, name="model")
app.add_typer(vehicles.portfolio_app, name="portfolio")
app.command("assess")(vehicles.assess)
app.command("matrix")(vehicles.matrix)
app.add_typer(alerts.watch_app, name="watch")
app.add_typer(alerts.alerts_app, name="alerts")
app.command("worker")(alerts.worker)


def main() -> None:
    """Run the CLI; library errors become one message and a documented exit code."""
    try:
        code = app(standalone_mode=False)
    except BundleError as exc:
        err_console.print(f"[bold red]Error:[/bold red] {exc.message}", highlight=False)
        for issue in exc.issues:
            err_console.print(f"  {issue}", highlight=False, markup=False)
        sys.exit(exc.exit_code)
    except AutoAtlasError as exc:
        err_console.print(f"[bold red]Error:[/bold red] {exc.message}", highlight=False)
        for issue in getattr(exc, "issues", ()):  # a spec file's errors: file, line, field
            if issue.where():
                err_console.print(f"  {issue}", highlight=False, markup=False)
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("Aborted.")
        sys.exit(1)
    except typer.TyperException as exc:  # usage: unknown option, bad date, missing argument
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            err_console.print(f"Error: {exc.format_message()}", highlight=False, markup=False)
        sys.exit(exc.exit_code)
    if isinstance(code, int) and code:  # `raise typer.Exit(n)` in a command
        sys.exit(code)
