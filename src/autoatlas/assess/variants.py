"""What-ifs: assess a variant of a model ("add a CCS2 port", "build it in Thailand").

A variant is an overlay on the model, validated like the model itself; the data stays as
it is. Changes are written `field=value`, `set_field+=member` or `set_field-=member`:
`dc_connectors+=CCS2`, `origin=TH`, `price.amount=32000`.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml

from autoatlas.assess.assessment import Assessment
from autoatlas.errors import Issue, ValidationError
from autoatlas.rules.engine import Finding
from autoatlas.vehicles.spec import VehicleSpec, parse_spec

__all__ = ["Change", "VariantComparison", "apply_changes", "compare", "parse_changes"]


@dataclass(frozen=True, slots=True)
class Change:
    field: str  # a spec field, or "price.amount" / "price.currency"
    op: str  # "=", "+=", "-="
    value: Any

    def __str__(self) -> str:
        shown = ",".join(map(str, self.value)) if isinstance(self.value, list) else self.value
        return f"{self.field}{self.op}{shown}"


def _is_set(name: str) -> bool:
    info = VehicleSpec.model_fields.get(name)
    return info is not None and typing.get_origin(info.annotation) is frozenset


def parse_changes(pairs: Sequence[str]) -> list[Change]:
    """`key=value` pairs (the CLI's `--with`) as changes; unknown fields are named."""
    changes, issues = [], []
    for pair in pairs:
        op = next((o for o in ("+=", "-=", "=") if o in pair), None)
        if op is None:
            issues.append(Issue(f"{pair!r}: write field=value", field=pair))
            continue
        name, _, raw = pair.partition(op)
        name, raw = name.strip(), raw.strip()
        top = name.split(".", 1)[0]
        if top not in VehicleSpec.model_fields or (
            "." in name and name not in ("price.amount", "price.currency")
        ):
            issues.append(Issue(f"{name!r} is not a field of the vehicle model", field=name))
            continue
        if _is_set(name):
            value: Any = [v.strip() for v in raw.split(",") if v.strip()]
        elif op != "=":
            issues.append(Issue(f"{op} works on set fields only", field=name))
            continue
        else:
            value = raw if name in ("price.amount", "id") else yaml.safe_load(raw or "null")
        changes.append(Change(name, op, value))
    if issues:
        raise ValidationError(f"{len(issues)} error(s) in the changes", issues)
    return changes


def apply_changes(spec: VehicleSpec, changes: Sequence[Change]) -> VehicleSpec:
    """The variant: the spec with the changes, validated (errors name the field)."""
    data: dict[str, Any] = spec.model_dump(mode="json")
    for change in changes:
        if change.field.startswith("price."):
            data["price"] = {**data["price"], change.field.split(".")[1]: change.value}
        elif change.op == "+=":
            data[change.field] = sorted(set(data[change.field]) | set(change.value))
        elif change.op == "-=":
            data[change.field] = sorted(set(data[change.field]) - set(change.value))
        else:
            data[change.field] = change.value
    return parse_spec(data, "variant")


def _key(finding: Finding) -> tuple[str, str, str, str]:
    return (finding.rule, str(finding.status), str(finding.severity), finding.message.en)


@dataclass(frozen=True, slots=True)
class VariantComparison:
    """The base assessment and the variant's, and what the changes changed."""

    changes: tuple[Change, ...]
    base: Assessment
    variant: Assessment

    @property
    def resolved(self) -> list[Finding]:
        """Findings of the base that the variant no longer has."""
        kept = {_key(f) for f in self.variant.findings}
        return [f for f in self.base.findings if _key(f) not in kept]

    @property
    def introduced(self) -> list[Finding]:
        """Findings the variant has that the base did not."""
        had = {_key(f) for f in self.base.findings}
        return [f for f in self.variant.findings if _key(f) not in had]

    @property
    def score_change(self) -> int:
        return self.variant.score - self.base.score

    @property
    def total_change(self) -> Decimal | None:
        before, after = self.base.cost.total, self.variant.cost.total
        if before is None or after is None or self.base.cost.currency != self.variant.cost.currency:
            return None
        return after - before

    def as_dict(self) -> dict[str, Any]:
        change = self.total_change
        return {
            "changes": [str(c) for c in self.changes],
            "score": {"base": self.base.score, "variant": self.variant.score},
            "score_change": self.score_change,
            "landed_total_change": None if change is None else str(change),
            "resolved": [f.as_dict() for f in self.resolved],
            "introduced": [f.as_dict() for f in self.introduced],
        }


def compare(base: Assessment, variant: Assessment, changes: Sequence[Change]) -> VariantComparison:
    return VariantComparison(tuple(changes), base, variant)
