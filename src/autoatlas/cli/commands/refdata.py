"""`autoatlas refdata build`: regenerate data/reference/ from the maintained packages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from autoatlas.cli.output import console, print_json
from autoatlas.refdata import build_reference

__all__ = ["app", "build"]

app = typer.Typer(
    name="refdata",
    help="Reference data generated from maintained packages (data/reference/).",
    no_args_is_help=True,
)


@app.command("build")
def build(
    npm_dir: Annotated[
        Path,
        typer.Option(
            "--npm-dir",
            help="Prefix folder of the npm packages cldr-core and @rapideditor/country-coder.",
        ),
    ] = Path("/tmp/refdata-npm"),
    out: Annotated[Path, typer.Option("--out", help="Folder to write the bundles to.")] = Path(
        "data/reference"
    ),
    json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Generate the reference bundles from the packages of the `refdata` extra and npm.

    Needs `pip install -e ".[refdata]"`, Node.js, and
    `npm install --prefix DIR cldr-core @rapideditor/country-coder`. The output is sorted:
    rebuilding from the same package versions changes nothing.
    Example: `autoatlas refdata build --npm-dir /tmp/refdata-npm --out data/reference`
    """
    report = build_reference(out_dir=out, npm_dir=npm_dir)
    if json:
        print_json(report.as_dict())
        return
    for name, count in report.facts.items():
        console.print(f"{out / name}: {count} facts", highlight=False)
    for item in report.replaced:
        fact = item.fact
        console.print(
            f"corrected: {fact.market} {fact.property} (was {fact.value!r} in {item.bundle})",
            highlight=False,
        )
    console.print(f"{sum(report.facts.values())} facts in {len(report.facts)} files")
