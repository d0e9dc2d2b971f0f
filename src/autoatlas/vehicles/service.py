"""Vehicle models and portfolios: private to their organization.

Every function takes the principal and the unit of work (a write transaction or a
connection) and looks models up only inside the principal's organization, so another
organization's model reads as missing. Nothing here commits, prints or speaks HTTP.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from sqlalchemy.engine import Connection

from autoatlas.auth.principal import Principal
from autoatlas.errors import ConflictError, Issue, NotFoundError, ValidationError
from autoatlas.review.permissions import check_manage_models, check_view_models
from autoatlas.store import queries
from autoatlas.store import vehicles as store
from autoatlas.store.engine import WriteTx
from autoatlas.store.ledger import append_audit
from autoatlas.store.vehicles import PortfolioRow
from autoatlas.vehicles.spec import VehicleSpec, parse_spec

__all__ = [
    "MAX_FILE_BYTES",
    "STATUSES",
    "ImportResult",
    "VehicleModel",
    "add_to_portfolio",
    "create_model",
    "delete_model",
    "export_models",
    "get_model",
    "import_models",
    "list_models",
    "list_portfolio",
    "only_model",
    "parse_models",
    "parse_models_text",
    "read_models_file",
    "remove_from_portfolio",
    "spec_data",
    "update_model",
]

STATUSES = ("sold", "planned")
MAX_FILE_BYTES = 4 * 2**20


@dataclass(frozen=True, slots=True)
class VehicleModel:
    id: int
    slug: str
    spec: VehicleSpec
    created_at: datetime
    updated_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "spec": spec_data(self.spec),
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: list[str]
    updated: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated}


def spec_data(spec: VehicleSpec) -> dict[str, Any]:
    """The spec as plain JSON-ready data: sets sorted, absent values left out (stable export)."""
    data = spec.model_dump(mode="json", exclude_none=True)
    return {k: sorted(v) if isinstance(v, list) else v for k, v in data.items()}


def _model(row: store.ModelRow) -> VehicleModel:
    spec = parse_spec(row.spec, f"vehicle_model:{row.slug}")
    return VehicleModel(row.id, row.slug, spec, row.created_at, row.updated_at)


def _audit(tx: WriteTx, principal: Principal, action: str, slug: str, **data: Any) -> None:
    append_audit(
        tx,
        actor_id=principal.user_id,
        actor=principal.label,
        organization_id=principal.organization_id,
        action=action,
        target=f"vehicle_model:{slug}",
        before=data.get("before"),
        after=data.get("after"),
    )


def _row(connection: Connection, organization_id: int, slug: str) -> store.ModelRow:
    row = store.get_model(connection, organization_id=organization_id, slug=slug)
    if row is None:
        raise NotFoundError(f"no vehicle model {slug!r} in your organization")
    return row


# -- models ----------------------------------------------------------------------------
def get_model(connection: Connection, principal: Principal, slug: str) -> VehicleModel:
    return _model(_row(connection, check_view_models(principal), slug))


def list_models(connection: Connection, principal: Principal) -> list[VehicleModel]:
    organization_id = check_view_models(principal)
    return [_model(row) for row in store.list_models(connection, organization_id=organization_id)]


def create_model(tx: WriteTx, principal: Principal, spec: VehicleSpec) -> VehicleModel:
    organization_id = check_manage_models(principal)
    if store.get_model(tx.connection, organization_id=organization_id, slug=spec.id):
        raise ConflictError(f"vehicle model {spec.id!r} exists: update it instead")
    data = spec_data(spec)
    store.insert_model(tx, organization_id=organization_id, slug=spec.id, spec=data)
    _audit(tx, principal, "vehicle_model.create", spec.id, after=data)
    return _model(_row(tx.connection, organization_id, spec.id))


def update_model(tx: WriteTx, principal: Principal, slug: str, spec: VehicleSpec) -> VehicleModel:
    organization_id = check_manage_models(principal)
    if spec.id != slug:
        raise ValidationError(
            f"the spec's id {spec.id!r} differs from the model {slug!r}",
            [Issue(f"must be {slug!r} (ids do not change)", field="id")],
        )
    row = _row(tx.connection, organization_id, slug)
    data = spec_data(spec)
    store.update_model(tx, model_id=row.id, spec=data)
    _audit(tx, principal, "vehicle_model.update", slug, before=row.spec, after=data)
    return _model(_row(tx.connection, organization_id, slug))


def delete_model(tx: WriteTx, principal: Principal, slug: str) -> int:
    """Delete a model with its portfolio entries; returns how many entries went with it."""
    organization_id = check_manage_models(principal)
    row = _row(tx.connection, organization_id, slug)
    entries = store.delete_model(tx, model_id=row.id)
    _audit(tx, principal, "vehicle_model.delete", slug, before=row.spec)
    return entries


# -- import and export -----------------------------------------------------------------
def parse_models(data: Any, where: str = "models") -> list[VehicleSpec]:
    """One spec, a list of specs, or {"models": [...]}: every error named, none applied."""
    if isinstance(data, dict) and set(data) == {"models"}:
        data = data["models"]
    items, prefix = (data, "models") if isinstance(data, list) else ([data], None)
    specs: list[tuple[int, VehicleSpec]] = []
    issues: list[Issue] = []
    for index, item in enumerate(items):
        try:
            specs.append((index, parse_spec(item, where)))
        except ValidationError as exc:
            for issue in exc.issues:
                field = f"{prefix}[{index}]" if prefix else None
                if issue.field:
                    field = f"{field}.{issue.field}" if field else issue.field
                issues.append(Issue(issue.message, file=where, field=field))
    seen: set[str] = set()
    for index, spec in specs:
        if spec.id in seen:
            issues.append(Issue(f"id {spec.id!r} appears twice", where, field=f"models[{index}]"))
        seen.add(spec.id)
    if not items:
        issues.append(Issue("no vehicle model in the file", where))
    if issues:
        raise ValidationError(f"{len(issues)} error(s) in the vehicle models", issues)
    return [spec for _index, spec in specs]


def _line_of(text: str, field: str | None) -> int | None:
    """The line of `text` where `field` (`seats`, `models[1].price.amount`) is written, or
    the line of the nearest enclosing value when the field itself is missing."""
    if not field:
        return None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)  # JSON is read as YAML here
    except yaml.YAMLError:
        return None
    line = None
    for part in re.findall(r"[^.\[\]]+", field):
        if isinstance(node, yaml.SequenceNode) and part == "models":
            continue  # a bare list of specs is reported as models[i]
        if isinstance(node, yaml.MappingNode):
            found = next((pair for pair in node.value if pair[0].value == part), None)
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return line


def only_model(specs: list[VehicleSpec], name: str) -> VehicleSpec:
    """The one spec of a file called `name` where one is expected (an edit replaces one
    model, an assessment is of one model); an error naming the file otherwise."""
    if len(specs) != 1:
        raise ValidationError(
            f"{name}: holds {len(specs)} models; one is expected here",
            [Issue(f"{len(specs)} models, one expected", name)],
        )
    return specs[0]


def parse_models_text(text: str | bytes, name: str) -> list[VehicleSpec]:
    """Specs from the text of a YAML or JSON file called `name` (JSON when it ends in .json):
    one spec, a list, or {models: [...]}. Every issue names the file, its line and the field;
    the web page, the CLI and the API all read spec files through here."""
    size = len(text) if isinstance(text, bytes) else len(text.encode())
    if size > MAX_FILE_BYTES:
        raise ValidationError(f"{name}: larger than {MAX_FILE_BYTES // 2**20} MiB")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            message = f"{name}: not UTF-8 text (byte {exc.start})"
            raise ValidationError(message, [Issue("not UTF-8 text", name)]) from None
    try:
        data = json.loads(text) if name.lower().endswith(".json") else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{name}: not JSON", [Issue(exc.msg, name, exc.lineno)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValidationError(f"{name}: not YAML", [Issue(problem, name, line)]) from None
    try:
        return parse_models(data, name)
    except ValidationError as exc:
        issues = [
            dataclasses.replace(i, line=i.line or _line_of(text, i.field)) for i in exc.issues
        ]
        raise ValidationError(exc.message, issues) from None


def read_models_file(path: Path) -> list[VehicleSpec]:
    """Vehicle models from a YAML or JSON file (see parse_models_text)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValidationError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MiB")
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read the vehicle models: {exc.strerror}") from None
    return parse_models_text(raw, str(path))


