"""Portfolio-aware alerts: re-assess only the (model, market) pairs a change can move.

A change to a property that no rule reads (rules_reading) and the landed cost does not read
moves no assessment. Otherwise every portfolio entry whose market is the changed one, or
inherits from it (a subdivision's country, a member's bloc), and whose model the changed fact
can apply to, is assessed twice on the same date: as known just before the change set was
published and as known right after it. The pairs of one organization and market go
together. The changed properties are read first, both ways: a market whose facts of them did
not move (a bloc's member holding its own fact of the changed statement) cannot change, and
is neither read further nor assessed. For the others the facts are read once before, the
models are assessed as a batch (assess.batch.MarketBatch), and only what the changed
properties can move is redone after (`MarketBatch.reassessed`). An alert is raised when the
findings differ: a new or cleared blocker, a duty or tax rate up or down, or the landed
price moved by more than a threshold. Those are decided from the two batches' compact
state (the columns' failed blockers, the cost plans, the landed totals); the full
assessments are built only for the pairs where one of them may have moved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from autoatlas.alerts.matching import Severity
from autoatlas.assess.assessment import Assessment, load_rates, statistic_properties
from autoatlas.assess.batch import LandedTotal, MarketBatch, ModelSet
from autoatlas.assess.landed_cost import INCENTIVE_FIELDS, CostPlan
from autoatlas.assess.rates import RATE_PROPERTIES
from autoatlas.assess.reassess import REASSESSABLE, affected_pairs, facts_moved, splice
from autoatlas.domain.facts import Fact
from autoatlas.gcpause import cyclic_gc_paused
from autoatlas.rules.engine import vehicle_qualifiers
from autoatlas.store.alerts import EventRow
from autoatlas.store.bulk_profiles import bulk_profiles, inheritance_chains
from autoatlas.vehicles.spec import VehicleSpec, parse_spec

__all__ = [
    "Affected",
    "AssessmentChange",
    "Holdings",
    "Portfolio",
    "PortfolioPair",
    "StorePortfolio",
    "affected",
    "compare_assessments",
    "moves_assessments",
    "reassess",
]

PRICE_THRESHOLD_PERCENT = Decimal("1.0")  # landed price moves smaller than this are not alerts
_TAX_LINES = ("mfn_duty", "additional_duty", "excise", "luxury_tax", "vat", "registration")


@dataclass(frozen=True, slots=True)
class PortfolioPair:
    organization_id: int
    model: VehicleSpec
    market: str


class Portfolio(Protocol):
    """Where portfolio entries come from (the vehicles store, or a test's list)."""

    def pairs(self, connection: Connection, on: date) -> list[PortfolioPair]: ...


class StorePortfolio:
    """Every organization's portfolio entries valid on a date, read from the vehicles store."""

    def pairs(self, connection: Connection, on: date) -> list[PortfolioPair]:
        from autoatlas.store import accounts
        from autoatlas.store import vehicles as store

        found: list[PortfolioPair] = []
        for org in accounts.list_organizations(connection):
            entries = store.list_portfolio(connection, organization_id=org.id, on=on)
            if not entries:
                continue
            models = {m.id: m for m in store.list_models(connection, organization_id=org.id)}
            for entry in entries:
                row = models.get(entry.model_id)
                if row is not None:
                    spec = parse_spec(row.spec, f"vehicle_model:{row.slug}")
                    found.append(PortfolioPair(org.id, spec, entry.market))
        return found


def moves_assessments(prop: str) -> bool:
    """Whether a change to `prop` can change an assessment: a rule, the landed cost or the
    exchange rates read it (`reassess.REASSESSABLE`)."""
    return prop in REASSESSABLE


@dataclass(slots=True)
class AssessmentChange:
    """What changed in one model's assessment in one market, before and after."""

    severity: Severity
    changes: list[dict[str, Any]] = field(default_factory=list)
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)


def _summary(assessment: Assessment) -> dict[str, Any]:
    total = assessment.cost.total
    return {
        "score": assessment.score,
        "blockers": sorted(f.rule for f in assessment.blockers),
        "rates": {line.key: line.rate for line in assessment.cost.lines if line.key in _TAX_LINES},
        "landed_price": None if total is None else str(total),
        "currency": assessment.cost.currency,
    }


