"""Contributions: submit a change set, review it, publish it atomically with its events.

Every step takes the unit of work from its caller and records itself in the audit log.
A bulk load (the CLI's `import`) is a change set approved in one step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from autoatlas.auth.principal import Principal
from autoatlas.domain.facts import FactInput, Visibility
from autoatlas.errors import NotFoundError, ValidationError
from autoatlas.ingest.formats import read_mapping
from autoatlas.ingest.load import ImportReport, Progress, plan_facts, read_bundles, report
from autoatlas.ingest.plan import Plan
from autoatlas.review.permissions import (
    check_bulk_load,
    check_review_change_set,
    check_submit_change_set,
    check_view_change_set,
)
from autoatlas.review.publish import publish_plan
from autoatlas.store.changesets import (
    ChangeSetRow,
    get_change_set,
    insert_change_set,
    list_change_sets,
    set_review,
)
from autoatlas.store.engine import WriteTx
from autoatlas.store.ledger import add_credit, append_audit
from autoatlas.vocabulary import Vocabulary

__all__ = [
    "MAX_GRADE",
    "approve",
    "bulk_load",
    "change_sets_for",
    "reject",
    "submit",
    "visible_change_set",
]

MAX_GRADE = 100  # credits a reviewer may grant one change set


def _summary(plan: Plan) -> dict[str, int]:
    return {
        "added": plan.added,
        "superseded": plan.superseded,
        "retracted": plan.retracted,
        "unchanged": plan.unchanged,
        "trimmed": len(plan.trims),
    }


def _facts(tx: WriteTx, bundle: Any, name: str, vocabulary: Vocabulary) -> list[FactInput]:
    return read_bundles(tx.connection, [read_mapping(bundle, name)], vocabulary=vocabulary)


def _organization_id(principal: Principal) -> int:
    if principal.organization_id is None:
        raise ValidationError("a change set belongs to an organization: sign in first")
    return principal.organization_id


def submit(
    tx: WriteTx, principal: Principal, *, bundle: Any, title: str, vocabulary: Vocabulary
) -> ChangeSetRow:
    """Validate a contribution exactly as an import is validated, and queue it for review."""
    check_submit_change_set(principal)
    title = title.strip()
    if not title or len(title) > 300:
        raise ValidationError("title: 1-300 characters", None)
    org = _organization_id(principal)
    facts = _facts(tx, bundle, "bundle", vocabulary)
    plan = plan_facts(tx.connection, facts, org)
    if plan.changes == 0:
        raise ValidationError("the change set changes nothing: every fact is already there")
    change_set_id = insert_change_set(
        tx,
        organization_id=org,
        author_id=principal.user_id,
        author=principal.label,
        kind="contribution",
        title=title,
        private=any(f.visibility is Visibility.PRIVATE for f in facts),
        bundle=bundle,
        summary=_summary(plan),
    )
    append_audit(
        tx,
        actor_id=principal.user_id,
        actor=principal.label,
        organization_id=org,
        action="change_set.submit",
        target=f"change_set:{change_set_id}",
        after={"title": title, "summary": _summary(plan)},
    )
    row = get_change_set(tx.connection, change_set_id)
    assert row is not None
    return row


def visible_change_set(
    connection: Connection, principal: Principal, change_set_id: int
) -> ChangeSetRow:
    row = get_change_set(connection, change_set_id)
    if row is None:
        raise NotFoundError(f"no change set {change_set_id}")
    check_view_change_set(principal, row)
    return row


def change_sets_for(
    connection: Connection,
    principal: Principal,
    *,
    state: str | None,
    queue: bool,
    after_id: int,
    limit: int,
) -> list[ChangeSetRow]:
    """A contributor's organization's change sets, or (queue) what the reviewer may review:
    public ones for the operator's reviewers, private ones of their own organization else."""
    if queue and principal.operator:
        return list_change_sets(
            connection, state=state or "submitted", public_only=True, after_id=after_id, limit=limit
        )
    if queue:
        return list_change_sets(
            connection,
            organization_id=_organization_id(principal),
            state=state or "submitted",
            private_only=True,
            after_id=after_id,
            limit=limit,
        )
    return list_change_sets(
        connection,
        organization_id=_organization_id(principal),
        state=state,
        after_id=after_id,
        limit=limit,
    )


