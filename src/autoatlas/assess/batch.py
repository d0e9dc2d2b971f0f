"""Many models in one market at once: the portfolio matrix's engine.

The answers are those of `assess_with_facts` for each model, computed with less work:
- a rule declares the model fields it reads (`uses`), so within a market its findings are a
  function of the model's projection on those fields and of the vehicle qualifiers that the
  market's facts of the rule's properties are narrowed by. The models are grouped by that
  key once for all markets (`ModelSet.groups`); each market runs a rule at most once per
  group, and every model of the group shares the (immutable) findings, the exchange-rate
  facts the run converted with, and what they cost the fit score;
- groups share further through the recording memo (rules.memo): a run records what of the
  model it actually read on the market's facts, so where a rule never reaches a field (no
  price cap recorded: the price does not matter; a UNECE regime: no certificate is asked
  for; a BEV: its CO2 figure is not read) the groups differing only there get the findings
  of one run. The memo keys by the values read, so the narrowing is exact, not declared;
- markets share further: a rule that does not read the market's code (`Rule.uses_market`)
  gives the same column in every market where it reads the same records (a bloc's members
  inheriting its statements: the reads build one object per record), on the same date
  with the same rate table, so the column is worked out once (`ModelSet.column`); a column
  holding an "unknown — no fact" finding, which names its market, is not shared;
- the landed cost's facts are looked up once per kind of vehicle (`cost_plan`): powertrain,
  built in China or not, and the narrowing qualifiers; only the amounts are per model.
A matrix row needs only the score, its penalties and the landed total (`MarketBatch.cells`,
`price_gross` then `with_incentive`); the full `Assessment` of a cell is built from the
same state when asked for.
Rules that declare no `uses` are run per model through the recording memo (rules.memo).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import chain, compress, repeat
from operator import is_, is_not, itemgetter, ne, or_
from typing import Any, NamedTuple, cast

from autoatlas.assess.assessment import Assessment
from autoatlas.assess.landed_cost import (
    INCENTIVE_FIELDS,
    READS,
    CostPlan,
    cost_reads,
    incentive_terms,
    parts_reading,
    plan_for,
    price_gross,
    price_out,
    same_gross,
    with_incentive,
    with_parts,
)
from autoatlas.assess.rates import RATE_PROPERTIES, Rates
from autoatlas.assess.scoring import Counted, Penalty, counted, explain, points
from autoatlas.domain.facts import Fact
from autoatlas.gcpause import cyclic_gc_paused
from autoatlas.rules.engine import (
    RULES,
    Context,
    FactIndex,
    Finding,
    Rule,
    Status,
    index_facts,
    projection,
    rules_reading,
    run_rules,
    vehicle_qualifiers,
)
from autoatlas.rules.memo import MISS, Memo, Recorder, recall, remember
from autoatlas.vehicles.spec import VehicleSpec

__all__ = [
    "LandedTotal",
    "MarketBatch",
    "MatrixCell",
    "ModelSet",
    "Scored",
    "cost_plans",
    "cost_plans_after",
]

_VEHICLE_KEYS = frozenset(("origin", "maker", "powertrain", "vehicle_class"))
# What one rule gives one model: findings, the exchange-rate facts it converted with, the
# findings that cost fit-score points (scoring.counted), and how many are failed blockers.
_Entry = tuple[tuple[Finding, ...], tuple[Fact, ...], tuple[Counted, ...], int]
_NOTHING: _Entry = ((), (), (), 0)
# A rule's grouping of the models: each model's group (0: the rule does not apply to it)
# and one model of each group (its index; -1 for group 0).
_Groups = tuple[list[int], list[int]]


class _Column(NamedTuple):
    """A rule's answers in a market: its distinct entries, each model's (an index into
    them), and what each entry costs (ModelSet.cost_kinds: entries that cost the fit score
    the same and count the same failed blockers have one number; 0 costs nothing)."""

    entries: list[_Entry]
    group: list[int]
    costs: list[int]


# A model's score: the cost numbers of its entries in the columns that count (ModelSet.
# cost_kinds, in rule order: its penalties are worked out from them when asked for), its
# fit score and its failed blockers.
Scored = tuple[tuple[int, ...], int, int]
LandedTotal = tuple[Decimal | None, bool, str]  # landed total, complete, currency


@dataclass(slots=True)
class ModelSet:
    """The models with what every market needs of them, computed once for all markets:
    their vehicle qualifiers and, per declaring rule and narrowing, their groups."""

    models: Sequence[VehicleSpec]
    vehicles: list[dict[str, str]]
    _projections: dict[Rule, list[tuple[Any, ...]]] = field(default_factory=dict)
    _groups: dict[tuple[Rule, tuple[str, ...]], _Groups] = field(default_factory=dict)
    _kinds: dict[tuple[str, ...], _Groups] = field(default_factory=dict)
    # Columns shared between markets (see `column`), by rule, date, rate table and the
    # identities of the records read; each holds those records and the rate table, so
    # that their identities are not reused while it is kept.
    _columns: dict[tuple[Any, ...], tuple[tuple[Fact, ...], object, _Column]] = field(
        default_factory=dict
    )
    # The key of a kept column by the ids of its records (not their identities).
    _seen: dict[tuple[Any, ...], tuple[Any, ...]] = field(default_factory=dict)
    _cost_moved: dict[frozenset[str], list[bool]] = field(default_factory=dict)
    # A number per distinct (counted findings, failed blockers) of an entry, 0 for none,
    # and by number: the counted findings, their weights, the failed blockers.
    _cost_kinds: dict[tuple[tuple[Counted, ...], int], int] = field(
        default_factory=lambda: {((), 0): 0}
    )
    _counted: list[tuple[Counted, ...]] = field(default_factory=lambda: [()])
    _weights: list[tuple[float, ...]] = field(default_factory=lambda: [()])
    _blockers: list[int] = field(default_factory=lambda: [0])

    @classmethod
    def of(cls, models: Sequence[VehicleSpec]) -> ModelSet:
        _load_rules()
        return cls(models, [vehicle_qualifiers(m) for m in models])

    def groups(self, item: Rule, narrowing: tuple[str, ...]) -> _Groups:
        """The models grouped by the rule's projection and the narrowing qualifiers."""
        found = self._groups.get((item, narrowing))
        if found is not None:
            return found
        keys = self._projections.get(item)
        if keys is None:
            project = projection(item)
            applies = item.applies
            keys = self._projections[item] = [
                project(model) if applies(model) else None  # type: ignore[misc]
                for model in self.models
            ]
        number: dict[Any, int] = {}
        of_model, first = [], [-1]
        for i, key in enumerate(keys):
            if key is None:
                of_model.append(0)
                continue
            if narrowing:
                vehicle = self.vehicles[i]
                key = (key, *(vehicle[q] for q in narrowing))
            group = number.get(key)
            if group is None:
                group = number[key] = len(first)
                first.append(i)
            of_model.append(group)
        found = self._groups[(item, narrowing)] = (of_model, first)
        return found

    def kinds(self, narrowing: tuple[str, ...]) -> _Groups:
        """The models grouped as their landed cost's facts apply to them: powertrain, built
        in China or not, and the qualifiers the market's cost facts are narrowed by (each
        model's kind, and one model of each)."""
        found = self._kinds.get(narrowing)
        if found is None:
            number: dict[tuple[Any, ...], int] = {}
            of_model: list[int] = []
            first: list[int] = []
            for i, (model, vehicle) in enumerate(zip(self.models, self.vehicles, strict=True)):
                key = (model.powertrain, model.origin == "CN", *(vehicle[q] for q in narrowing))
                kind = number.get(key)
                if kind is None:
                    kind = number[key] = len(first)
                    first.append(i)
                of_model.append(kind)
            found = self._kinds[narrowing] = (of_model, first)
        return found

    def cost_moved(self, props: frozenset[str]) -> list[bool]:
        """Per model, whether its landed cost can read any of `props` (`cost_reads`: a BEV
        duty is not read for an ICE model)."""
        found = self._cost_moved.get(props)
        if found is None:
            found = self._cost_moved[props] = [
                not props.isdisjoint(cost_reads(m.powertrain, m.origin)) for m in self.models
            ]
        return found

    def cost_kinds(self, entries: Sequence[_Entry]) -> list[int]:
        """Each entry's cost number: equal numbers cost the fit score the same and count
        the same failed blockers, across the rules and markets of this model set."""
        kinds = self._cost_kinds
        found = []
        for entry in entries:
            key = (entry[2], entry[3])
            number = kinds.get(key)
            if number is None:
                number = kinds[key] = len(kinds)
                self._counted.append(entry[2])
                self._weights.append(tuple([weight for weight, _rule, _why in entry[2]]))
                self._blockers.append(entry[3])
            found.append(number)
        return found

    def scored(self, costs: tuple[int, ...]) -> Scored:
        """The score of a model whose entries have these cost numbers: the fit score needs
        only their weights (scoring.explain's order is the heaviest first)."""
        weights = sorted(chain.from_iterable(map(self._weights.__getitem__, costs)), reverse=True)
        return costs, _fit(tuple(weights)), sum(map(self._blockers.__getitem__, costs))

    def penalties(self, costs: tuple[int, ...]) -> list[Penalty]:
        """What each counted finding of entries with these cost numbers costs the fit
        score, the heaviest first (scoring.explain)."""
        return explain(chain.from_iterable(map(self._counted.__getitem__, costs)))

    def column(
        self, item: Rule, market: str, on: date, facts: list[Fact], rates: Rates, index: FactIndex
    ) -> _Column:
        """The rule's column in the market: each model's entry. Where the rule does not
        read the market's code, its findings are a function of the records it reads (and
        the date, rates and models), so a market reading the same records as one before
        gets that market's column, and one reading them as inherited where the other holds
        them (a bloc and its members) gets it with its own records cited; an entry naming
        its market (Context.unknown) keeps the column to it."""
        if item.uses is None:
            entries = _recorded(item, self, market, on, facts, rates, index)
            return _Column(entries, list(range(len(entries))), self.cost_kinds(entries))
        if item.uses_market:
            return _shared(item, self, market, on, facts, rates, index)
        read = tuple([f for prop in item.reads for f in index.get(prop, _NO_FACTS)])
        key = (item.id, on, id(rates.per_usd), *map(id, read))
        kept = self._columns.get(key)
        if kept is not None:
            return kept[2]
        # The same records by id, seen from another market (a record's content never
        # changes, but a record built by hand may reuse an id: they are compared).
        records = (item.id, on, id(rates.per_usd), *[f.id for f in read])
        seen = self._columns.get(self._seen.get(records, ()))
        if seen is not None and all(map(_inherited_alike, seen[0], read)):
            column = _cited(seen[2], seen[0], read)
        else:
            column = _shared(item, self, market, on, facts, rates, index)
        if not any(f.status is Status.UNKNOWN for entry in column.entries for f in entry[0]):
            if len(self._columns) >= _SHARED_COLUMNS:
                # A model set re-assessed for long keeps old records' columns.
                self._columns.clear()
                self._seen.clear()
            self._columns[key] = (read, rates.per_usd, column)
            self._seen[records] = key
        return column