def compare_assessments(
    before: Assessment, after: Assessment, *, threshold: Decimal = PRICE_THRESHOLD_PERCENT
) -> AssessmentChange | None:
    """The alert-worthy differences between two assessments, or None (pure)."""
    old, new = _summary(before), _summary(after)
    changes: list[dict[str, Any]] = []
    severities: list[Severity] = []
    messages = {f.rule: f.message.en for f in after.blockers}
    messages_before = {f.rule: f.message.en for f in before.blockers}
    for rule in sorted(set(new["blockers"]) - set(old["blockers"])):
        changes.append({"change": "new_blocker", "rule": rule, "message": messages[rule]})
        severities.append(Severity.BLOCKER)
    for rule in sorted(set(old["blockers"]) - set(new["blockers"])):
        changes.append(
            {"change": "cleared_blocker", "rule": rule, "message": messages_before[rule]}
        )
        severities.append(Severity.MAJOR)
    for key in _TAX_LINES:
        was, now = old["rates"].get(key), new["rates"].get(key)
        if was == now:
            continue
        up = (now or 0.0) > (was or 0.0)
        changes.append(
            {"change": "rate_up" if up else "rate_down", "line": key, "before": was, "after": now}
        )
        severities.append(Severity.MAJOR if up else Severity.MINOR)
    was_price, now_price = old["landed_price"], new["landed_price"]
    moved = _price_moved(
        None if was_price is None else Decimal(was_price),
        None if now_price is None else Decimal(now_price),
        threshold,
    )
    if moved is not None:
        changes.append(
            {
                "change": "landed_price_up" if moved > 0 else "landed_price_down",
                "before": was_price,
                "after": now_price,
                "percent": str(moved.quantize(Decimal("0.01"))),
            }
        )
        severities.append(Severity.MAJOR if moved > 0 else Severity.MINOR)
    if not changes:
        return None
    return AssessmentChange(min(severities), changes, old, new)


def _price_moved(was: Decimal | None, now: Decimal | None, threshold: Decimal) -> Decimal | None:
    """How far the landed price moved, in percent, when by more than `threshold` (None when
    less, or when a price is unknown or the one before is not positive)."""
    if was is None or now is None or was <= 0:
        return None
    moved = (now - was) / was * 100
    return moved if abs(moved) > threshold else None


def _read_all(
    connection: Connection,
    markets: Sequence[str],
    org: int,
    on: date,
    known_at: datetime,
    properties: Sequence[str] | None = None,
) -> dict[str, list[Fact]]:
    """The markets' facts on `on` as known at `known_at`, as `org` sees them (of
    `properties` only, when given)."""
    return bulk_profiles(
        connection,
        markets,
        as_of=on,
        known_at=known_at,
        viewer_org_id=org,
        properties=properties,
        statistics=statistic_properties(),
    )


@dataclass(frozen=True, slots=True)
class Affected:
    """The pairs of one organization in one market that a change set can move, and the
    changed properties that reach them."""

    organization_id: int
    market: str
    pairs: list[PortfolioPair]
    properties: set[str]


@dataclass(slots=True)
class Holdings:
    """The portfolio pairs indexed for finding what a change reaches, built once per batch
    of change sets: each organization's model ids by market, its models' vehicle
    qualifiers, the pair of each (organization, model, market), and the markets that
    inherit each market's facts on the day (a bloc's members, a country's subdivisions)."""

    portfolios: dict[int, dict[str, list[str]]]
    vehicles: dict[int, dict[str, dict[str, str]]]
    pairs: dict[tuple[int, str, str], PortfolioPair]
    members: dict[str, list[str]]
    # The batch engine's view of each distinct list of models (their groups per rule are
    # worked out once), shared by the markets and change sets of the batch.
    model_sets: dict[tuple[int, ...], ModelSet] = field(default_factory=dict)

    def model_set(self, pairs: Sequence[PortfolioPair]) -> ModelSet:
        same = tuple(id(pair.model) for pair in pairs)
        found = self.model_sets.get(same)
        if found is None:
            found = self.model_sets[same] = ModelSet.of([pair.model for pair in pairs])
        return found

    @classmethod
    def of(cls, connection: Connection, pairs: Sequence[PortfolioPair], on: date) -> Holdings:
        portfolios: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        vehicles: dict[int, dict[str, dict[str, str]]] = defaultdict(dict)
        by_key: dict[tuple[int, str, str], PortfolioPair] = {}
        for pair in pairs:
            key = (pair.organization_id, pair.model.id, pair.market)
            if key not in by_key:
                by_key[key] = pair
                portfolios[pair.organization_id][pair.market].append(pair.model.id)
                known = vehicles[pair.organization_id]
                if pair.model.id not in known:
                    known[pair.model.id] = vehicle_qualifiers(pair.model)
        members: dict[str, list[str]] = defaultdict(list)
        markets = sorted({p.market for p in pairs})
        for code, chain in (inheritance_chains(connection, markets, on) if markets else {}).items():
            for parent in chain[1:]:
                members[parent].append(code)
        return cls(portfolios, vehicles, by_key, members)


