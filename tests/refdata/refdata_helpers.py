"""Reading the committed reference bundles for the refdata tests."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from autoatlas.ingest.formats import read_bundle

REFERENCE = Path(__file__).resolve().parents[2] / "data" / "reference"


@functools.cache
def bundle(name: str) -> dict[str, list[dict[str, Any]]]:
    """One committed bundle, read as the importer reads it (market NO stays Norway)."""
    raw = read_bundle(REFERENCE / f"{name}.yaml")
    assert not raw.issues, raw.issues
    return {"sources": [i.data for i in raw.sources], "facts": [i.data for i in raw.facts]}


def facts(name: str, prop: str | None = None, market: str | None = None) -> list[dict[str, Any]]:
    return [
        f
        for f in bundle(name)["facts"]
        if (prop is None or f["property"] == prop) and (market is None or f["market"] == market)
    ]


def all_facts(names: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
    return [(name, fact) for name in names for fact in bundle(name)["facts"]]