_NO_FACTS: list[Fact] = []
# At most this many shared columns are kept (a matrix of 250 markets keeps ~7,500): past it,
# they are dropped, and the next markets work theirs out again.
_SHARED_COLUMNS = 50_000


def _inherited_alike(fact: Fact, other: Fact) -> bool:
    """The same record, whether held or inherited (rules do not read where a record is
    inherited from: tests/rules/test_rule_uses.py)."""
    return fact is other or (
        fact.id == other.id and replace(fact, inherited_from=other.inherited_from) == other
    )


def _cited(column: _Column, before: Sequence[Fact], now: Sequence[Fact]) -> _Column:
    """A column worked out over the records `before`, citing the records `now` instead
    (the same records, as another market holds or inherits them)."""
    instead = {id(old): new for old, new in zip(before, now, strict=True) if old is not new}
    if not instead:
        return column
    done: dict[int, _Entry] = {}  # entries are shared between groups: each redone once
    entries = []
    for entry in column.entries:
        again = done.get(id(entry))
        if again is None:
            findings = tuple(
                [
                    Finding(
                        f.rule,
                        f.status,
                        f.severity,
                        f.message,
                        tuple([instead.get(id(x), x) for x in f.facts]),
                        f.adaptation,
                    )
                    if f.facts
                    else f
                    for f in entry[0]
                ]
            )
            again = done[id(entry)] = (findings, entry[1], entry[2], entry[3])
        entries.append(again)
    return _Column(entries, column.group, column.costs)