def affected(holdings: Holdings, changes: Sequence[EventRow]) -> list[Affected]:
    """The pairs a change set can move, by organization and market: those whose market is a
    changed one or inherits from it (every market for an exchange rate or a currency), of
    the changing organization only for a private fact, less the models the changed fact
    cannot apply to (assess.reassess.affected_pairs)."""
    moved: dict[tuple[int, str], dict[str, PortfolioPair]] = defaultdict(dict)
    props: dict[tuple[int, str], set[str]] = defaultdict(set)
    for changed in changes:
        if not moves_assessments(changed.property):
            continue
        # A private change reaches only its organization's portfolio.
        owner = int(changed.scope[4:]) if changed.scope.startswith("org:") else None
        for org, portfolio in holdings.portfolios.items():
            if owner is not None and org != owner:
                continue
            for model_id, market in affected_pairs(
                changed.property,
                changed.market,
                portfolio,
                members=holdings.members.get(changed.market, ()),
                qualifiers=[changed.qualifiers],
                vehicles=holdings.vehicles[org],
            ):
                moved[(org, market)].setdefault(model_id, holdings.pairs[(org, model_id, market)])
                props[(org, market)].add(changed.property)
    return [
        Affected(org, market, list(chosen.values()), props[(org, market)])
        for (org, market), chosen in moved.items()
    ]


def reassess(
    connection: Connection,
    holdings: Holdings,
    changes: Sequence[EventRow],
    *,
    published_at: datetime,
    on: date,
    threshold: Decimal = PRICE_THRESHOLD_PERCENT,
) -> list[tuple[PortfolioPair, AssessmentChange]]:
    """The alert-worthy changes of the pairs of `holdings` (Holdings.of the portfolio) one
    change set (`changes`, published at `published_at`) can move: each is assessed as known
    just before and right after it.

    The pairs are taken together per organization and market. The changed properties are
    read as known before and after; a market whose facts of them did not move
    (`facts_moved`: a member holding its own fact of its bloc's changed statement) is left
    out, unless a rate or currency changed. For the rest the facts are read once as known
    before, the models are assessed before as a batch (`MarketBatch.of`), and after only what
    the changed properties can move is redone (`MarketBatch.reassessed`). The full
    assessments are built, and compared (`compare_assessments`), only for the pairs whose
    failed blockers, tax rates or landed price may have moved (`_may_alert`). Each result
    equals the comparison of the pair's full assessments (by test)."""
    with cyclic_gc_paused():  # batches and rows by the thousand, and no cycles among them
        return _reassessed(connection, holdings, changes, published_at, on, threshold)


def _reassessed(
    connection: Connection,
    holdings: Holdings,
    changes: Sequence[EventRow],
    published_at: datetime,
    on: date,
    threshold: Decimal,
) -> list[tuple[PortfolioPair, AssessmentChange]]:
    groups = affected(holdings, changes)
    if not groups:
        return []
    found = []
    before_at = published_at - timedelta(microseconds=1)
    # Nothing else is published between the two instants (writers are serialised, each
    # publication at its own time), so what the change set does not touch reads the same
    # before and after: the rates are read again only when it changes one, and after it
    # only the changed properties are read and put in place of theirs.
    rates_before = load_rates(connection, on, known_at=before_at)
    rates_after = (
        rates_before
        if RATE_PROPERTIES.isdisjoint(g for group in groups for g in group.properties)
        else load_rates(connection, on, known_at=published_at)
    )
    changed: dict[int, set[str]] = defaultdict(set)
    for group in groups:
        changed[group.organization_id] |= group.properties
    facts_now, groups = _moving(connection, groups, changed, on, before_at, published_at)
    # Each organization's markets read together (bulk_profiles: a few set-based queries,
    # not one profile per market).
    markets: dict[int, list[str]] = defaultdict(list)
    for group in groups:
        markets[group.organization_id].append(group.market)
    facts_before = {
        org: _read_all(connection, codes, org, on, before_at) for org, codes in markets.items()
    }
    for group in groups:
        org, market = group.organization_id, group.market
        facts = facts_before[org][market]
        before = MarketBatch.of(holdings.model_set(group.pairs), market, on, facts, rates_before)
        was = before.totals()  # worked out first: the batch after carries what did not move
        props = changed[org]
        after_facts = splice(facts, props, facts_now[org][market])
        after = before.reassessed(group.properties, after_facts, rates_after)
        for i in _may_alert(before, was, after, after.totals(), threshold):
            change = compare_assessments(
                before.assessment(i), after.assessment(i), threshold=threshold
            )
            if change is not None:
                found.append((group.pairs[i], change))
    return found


