"""Planning an import: which records to add, which to close, which are already there.

Pure: given the proposed facts and the current records of their statements, it decides.
A new fact takes over its period from whatever current record overlaps it; the parts of an
old record outside that period are recorded again (a "trim"), so a rate that changes on a
date closes the previous rate on that date, never overlapping it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from autoatlas.domain.facts import FactInput
from autoatlas.domain.periods import Period
from autoatlas.errors import Issue
from autoatlas.store.current import StoredRecord
from autoatlas.store.records import scope_of

__all__ = ["Plan", "Trim", "make_plan"]


@dataclass(frozen=True, slots=True)
class Trim:
    """Re-record the stored record `record_id` for a shorter `period`."""

    record_id: int
    period: Period
    organization_id: int


@dataclass(slots=True)
class Plan:
    add: list[FactInput] = field(default_factory=list)
    trims: list[Trim] = field(default_factory=list)
    close: list[StoredRecord] = field(default_factory=list)
    retract_ids: set[int] = field(default_factory=set)
    superseded: int = 0
    retracted: int = 0
    unchanged: int = 0
    issues: list[Issue] = field(default_factory=list)

    @property
    def added(self) -> int:
        return len(self.add)

    @property
    def changes(self) -> int:
        return len(self.add) + len(self.close)


@dataclass(slots=True)
class _Entry:
    period: Period
    stored: StoredRecord | None = None  # a current record of the store
    trim_of: StoredRecord | None = None  # a piece of a closed record, to record again
    new: FactInput | None = None


def _statement(fact: FactInput, organization_id: int) -> tuple[str, str, str, str]:
    return (*fact.statement, scope_of(fact.visibility, organization_id))


def make_plan(
    proposed: Sequence[FactInput], current: Sequence[StoredRecord], organization_id: int
) -> Plan:
    plan = Plan()
    live: dict[tuple[str, str, str, str], list[_Entry]] = defaultdict(list)
    for record in current:
        key = (record.market, record.property, record.qualifiers_key, record.scope)
        live[key].append(_Entry(record.period, stored=record))
    for fact in proposed:
        entries = live[_statement(fact, organization_id)]
        overlapping = [e for e in entries if e.period.overlaps(fact.period)]
        if fact.retract:
            if not any(e.stored or e.trim_of for e in overlapping):
                plan.issues.append(
                    Issue(
                        f"nothing to retract: no current fact for {fact.market} {fact.property} "
                        f"in {fact.period}",
                        file=fact.file or None,
                        line=fact.line,
                        field="retract",
                    )
                )
                continue
        elif (
            len(overlapping) == 1
            and overlapping[0].stored is not None
            and overlapping[0].period == fact.period
            and overlapping[0].stored.digest == fact.digest
        ):
            plan.unchanged += 1
            continue
        for entry in overlapping:
            entries.remove(entry)
            origin = entry.stored or entry.trim_of
            if entry.stored is not None:
                plan.close.append(entry.stored)
                if fact.retract:
                    plan.retract_ids.add(entry.stored.id)
                    plan.retracted += 1
                else:
                    plan.superseded += 1
            if origin is not None:
                entries.extend(
                    _Entry(piece, trim_of=origin) for piece in entry.period.minus(fact.period)
                )
        if not fact.retract:
            entries.append(_Entry(fact.period, new=fact))
            plan.add.append(fact)
    for entries in live.values():
        plan.trims.extend(
            Trim(e.trim_of.id, e.period, e.trim_of.organization_id) for e in entries if e.trim_of
        )
    return plan