def _load_rules() -> None:
    from autoatlas.rules.engine import _load_library

    _load_library()


def _narrowing(index: FactIndex, reads: Sequence[str]) -> tuple[str, ...]:
    """The vehicle qualifiers the market's facts of `reads` are narrowed by."""
    found = {
        key
        for prop in reads
        for fact in index.get(prop, ())
        for key in fact.qualifiers
        if key in _VEHICLE_KEYS
    }
    return tuple(sorted(found))


def _matches(vehicle: dict[str, str], fact: Fact) -> bool:
    """Context._matches: whether a fact's vehicle qualifiers all hold for the vehicle."""
    for key, value in fact.qualifiers.items():
        if key in _VEHICLE_KEYS and vehicle[key] != (value.casefold() if key == "maker" else value):
            return False
    return True


def _blockers(findings: Sequence[Finding]) -> int:
    return sum(1 for f in findings if f.blocks)


@dataclass(slots=True)
class MatrixCell:
    """One model in one market as the matrix ranks it: the fit score with its penalties,
    the failed blockers and the landed total. `assessment()` builds the full assessment
    (findings, cost lines, sources), equal to `assess` of the pair alone."""

    model: VehicleSpec
    market: str
    on: date
    score: int  # fit_score(penalties)
    blockers: int
    total: Decimal | None
    currency: str
    complete: bool
    _batch: MarketBatch
    _row: int
    _costs: tuple[int, ...]  # its entries' cost numbers (see Scored)
    _full: Assessment | None = None

    @property
    def penalties(self) -> list[Penalty]:
        """What each counted finding costs the fit score, the heaviest first: worked out
        when asked for (a ranking needs only the score)."""
        return self._batch.models.penalties(self._costs)

    def assessment(self) -> Assessment:
        if self._full is None:
            self._full = self._batch.assessment(self._row)
        return self._full


