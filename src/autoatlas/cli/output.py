"""How the CLI shows things: Rich tables for people, JSON for scripts, errors on stderr."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

from autoatlas.domain.facts import Fact

__all__ = ["console", "err_console", "facts_table", "format_value", "print_json"]

# Messages are never hard-wrapped (a wrapped path cannot be copied, a wrapped count cannot be
# grepped); tables still fit the terminal, or 80 columns when piped.
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(
        orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n"
    )


def format_value(fact: Fact) -> str:
    value = fact.value
    if isinstance(value, dict) and "currency" in value:
        return f"{value['amount']} {value['currency']}"
    if isinstance(value, dict) and {"min", "max"} <= set(value):
        text = f"{value['min']}–{value['max']}"
    elif isinstance(value, list):
        text = ", ".join(map(str, value))
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    else:
        text = str(value)
    unit = fact.unit
    if unit == "percent":
        return f"{text} %"
    return f"{text} {unit}" if unit else text


def _when(day: date | None) -> str:
    return day.isoformat() if day else "…"


def _stamp(moment: datetime | None) -> str:
    return moment.isoformat(sep=" ", timespec="seconds") if moment else ""


def facts_table(title: str, facts: Sequence[Fact], *, history: bool = False) -> Table:
    table = Table(title=title, show_lines=False, header_style="bold")
    table.add_column("property")
    table.add_column("qualifiers")
    table.add_column("value")
    table.add_column("valid")
    if history:
        table.add_column("recorded")
        table.add_column("superseded")
    else:
        table.add_column("via")
    table.add_column("source")
    for fact in facts:
        qualifiers = ", ".join(f"{k}={v}" for k, v in fact.qualifiers.items())
        valid = f"{_when(fact.period.start)} → {_when(fact.period.end)}"
        first = fact.sources[0] if fact.sources else None
        source = (first.publisher or first.title) if first else ""
        if first and len(fact.sources) > 1:
            source += f" (+{len(fact.sources) - 1})"
        row = [fact.property, qualifiers, format_value(fact), valid]
        if history:
            row += [_stamp(fact.recorded_at), _stamp(fact.superseded_at)]
        else:
            row.append(f"via {fact.inherited_from}" if fact.inherited_from else "")
        table.add_row(*row, source)
    return table


def coverage_markdown(coverage: Any) -> str:
    """The coverage matrix as a Markdown table (data/README.md shows it)."""
    head = ["market", *coverage.dimensions, "stale"]
    lines = [
        "| " + " | ".join(head) + " |",
        "| " + " | ".join(["---"] + ["---:"] * (len(head) - 1)) + " |",
        "| *properties* | "
        + " | ".join(str(coverage.properties_per_dimension[d]) for d in coverage.dimensions)
        + " | |",
    ]
    for code, counts in coverage.counts.items():
        cells = [str(counts[d]) if counts[d] else "**0**" for d in coverage.dimensions]
        lines.append(f"| {code} | " + " | ".join(cells) + f" | {coverage.stale_share[code]:.0%} |")
    return "\n".join(lines) + "\n"