def _may_alert(
    before: MarketBatch,
    was: Sequence[LandedTotal],
    after: MarketBatch,
    now: Sequence[LandedTotal],
    threshold: Decimal,
) -> list[int]:
    """The models of a market (by index) whose assessments before and after a change can
    differ in what `compare_assessments` alerts on, told from the batches (`was` and `now`
    their landed totals) without building the assessments: the rules with failed blockers (they
    differ only in a re-run rule's column), the landed price (beyond `threshold`), and the
    tax lines' rates (they come from the cost plan, the price and the exchange rates: a
    model keeping its plan, or getting one with the same rates, keeps them). For the
    others `compare_assessments` would give None; the score and currency alone raise no
    alert."""
    blocking = _blockers_moved(before, after)
    # The same exchange rates: a tax line is there, and at its rate, as the plan's facts say.
    same_rates = before.rates is after.rates or before.rates.per_usd == after.rates.per_usd
    alike: dict[tuple[int, int], bool] = {}  # per (plan before, plan after), by id
    found = []
    for i, (old, new) in enumerate(zip(was, now, strict=True)):
        if blocking[i] or _price_moved(old[0], new[0], threshold) is not None:
            found.append(i)
            continue
        plan, replan = before.plans[i], after.plans[i]
        if plan is replan:
            continue
        key = (id(plan), id(replan))
        same = alike.get(key)
        if same is None:
            same = alike[key] = same_rates and _same_tax_rates(plan, replan)
        if not same:
            found.append(i)
    return found


def _blockers_moved(before: MarketBatch, after: MarketBatch) -> list[bool]:
    """Per model, whether its failed blockers may name other rules after than before. Only
    a re-run column (a new entries list) can differ, and a column is one rule's: the rule is
    named when the model's entry counts a failed blocker (an entry's last item)."""
    moved = [False] * len(before.models.models)
    for (entries, group, _costs), (old_entries, old_group, _old_costs) in zip(
        after.columns, before.columns, strict=True
    ):
        if entries is old_entries and group is old_group:
            continue  # not re-run: the same entries
        for i, (g, old_g) in enumerate(zip(group, old_group, strict=True)):
            if bool(entries[g][3]) != bool(old_entries[old_g][3]):
                moved[i] = True
    return moved


def _same_tax_rates(plan: CostPlan, replan: CostPlan) -> bool:
    """Whether two cost plans give a model (same price, same exchange rates) the same tax
    lines at the same rates: every fact they price with has the same value (a line's rate
    is its fact's value; the currency and the luxury threshold decide which lines there
    are), the incentive's aside. Compared field by field, so a field added to the plan is
    compared too."""
    for name in CostPlan.__dataclass_fields__:
        if name in INCENTIVE_FIELDS:
            continue  # no tax line: what they move is the landed total, compared on its own
        old, new = getattr(plan, name), getattr(replan, name)
        if old is new:
            continue
        if isinstance(old, Fact) and isinstance(new, Fact):
            if old.value != new.value:
                return False
        elif old != new:
            return False
    return True


def _moving(
    connection: Connection,
    groups: Sequence[Affected],
    changed: dict[int, set[str]],
    on: date,
    before_at: datetime,
    published_at: datetime,
) -> tuple[dict[int, dict[str, list[Fact]]], list[Affected]]:
    """Each organization's facts of its changed properties (`changed`) as known at
    `published_at`, by market, and the `groups` whose facts of their properties moved
    between `before_at` and then (`facts_moved`). A group reached by a rate or currency is
    kept whatever its facts: every market converts through the rates (load_rates), which
    are not its facts."""
    markets: dict[int, list[str]] = defaultdict(list)
    tested: dict[int, list[str]] = defaultdict(list)  # those the facts alone can rule out
    for group in groups:
        markets[group.organization_id].append(group.market)
        if RATE_PROPERTIES.isdisjoint(group.properties):
            tested[group.organization_id].append(group.market)
    now = {
        org: _read_all(connection, codes, org, on, published_at, sorted(changed[org]))
        for org, codes in markets.items()
    }
    was = {
        org: _read_all(connection, codes, org, on, before_at, sorted(changed[org]))
        for org, codes in tested.items()
    }
    kept = [
        group
        for group in groups
        if not RATE_PROPERTIES.isdisjoint(group.properties)
        or facts_moved(
            was[group.organization_id][group.market],
            now[group.organization_id][group.market],
            group.properties,
        )
    ]
    return now, kept