@dataclass(slots=True)
class MarketBatch:
    """Every rule's findings and the cost plans of a market's models, computed together."""

    models: ModelSet
    market: str
    on: date
    facts: list[Fact]
    rates: Rates
    index: FactIndex
    # Per rule: its distinct entries and each model's (entries[group[i]] is model i's).
    columns: list[_Column]
    plans: list[CostPlan]
    # Per plan (by id): what its pricing owes nothing to the price (landed_cost._fixed).
    fixed: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Each model's score and total once worked out (None: not yet, or moved by a change),
    # and its total before the incentive (landed_cost.price_gross; the total itself where
    # there is no incentive), which a change to the incentive's facts alone leaves.
    _scores_known: list[Scored | None] | None = None
    _totals_known: list[LandedTotal | None] | None = None
    _gross_known: list[LandedTotal | None] | None = None

    @classmethod
    def of(
        cls, models: ModelSet, market: str, on: date, facts: list[Fact], rates: Rates
    ) -> MarketBatch:
        index = index_facts(facts)
        columns = [models.column(item, market, on, facts, rates, index) for item in RULES.values()]
        plans = cost_plans(models, market, on, facts, index)
        return cls(models, market, on, facts, rates, index, columns, plans)

    def assessment(self, i: int) -> Assessment:
        """`assess_with_facts` of the i-th model."""
        findings: list[Finding] = []
        used: list[Fact] = []
        costing: list[Counted] = []
        for entries, group, _costs in self.columns:
            entry = entries[group[i]]
            if entry[0] or entry[1]:
                findings += entry[0]
                used += entry[1]
                costing += entry[2]
        model, plan = self.models.models[i], self.plans[i]
        known = self._fixed_of(plan)
        cost = price_out(plan, model, Rates(per_usd=self.rates.per_usd, used=used), known)
        return Assessment(model, self.market, self.on, findings, cost, explain(costing))

    def assessments(self) -> list[Assessment]:
        return [self.assessment(i) for i in range(len(self.models.models))]

    def cells(self) -> list[MatrixCell]:
        """The compact rows: score, penalties, blockers and landed total per model."""
        with cyclic_gc_paused():  # a thousand rows and their lists, and no cycles
            scores, totals = self.scores(), self.totals()
            return self._rows(scores, totals)

    def _rows(self, scores: list[Scored], totals: list[LandedTotal]) -> list[MatrixCell]:
        market, on = self.market, self.on
        return [
            MatrixCell(model, market, on, score, blockers, total, currency, done, self, i, costs)
            for i, (model, (costs, score, blockers), (total, done, currency)) in enumerate(
                zip(self.models.models, scores, totals, strict=True)
            )
        ]

    def reassessed(self, props: Collection[str], facts: list[Fact], rates: Rates) -> MarketBatch:
        """This market's batch after a change to `props` (one fact, or a change set's):
        `facts` are the market's facts now and `rates` the exchange rates now. Equal to
        `MarketBatch.of` over them (by test), with only what `props` can move redone:
        - the columns of the rules reading them (a run per group of models, as `of`); the
          others are this batch's, shared (immutable);
        - for a property the landed cost reads, the cost plans of the models whose cost
          can read it (`cost_reads`: a BEV duty is not read for an ICE model), only the
          parts of each plan reading it looked up again (`cost_plans_after`);
        - the scores only of the models whose re-run rules' findings cost something else
          than before; the totals only of the models whose plan found other records, and
          from their total before the incentive where only the incentive's differ.
        A currency or an exchange rate is read wherever a price is converted: the batch is
        then redone whole."""
        with cyclic_gc_paused():  # new columns and plans, and no cycles
            return self._reassessed(props, facts, rates)

    def _reassessed(self, props: Collection[str], facts: list[Fact], rates: Rates) -> MarketBatch:
        if not RATE_PROPERTIES.isdisjoint(props):
            return MarketBatch.of(self.models, self.market, self.on, facts, rates)
        models, market, on = self.models, self.market, self.on
        index = index_facts(facts)
        ids = {r.id for prop in props for r in rules_reading(prop)}
        columns = [
            models.column(item, market, on, facts, rates, index) if item.id in ids else column
            for item, column in zip(RULES.values(), self.columns, strict=True)
        ]
        plans, fixed, totals, gross = self.plans, self.fixed, self._totals_known, self._gross_known
        costed = frozenset(prop for prop in props if prop in READS)
        if costed:
            plans = cost_plans_after(models, market, on, facts, index, plans, costed)
            # Keyed by the plan's id: only the kept plans' (a replaced plan's id may be
            # reused by a new object once the old batch is gone).
            live = set(map(id, plans))
            fixed = {key: value for key, value in fixed.items() if key in live}
            fields = [name for part in parts_reading(costed) for name in part.names]
            totals, gross = _carried(self.plans, plans, totals, gross, fields)
        batch = MarketBatch(models, market, on, facts, rates, index, columns, plans, fixed)
        batch._totals_known, batch._gross_known = totals, gross
        batch._scores_known = self._rescored(columns) if self._scores_known else None
        return batch

    def _rescored(self, columns: list[_Column]) -> list[Scored | None]:
        """This batch's scores where the models' findings cost what they did under
        `columns` (the same findings' costs and failed blockers in every column), None
        where a re-run column changed them."""
        scores = cast(list["Scored | None"], self._scores_known)
        moved: list[tuple[list[int], list[int], list[int], list[int]]] = []
        for (entries, group, now), (old_entries, old_group, before) in zip(
            columns, self.columns, strict=True
        ):
            if entries is old_entries and group is old_group:
                continue  # not re-run
            if group == old_group and now == before:
                continue  # every group costs what it did
            moved.append((now, group, before, old_group))
        if not moved:
            return list(scores)
        # Per model, whether any moved column costs it otherwise (column by column, in C).
        differs = [False] * len(scores)
        for now, group, before, old in moved:
            here = map(ne, map(now.__getitem__, group), map(before.__getitem__, old))
            differs = list(map(or_, differs, here))
        return [None if moves else scored for moves, scored in zip(differs, scores, strict=True)]

    def scores(self) -> list[Scored]:
        """Each model's penalties, fit score and failed blockers (worked out where not
        known: all of them at first, then those a re-assessment moved)."""
        known = self._scores_known
        if known is not None and None not in known:
            return cast(list[Scored], known)
        # What a model's entries cost, in rule order, by their cost numbers: models with the
        # same numbers have the same penalties and blockers, worked out once.
        counting = [column for column in self.columns if any(column.costs)]
        found = list(known or [None] * len(self.models.models))
        todo = [i for i, scored in enumerate(found) if scored is None]
        # The numbers column by column, then zipped: one tuple per model built in C.
        numbers = [
            list(map(number.__getitem__, map(group.__getitem__, todo)))
            for _e, group, number in counting
        ]
        keys = list(zip(*numbers, strict=True)) if numbers else [()] * len(todo)
        alike: dict[tuple[int, ...], Scored] = {}
        scored_of = self.models.scored
        for i, key in zip(todo, keys, strict=True):
            scored = alike.get(key)
            if scored is None:
                scored = alike[key] = scored_of(key)
            found[i] = scored
        self._scores_known = found
        return cast(list[Scored], found)

    def totals(self) -> list[LandedTotal]:
        """Each model's landed total, complete or not, and currency (worked out where not
        known; from the total before the incentive where that is)."""
        known = self._totals_known
        if known is not None and None not in known:
            return cast(list[LandedTotal], known)
        count = len(self.models.models)
        found = list(known or [None] * count)
        gross = list(self._gross_known or [None] * count)
        rates = Rates(per_usd=self.rates.per_usd)  # the rates the totals used are not kept
        models, plans = self.models.models, self.plans
        todo = list(compress(range(count), map(is_, found, repeat(None))))
        for i in compress(todo, map(is_, map(gross.__getitem__, todo), repeat(None))):
            gross[i] = price_gross(plans[i], models[i], rates, self._fixed_of(plans[i]))
        # The incentive in each currency per plan (plans finding the same records are one
        # object, few per market), then each model's total from its gross (in C).
        chosen = list(map(plans.__getitem__, todo))
        before = cast(list[LandedTotal], list(map(gross.__getitem__, todo)))  # all known now
        keys = list(zip(map(id, chosen), map(itemgetter(2), before), strict=True))
        terms = {
            key: incentive_terms(plan, key[1], rates)
            for key, plan in dict(zip(keys, chosen, strict=True)).items()
        }
        totals = map(
            with_incentive,
            map(models.__getitem__, todo),
            before,
            map(terms.__getitem__, keys),
        )
        for i, total in zip(todo, totals, strict=True):
            found[i] = total
        self._totals_known, self._gross_known = found, gross
        return cast(list[LandedTotal], found)

    def _fixed_of(self, plan: CostPlan) -> dict[str, Any]:
        """What the plan's pricing owes nothing to the price (landed_cost._fixed), kept."""
        known = self.fixed.get(id(plan))
        if known is None:
            known = self.fixed[id(plan)] = {}
        return known


