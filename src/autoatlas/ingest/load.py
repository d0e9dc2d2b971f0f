"""Importing bundles: read and validate everything, plan, then apply in one transaction.

A bundle with any error changes nothing. `dry_run` plans against the current data and
reports what would change without writing.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autoatlas.domain.facts import FactInput
from autoatlas.errors import BundleError, Issue, NotFoundError
from autoatlas.ingest.formats import BUNDLE_SUFFIXES, RawBundle, read_bundle
from autoatlas.ingest.plan import Plan, make_plan
from autoatlas.ingest.validate import find_conflicts, validate_bundle
from autoatlas.store.current import current_records, record_inputs
from autoatlas.store.engine import WriteTx
from autoatlas.store.schema import market
from autoatlas.store.writes import NewRecord, close_records, insert_records
from autoatlas.vocabulary import Vocabulary, load_vocabulary

__all__ = [
    "Applied",
    "ImportReport",
    "Progress",
    "apply_plan",
    "bundle_files",
    "check_files",
    "no_progress",
    "plan_facts",
    "read_bundles",
    "report",
]

Progress = Callable[[str, int, int], None]  # (stage, done, total)
_BATCH = 5000
_ALIASES = {"UK": "GB", "EL": "GR"}  # codes people use that ISO 3166 spells otherwise


@dataclass(slots=True)
class ImportReport:
    files: list[str]
    facts: int
    added: int
    superseded: int
    retracted: int
    unchanged: int
    trimmed: int
    dry_run: bool
    issues: list[Issue] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["issues"] = [issue.as_dict() for issue in self.issues]
        return data


def bundle_files(paths: Iterable[Path]) -> list[Path]:
    """The bundle files named, directories expanded recursively in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in BUNDLE_SUFFIXES))
        else:
            found.append(path)
    return found


def _market_checker(connection: Connection) -> Callable[[str], str | None]:
    codes = set(connection.execute(sa.select(market.c.code)).scalars())

    def check(code: str) -> str | None:
        if code in codes:
            return None
        hint = _ALIASES.get(code) or next(iter(difflib.get_close_matches(code, codes, n=1)), None)
        return f"unknown market {code!r}" + (f" (did you mean {hint}?)" if hint else "")

    return check


def _read_all(
    connection: Connection,
    files: Sequence[Path | RawBundle],
    vocabulary: Vocabulary,
    progress: Progress,
) -> list[FactInput]:
    check = _market_checker(connection)
    facts: list[FactInput] = []
    issues: list[Issue] = []
    for index, path in enumerate(files):
        raw = path if isinstance(path, RawBundle) else read_bundle(path)
        checked = validate_bundle(raw, vocabulary, check)
        facts.extend(checked.facts)
        issues.extend(checked.issues)
        progress("validate", index + 1, len(files))
    issues.extend(find_conflicts(facts))
    if not files:
        issues.append(Issue("no bundle files found (.yaml, .yml, .json, .csv)"))
    if issues:
        raise BundleError(issues)
    return facts


def plan_facts(connection: Connection, facts: Sequence[FactInput], organization: int) -> Plan:
    current = current_records(connection, [f.market for f in facts], [f.property for f in facts])
    plan = make_plan(facts, current, organization)
    if plan.issues:
        raise BundleError(plan.issues)
    return plan


@dataclass(frozen=True, slots=True)
class Applied:
    """What a written plan did: the records it added (trims first) and their new ids."""

    trims: list[tuple[int, NewRecord]]
    added: list[tuple[int, NewRecord]]


def apply_plan(tx: WriteTx, plan: Plan, organization: int, progress: Progress) -> Applied:
    """Write a plan: close first (so the store's overlap check passes), then add."""
    close_records(tx, [record.id for record in plan.close])
    inputs = record_inputs(tx.connection, sorted({t.record_id for t in plan.trims}))
    records = [
        NewRecord(dataclasses.replace(inputs[t.record_id], period=t.period), t.organization_id)
        for t in plan.trims
    ]
    records.extend(NewRecord(fact, organization) for fact in plan.add)
    ids: list[int] = []
    for start in range(0, len(records), _BATCH):
        ids.extend(insert_records(tx, records[start : start + _BATCH]))
        progress("write", min(start + _BATCH, len(records)), len(records))
    pairs = list(zip(ids, records, strict=True))
    return Applied(trims=pairs[: len(plan.trims)], added=pairs[len(plan.trims) :])


def no_progress(_stage: str, _done: int, _total: int) -> None:
    return None


def check_files(paths: Sequence[Path]) -> list[Path]:
    files = bundle_files(paths)
    for path in files:
        if not path.exists():
            raise NotFoundError(f"{path}: no such file")
    return files


def read_bundles(
    connection: Connection,
    files: Sequence[Path | RawBundle],
    *,
    vocabulary: Vocabulary | None = None,
    progress: Progress | None = None,
) -> list[FactInput]:
    """Read and validate bundle files; every problem of every file in one BundleError."""
    return _read_all(connection, files, vocabulary or load_vocabulary(), progress or no_progress)


def report(
    files: Sequence[Path], facts: Sequence[FactInput], plan: Plan, dry_run: bool
) -> ImportReport:
    return ImportReport(
        files=[str(p) for p in files],
        facts=len(facts),
        added=plan.added,
        superseded=plan.superseded,
        retracted=plan.retracted,
        unchanged=plan.unchanged,
        trimmed=len(plan.trims),
        dry_run=dry_run,
    )
