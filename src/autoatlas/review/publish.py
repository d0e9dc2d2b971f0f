"""Publishing a plan: write it and emit its change events in the same transaction."""

from __future__ import annotations

from typing import Any

from autoatlas.ingest.load import Progress, apply_plan, no_progress
from autoatlas.ingest.plan import Plan
from autoatlas.store.changesets import insert_events
from autoatlas.store.engine import WriteTx
from autoatlas.store.records import scope_of

__all__ = ["publish_plan"]


def publish_plan(
    tx: WriteTx,
    plan: Plan,
    *,
    change_set_id: int,
    organization_id: int,
    progress: Progress | None = None,
) -> int:
    """Apply the plan and append one change event per record closed or added, in order.

    Returns the number of events. Because the events are written in the transaction that
    changes the facts, a rolled-back publication emits nothing and a committed one all.
    """
    applied = apply_plan(tx, plan, organization_id, progress or no_progress)
    events: list[dict[str, Any]] = [
        {
            "change_set_id": change_set_id,
            "kind": "retracted" if record.id in plan.retract_ids else "superseded",
            "fact_id": record.id,
            "market": record.market,
            "property": record.property,
            "qualifiers_key": record.qualifiers_key,
            "scope": record.scope,
        }
        for record in plan.close
    ]
    for kind, pairs in (("trimmed", applied.trims), ("added", applied.added)):
        events.extend(
            {
                "change_set_id": change_set_id,
                "kind": kind,
                "fact_id": fact_id,
                "market": new.fact.market,
                "property": new.fact.property,
                "qualifiers_key": new.fact.qualifiers_key,
                "scope": scope_of(new.fact.visibility, new.organization_id),
            }
            for fact_id, new in pairs
        )
    insert_events(tx, events)
    return len(events)