@lru_cache(maxsize=1 << 12)
def _fit(weights: tuple[float, ...]) -> int:
    """The fit score of counted findings of these weights, the heaviest first (few weights,
    so few sequences: each is worked out once)."""
    return max(0, 100 - sum(points(weights)))


def _carried(
    before: Sequence[CostPlan],
    after: Sequence[CostPlan],
    totals: list[LandedTotal | None] | None,
    gross: list[LandedTotal | None] | None,
    fields: Collection[str],
) -> tuple[list[LandedTotal | None] | None, list[LandedTotal | None] | None]:
    """The totals and the totals before the incentive that new cost plans leave: a model
    keeping its plan (cost_plans_after found the same records) keeps both, one whose new
    plan differs only in the incentive's records keeps its total before it. The plans
    differ in no field but `fields` (the parts looked up again)."""
    if totals is not None:
        totals = [
            t if new is old else None for t, new, old in zip(totals, after, before, strict=True)
        ]
    if gross is not None and not INCENTIVE_FIELDS.issuperset(fields):
        alike: dict[tuple[int, int], bool] = {}  # per (plan after, plan before), by id
        kept = []
        for g, new, old in zip(gross, after, before, strict=True):
            if new is not old:
                key = (id(new), id(old))
                same = alike.get(key)
                if same is None:
                    same = alike[key] = same_gross(new, old, fields)
                g = g if same else None
            kept.append(g)
        gross = kept
    return totals, gross