def import_models(
    tx: WriteTx, principal: Principal, specs: Sequence[VehicleSpec], *, replace: bool = False
) -> ImportResult:
    """Create the models, or with `replace` update those that exist; all or nothing."""
    organization_id = check_manage_models(principal)
    existing = [
        s.id
        for s in specs
        if store.get_model(tx.connection, organization_id=organization_id, slug=s.id)
    ]
    if existing and not replace:
        raise ConflictError(
            f"vehicle model(s) {', '.join(existing)} exist: use replace to update them"
        )
    for spec in specs:
        if spec.id in existing:
            update_model(tx, principal, spec.id, spec)
        else:
            create_model(tx, principal, spec)
    return ImportResult([s.id for s in specs if s.id not in existing], existing)


def export_models(
    connection: Connection,
    principal: Principal,
    slugs: Sequence[str] | None = None,
    fmt: Literal["yaml", "json"] = "yaml",
) -> str:
    """The organization's models (or the chosen ones) as a file `import_models` reads back."""
    chosen = (
        [get_model(connection, principal, slug) for slug in slugs]
        if slugs
        else list_models(connection, principal)
    )
    data = {"models": [spec_data(m.spec) for m in chosen]}
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


# -- portfolio ---------------------------------------------------------------------------
def add_to_portfolio(
    tx: WriteTx,
    principal: Principal,
    *,
    model: str,
    market: str,
    status: str = "planned",
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> PortfolioRow:
    """Say the organization sells or plans `model` in `market` from `valid_from`."""
    organization_id = check_manage_models(principal)
    row = _row(tx.connection, organization_id, model)
    if status not in STATUSES:
        raise ValidationError(
            f"status must be one of {', '.join(STATUSES)}",
            [Issue("sold or planned", field="status")],
        )
    if valid_from and valid_to and valid_to <= valid_from:
        raise ValidationError(
            "valid_to must be after valid_from", [Issue("ends before it starts", field="valid_to")]
        )
    code = queries.get_market(tx.connection, market.strip().upper()).code
    entry_id = store.insert_portfolio_entry(
        tx,
        organization_id=organization_id,
        model_id=row.id,
        market=code,
        status=status,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    after = {"market": code, "status": status, "valid_from": valid_from, "valid_to": valid_to}
    _audit(tx, principal, "portfolio.add", model, after=after)
    entry = store.get_portfolio_entry(
        tx.connection, organization_id=organization_id, entry_id=entry_id
    )
    assert entry is not None
    return entry


def remove_from_portfolio(tx: WriteTx, principal: Principal, entry_id: int) -> PortfolioRow:
    organization_id = check_manage_models(principal)
    entry = store.get_portfolio_entry(
        tx.connection, organization_id=organization_id, entry_id=entry_id
    )
    if entry is None:
        raise NotFoundError(f"no portfolio entry {entry_id} in your organization")
    store.delete_portfolio_entry(tx, entry_id=entry_id)
    _audit(tx, principal, "portfolio.remove", entry.model, before={"market": entry.market})
    return entry


def list_portfolio(
    connection: Connection,
    principal: Principal,
    *,
    market: str | None = None,
    model: str | None = None,
    on: date | None = None,
) -> list[PortfolioRow]:
    organization_id = check_view_models(principal)
    return store.list_portfolio(
        connection,
        organization_id=organization_id,
        market=market.strip().upper() if market else None,
        model=model,
        on=on,
    )
