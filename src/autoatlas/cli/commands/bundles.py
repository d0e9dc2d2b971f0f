"""`autoatlas import` and `autoatlas export`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from autoatlas.cli.context import atlas, utc
from autoatlas.cli.output import console, err_console, print_json
from autoatlas.ingest.load import Progress as ProgressCallback
from autoatlas.store.queries import FactFilter

__all__ = ["export", "import_"]


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[ProgressCallback | None]:
    """A Rich progress bar on a terminal; nothing when piped or asked for JSON."""
    if not enabled or not err_console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err_console
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def import_(
    paths: Annotated[list[Path], typer.Argument(help="Bundle files or folders of them.")],
    org: Annotated[
        str | None, typer.Option("--org", help="Contributing organization (slug).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
    ] = False,
    json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Import fact bundles (YAML, JSON, CSV): all of them, or nothing.

    Every file is validated first; any error stops the whole import and is reported with
    its file, line and field. Re-importing the same bundle adds nothing.
    Example: `autoatlas import data/markets --dry-run`
    """
    with _progress_bar(not json) as progress:
        report = atlas().import_files(paths, organization=org, dry_run=dry_run, progress=progress)
    if json:
        print_json(report.as_dict())
        return
    verb = "Would import" if dry_run else "Imported"
    console.print(
        f"{verb} {report.facts} facts from {len(report.files)} file(s): "
        f"{report.added} added, {report.superseded} superseded, {report.retracted} retracted, "
        f"{report.unchanged} unchanged"
        + (f", {report.trimmed} re-recorded for a shorter period" if report.trimmed else "")
    )


def export(
    markets: Annotated[
        list[str] | None, typer.Option("--market", "-m", help="Market code (repeatable).")
    ] = None,
    properties: Annotated[
        list[str] | None, typer.Option("--property", "-p", help="Property id (repeatable).")
    ] = None,
    dimension: Annotated[str | None, typer.Option(help="Only this dimension.")] = None,
    as_of: Annotated[
        datetime | None, typer.Option("--as-of", help="Only facts valid on this date.")
    ] = None,
    known_at: Annotated[
        datetime | None, typer.Option("--known-at", help="As the database knew it then (UTC).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="yaml, json or csv.")] = "yaml",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
) -> None:
    """Export facts as a bundle that `autoatlas import` reads back.

    Example: `autoatlas export -m TH -m VN --dimension trade -f csv -o trade.csv`
    """
    service = atlas()
    chosen = service.select_properties(dimension, properties)
    where = FactFilter(
        markets=[m.strip().upper() for m in markets] if markets else None,
        properties=chosen,
        as_of=as_of.date() if as_of else None,
        known_at=utc(known_at),
    )
    text = service.export(where, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err_console.print(f"Wrote {output}")


def _date(value: datetime | None) -> date | None:
    return value.date() if value else None