def cost_plans(
    models: ModelSet, market: str, on: date, facts: list[Fact], index: FactIndex
) -> list[CostPlan]:
    """Each model's cost plan, looked up once per kind of vehicle: powertrain, built in
    China or not, and the vehicle qualifiers the market's cost facts are narrowed by; kinds
    whose look-ups find the same records share one plan."""
    of_model, first = models.kinds(_narrowing(index, READS))
    alike: dict[tuple[Any, ...], CostPlan] = {}
    found = []  # per kind
    for i in first:
        plan = plan_for(models.models[i], market, on, facts, index, models.vehicles[i])
        # By identity (the plan holds its records while it is kept here); the label by value.
        key = tuple(
            [v if isinstance(v, str) else id(v) for v in map(plan.__getattribute__, _FIELDS)]
        )
        found.append(alike.setdefault(key, plan))
    return list(map(found.__getitem__, of_model))


_FIELDS = tuple(CostPlan.__dataclass_fields__)


def cost_plans_after(
    models: ModelSet,
    market: str,
    on: date,
    facts: list[Fact],
    index: FactIndex,
    before: Sequence[CostPlan],
    changed: Collection[str],
) -> list[CostPlan]:
    """The plans after a change to the properties `changed` (of the landed cost's READS),
    from the plans `before`: a model whose cost cannot read them (ModelSet.cost_moved)
    keeps its plan; the others' have only the parts reading them looked up again
    (landed_cost.PARTS, with_parts), each part once per kind of vehicle as its own facts narrow it,
    and share one plan per plan before and parts found (the plan before itself where the
    parts find its records)."""
    changed = frozenset(changed)
    parts = parts_reading(changed)
    kinds = [models.kinds(_narrowing(index, tuple(part.reads))) for part in parts]
    moved = models.cost_moved(changed)
    found: list[dict[int, tuple[Any, ...]]] = [{} for _part in parts]  # per part, per kind
    # Per (plan before, whether its cost can read the change, kind for each part).
    after: dict[tuple[int, ...], CostPlan] = {}

    def plans_of(chosen: Sequence[int]) -> list[CostPlan]:
        """The plans after of the models `chosen`: their keys built in C, each key's plan
        worked out once."""
        keys = list(
            zip(
                map(id, map(before.__getitem__, chosen)),
                map(moved.__getitem__, chosen),
                *(map(of_model.__getitem__, chosen) for of_model, _first in kinds),
                strict=True,
            )
        )
        for key, i in zip(keys, chosen, strict=True):
            if key not in after:
                after[key] = plan_of(i, key[1], key[2:])
        return list(map(after.__getitem__, keys))

    def plan_of(i: int, again: bool, at: tuple[int, ...]) -> CostPlan:
        if not again:
            return before[i]
        records: dict[str, Any] = {}
        for part, (_of_model, first), values, kind in zip(parts, kinds, found, at, strict=True):
            got = values.get(kind)
            if got is None:
                j = first[kind]
                context = Context(
                    model=models.models[j],
                    market=market,
                    on=on,
                    facts=facts,
                    rule=part.rule,
                    index=index,
                    vehicle=models.vehicles[j],
                )
                got = values[kind] = part.look_up(context)
            records.update(zip(part.names, got, strict=True))
        return with_parts(before[i], records)

    # Per kind of vehicle as every cost fact narrows it (finer than each part's, and the
    # cost's reads are the same within it), one model's; then each model that had another
    # plan than its kind's first (a change that moved the facts' narrowing), its own.
    of_model, first = models.kinds(_narrowing(index, READS))
    plans = list(map(plans_of(first).__getitem__, of_model))
    leaders = map(before.__getitem__, map(first.__getitem__, of_model))
    apart = list(compress(range(len(plans)), map(is_not, before, leaders)))
    for i, plan in zip(apart, plans_of(apart), strict=True):
        plans[i] = plan
    return plans