def approve(
    tx: WriteTx,
    principal: Principal,
    change_set_id: int,
    *,
    comment: str | None,
    grade: int,
    vocabulary: Vocabulary,
) -> ChangeSetRow:
    """Publish a change set: re-validated and re-planned against today's data, then written
    with its change events, its credits and its audit entry, all in this one transaction."""
    row = get_change_set(tx.connection, change_set_id, lock=True)
    if row is None:
        raise NotFoundError(f"no change set {change_set_id}")
    check_review_change_set(principal, row)
    if not 0 <= grade <= MAX_GRADE:
        raise ValidationError(f"grade: between 0 and {MAX_GRADE} credits")
    facts = _facts(tx, row.bundle, f"change set {change_set_id}", vocabulary)
    plan = plan_facts(tx.connection, facts, row.organization_id)
    publish_plan(tx, plan, change_set_id=change_set_id, organization_id=row.organization_id)
    set_review(
        tx,
        change_set_id,
        state="approved",
        reviewer_id=principal.user_id,
        comment=comment,
        grade=grade,
        summary=_summary(plan),
    )
    if grade:
        add_credit(
            tx,
            organization_id=row.organization_id,
            delta=grade,
            reason=f"change set {change_set_id} approved",
            change_set_id=change_set_id,
        )
    append_audit(
        tx,
        actor_id=principal.user_id,
        actor=principal.label,
        organization_id=row.organization_id,
        action="change_set.approve",
        target=f"change_set:{change_set_id}",
        before={"state": row.state},
        after={"state": "approved", "grade": grade, "comment": comment, "summary": _summary(plan)},
    )
    approved = get_change_set(tx.connection, change_set_id)
    assert approved is not None
    return approved


def reject(tx: WriteTx, principal: Principal, change_set_id: int, *, comment: str) -> ChangeSetRow:
    row = get_change_set(tx.connection, change_set_id, lock=True)
    if row is None:
        raise NotFoundError(f"no change set {change_set_id}")
    check_review_change_set(principal, row)
    if not comment.strip():
        raise ValidationError("comment: say why the change set is rejected")
    set_review(
        tx,
        change_set_id,
        state="rejected",
        reviewer_id=principal.user_id,
        comment=comment.strip(),
        grade=None,
    )
    append_audit(
        tx,
        actor_id=principal.user_id,
        actor=principal.label,
        organization_id=row.organization_id,
        action="change_set.reject",
        target=f"change_set:{change_set_id}",
        before={"state": row.state},
        after={"state": "rejected", "comment": comment.strip()},
    )
    rejected = get_change_set(tx.connection, change_set_id)
    assert rejected is not None
    return rejected


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def bulk_load(
    tx: WriteTx,
    principal: Principal,
    *,
    files: Sequence[Path],
    facts: Sequence[FactInput],
    progress: Progress | None = None,
) -> ImportReport:
    """Import validated facts as a change set approved in one step, audited like any other."""
    check_bulk_load(principal)
    org = _organization_id(principal)
    plan = plan_facts(tx.connection, facts, org)
    result = report(files, facts, plan, dry_run=False)
    if plan.changes == 0:
        return result  # nothing to publish: no change set, no event
    change_set_id = insert_change_set(
        tx,
        organization_id=org,
        author_id=principal.user_id,
        author=principal.label,
        kind="bulk",
        title=f"bulk load of {len(files)} file(s)",
        private=any(f.visibility is Visibility.PRIVATE for f in facts),
        bundle={"files": [{"path": str(p), "sha256": _digest(p)} for p in files]},
        summary=_summary(plan),
    )
    publish_plan(tx, plan, change_set_id=change_set_id, organization_id=org, progress=progress)
    set_review(
        tx,
        change_set_id,
        state="approved",
        reviewer_id=principal.user_id,
        comment="bulk load by an administrator, approved in one step",
        grade=None,
    )
    append_audit(
        tx,
        actor_id=principal.user_id,
        actor=principal.label,
        organization_id=org,
        action="change_set.bulk_load",
        target=f"change_set:{change_set_id}",
        after={"files": [str(p) for p in files], "summary": _summary(plan)},
    )
    return result