def _shared(
    item: Rule,
    models: ModelSet,
    market: str,
    on: date,
    facts: list[Fact],
    rates: Rates,
    index: FactIndex,
) -> _Column:
    """The rule run at most once per group of models (see ModelSet.groups), and groups
    whose models agree on what the rule read share one run (rules.memo)."""
    # The facts narrowed by a vehicle qualifier: a run sees the vehicle only through which
    # of them match it, so groups that match the same ones share a memo; the runs then
    # need not record the qualifiers themselves (a maker-specific duty does not set every
    # other maker apart).
    narrowed = [
        f
        for prop in item.reads
        for f in index.get(prop, ())
        if not _VEHICLE_KEYS.isdisjoint(f.qualifiers)
    ]
    narrowing = tuple(sorted({k for f in narrowed for k in f.qualifiers if k in _VEHICLE_KEYS}))
    of_model, first = models.groups(item, narrowing)
    everyone, vehicles = models.models, models.vehicles
    convert = Rates(per_usd=rates.per_usd).convert  # for the runs' price comparisons
    trees: dict[tuple[bool, ...], dict[str, Any]] = {}
    entries = [_NOTHING]
    for i in first[1:]:
        vehicle = vehicles[i]
        seen = tuple([_matches(vehicle, f) for f in narrowed]) if narrowed else ()
        tree = trees.get(seen)
        if tree is None:
            tree = trees[seen] = {}
        elif not narrowed and "findings" in tree:
            # The run read nothing of the model (no cap, no regime asking for a certificate,
            # ...): every group has its findings.
            entries += [tree["findings"]] * (len(first) - len(entries))
            break
        found = recall(tree, everyone[i], vehicle, convert)
        if found is MISS:
            entry, reads = _run(item, models, i, market, on, facts, rates, index)
            remember(tree, reads, entry)
            found = entry
        entries.append(found)
    return _Column(entries, of_model, models.cost_kinds(entries))


def _run(
    item: Rule,
    models: ModelSet,
    i: int,
    market: str,
    on: date,
    facts: list[Fact],
    rates: Rates,
    index: FactIndex,
) -> tuple[_Entry, list[tuple[Any, Any]]]:
    """One run on a recording model: the entry, and what of the model it read (in order).
    The reads include the price's currency when the run converted it (a comparison through
    `Context.price_above`; the price itself otherwise), so an entry with converted rates is
    only shared by models whose conversion used the same rates."""
    record = Rates(per_usd=rates.per_usd)  # the rates this run converted with, in order
    recorder = Recorder(models.models[i])
    context = Context(
        model=cast(VehicleSpec, recorder),
        market=market,
        on=on,
        facts=facts,
        rule=item,
        converter=record.convert,
        index=index,
        vehicle=models.vehicles[i],  # not recorded: the memo is per matching facts
    )
    findings = tuple(item.check(context))
    entry = (findings, tuple(record.used), tuple(counted(findings)), _blockers(findings))
    return entry, recorder.reads


def _recorded(
    item: Rule,
    models: ModelSet,
    market: str,
    on: date,
    facts: list[Fact],
    rates: Rates,
    index: FactIndex,
) -> list[_Entry]:
    """A rule without declared uses: per model, through the recording memo."""
    memo: Memo = {}
    column = []
    for model in models.models:
        record = Rates(per_usd=rates.per_usd)
        convert: Callable[..., Any] = record.convert
        findings = tuple(
            run_rules(
                model, market, on, facts, only=[item.id], converter=convert, index=index, memo=memo
            )
        )
        column.append((findings, tuple(record.used), tuple(counted(findings)), _blockers(findings)))
    return column
