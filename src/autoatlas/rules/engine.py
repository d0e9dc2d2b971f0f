"""Requirements as code: rules are small pure functions over one market's facts and one model.

A rule declares the properties it reads; the context refuses any other read, so the
declaration is exact and tells which assessments a changed fact can move. Every fact a rule
reads is traced and cited by its findings. Dated parameters (rates, thresholds, effective
dates) are facts, never constants in rule code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter
from typing import Any, cast

from autoatlas.domain.facts import Fact
from autoatlas.rules.memo import (
    MISS,
    Memo,
    Recorder,
    RecordingQualifiers,
    above,
    price_above,
    recall,
    remember,
)
from autoatlas.vehicles.spec import VehicleSpec

__all__ = [
    "RULES",
    "Context",
    "FactIndex",
    "Finding",
    "Rule",
    "Severity",
    "Status",
    "Text",
    "Use",
    "describe",
    "index_facts",
    "projection",
    "rule",
    "rules_reading",
    "run_rules",
    "vehicle_qualifiers",
]


class Severity(StrEnum):
    BLOCKER = "blocker"
    MAJOR = "major"
    MINOR = "minor"
    INFO = "info"


class Status(StrEnum):
    OK = "ok"  # the requirement is met
    FAIL = "fail"  # it is not: see the adaptation
    UNKNOWN = "unknown"  # no fact to decide: never a silent pass
    NOTE = "note"  # information the team should know (a duty, an incentive)


@dataclass(frozen=True, slots=True)
class Text:
    en: str
    zh: str


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    status: Status
    severity: Severity
    message: Text
    facts: tuple[Fact, ...] = ()
    adaptation: Text | None = None

    @property
    def blocks(self) -> bool:
        """A failed blocker: the model cannot be sold as it is."""
        return self.severity is Severity.BLOCKER and self.status is Status.FAIL

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "description": {"en": describe(self.rule, "en"), "zh": describe(self.rule, "zh")},
            "status": str(self.status),
            "severity": str(self.severity),
            "message": {"en": self.message.en, "zh": self.message.zh},
            "adaptation": (
                {"en": self.adaptation.en, "zh": self.adaptation.zh} if self.adaptation else None
            ),
            "facts": [
                {
                    "id": f.id,
                    "market": f.market,
                    "property": f.property,
                    "value": f.value,
                    "unit": f.unit,
                    "qualifiers": f.qualifiers,
                    "inherited_from": f.inherited_from,
                    "sources": [s.as_dict() for s in f.sources],
                }
                for f in self.facts
            ],
        }


_VEHICLE_QUALIFIERS = ("origin", "maker", "powertrain", "vehicle_class")
_VEHICLE_KEYS = frozenset(_VEHICLE_QUALIFIERS)

FactIndex = dict[str, list[Fact]]
_NONE: list[Fact] = []  # what _of returns for a property without facts (never mutated)


def index_facts(facts: Iterable[Fact]) -> FactIndex:
    """A market's facts by property, in their order: built once, shared by every model."""
    index: FactIndex = {}
    for fact in facts:
        index.setdefault(fact.property, []).append(fact)
    return index


def vehicle_qualifiers(model: VehicleSpec) -> dict[str, str]:
    """The model's value of each qualifier a fact can narrow to (maker casefolded)."""
    return {
        "origin": model.origin,
        "maker": model.maker.casefold(),
        "powertrain": model.powertrain,
        "vehicle_class": model.vehicle_class,
    }


@dataclass(slots=True)
class Context:
    """What a rule sees: the model, the date, and the market's facts (traced reads)."""

    model: VehicleSpec
    market: str
    on: date
    facts: list[Fact]
    rule: Rule | None = None
    read: list[Fact] = field(default_factory=list)
    # Converts the model's price into a currency with exchange rates that are themselves
    # facts; the assessment supplies it. None: only same-currency comparisons are possible.
    converter: Callable[[Decimal, str, str], Decimal | None] | None = None
    # `facts` by property (index_facts) and the model's qualifier values: derived data that
    # a caller assessing many models or rules may compute once and pass; built when missing.
    index: FactIndex | None = None
    vehicle: dict[str, str] | None = None

    def above(self, name: str, bound: Any) -> bool | None:
        """Whether the model's `name` (a number) is above `bound`; None where the model
        gives none. A rule that decides by it alone, and prints the bound but not the
        model's figure, gives every model on the same side the same findings: a matrix
        runs it once per side (rules.memo), not once per figure."""
        model = self.model
        if isinstance(model, Recorder):
            return model.above(name, bound)
        return above(getattr(model, name), bound)

    def price_above(self, limit: Decimal, currency: str) -> bool | None:
        """Whether the model's price, in `currency`, is above `limit`; None without an
        exchange rate to convert it. As `above`: once per side and price currency."""
        model = self.model
        if isinstance(model, Recorder):
            return model.price_above(limit, currency, self.converter)
        return price_above(model, limit, currency, self.converter)[1]

    def _allowed(self, prop: str) -> None:
        if self.rule is not None and prop not in self.rule.reads:
            raise LookupError(f"rule {self.rule.id} reads {prop} without declaring it")

    def _of(self, prop: str) -> list[Fact]:
        index = self.index
        if index is None:
            index = self.index = index_facts(self.facts)
        return index.get(prop, _NONE)

    def _matches(self, fact: Fact) -> bool:
        if not fact.qualifiers:
            return True
        if self.vehicle is None:
            self.vehicle = vehicle_qualifiers(self.model)
        vehicle = self.vehicle
        for key, value in fact.qualifiers.items():
            if key in _VEHICLE_KEYS:
                wanted = value.casefold() if key == "maker" else value
                if vehicle[key] != wanted:
                    return False
        return True

    def fact(self, prop: str) -> Fact | None:
        """The fact of `prop` that applies to this vehicle: the most specific match.

        A fact qualified by maker and origin beats one by origin only, which beats an
        unqualified one; facts qualified by something the vehicle does not match are skipped.
        """
        self._allowed(prop)
        best: Fact | None = None
        size = -1
        for f in self._of(prop):
            # The first of the most specific wins, as max() over the candidates did.
            qualifiers = f.qualifiers
            if len(qualifiers) > size and _VEHICLE_KEYS.issuperset(qualifiers) and self._matches(f):
                best, size = f, len(qualifiers)
        if best is None:
            return None
        self.read.append(best)
        return best

    def all(self, prop: str) -> list[Fact]:
        """Every applicable fact of `prop` (e.g. one per city), all traced."""
        self._allowed(prop)
        found = [f for f in self._of(prop) if self._matches(f)]
        self.read.extend(found)
        return found

    def any(self, prop: str) -> list[Fact]:
        """Every fact of `prop` whatever its qualifiers: does the market regulate this at all?"""
        self._allowed(prop)
        found = list(self._of(prop))
        self.read.extend(found)
        return found

    def finding(
        self,
        status: Status,
        severity: Severity,
        en: str,
        zh: str,
        facts: Iterable[Fact] = (),
        adaptation: tuple[str, str] | None = None,
    ) -> Finding:
        assert self.rule is not None
        return Finding(
            rule=self.rule.id,
            status=status,
            severity=severity,
            message=Text(en, zh),
            facts=tuple(facts),
            adaptation=Text(*adaptation) if adaptation else None,
        )

    def ok(self, en: str, zh: str, *facts: Fact) -> Finding:
        return self.finding(Status.OK, Severity.INFO, en, zh, facts)

    def note(self, en: str, zh: str, *facts: Fact, severity: Severity = Severity.INFO) -> Finding:
        return self.finding(Status.NOTE, severity, en, zh, facts)

    def fail(
        self, severity: Severity, en: str, zh: str, *facts: Fact, fix: tuple[str, str] | None = None
    ) -> Finding:
        return self.finding(Status.FAIL, severity, en, zh, facts, fix)

    def unknown(self, *props: str) -> Finding:
        names = ", ".join(props)
        return self.finding(
            Status.UNKNOWN,
            Severity.MINOR,
            f"unknown — no fact for {names} in {self.market} on {self.on}",
            f"未知——{self.market} 在 {self.on} 没有关于 {names} 的事实",
        )


Check = Callable[[Context], Iterable[Finding]]

# A model field a rule reads (its check or its `applies`): a field name, or a set field and
# the members it tests ("UN-R155" in certifications), so that models differing only in
# other members share the rule's findings. "price" stands for its amount and currency.
Use = str | tuple[str, frozenset[str]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    description: str
    reads: tuple[str, ...]
    check: Check
    applies: Callable[[VehicleSpec], bool] = lambda model: True
    # The model fields it reads; None: not declared (a matrix then records the reads, see
    # rules.memo). Exact by test: tests/rules/test_rule_uses.py.
    uses: tuple[Use, ...] | None = None
    # The description in Simplified Chinese (the decorator requires it; a rule built by hand
    # without one is described in English in both languages).
    description_zh: str = ""
    # Whether its findings depend on the market's code itself (`ctx.market`), not only on
    # the market's facts: a matrix shares the findings of the others between markets whose
    # facts are the same records (a bloc's members). Exact by test:
    # tests/rules/test_rule_uses.py.
    uses_market: bool = False

    def describe(self, language: str) -> str:
        """What the rule checks, in `language` ("en" or "zh")."""
        return self.description_zh if language == "zh" and self.description_zh else self.description


def describe(rule_id: str, language: str) -> str:
    """The description of a registered rule in `language`; its id when it is not one."""
    _load_library()
    found = RULES.get(rule_id)
    return found.describe(language) if found is not None else rule_id


def _getter(use: Use) -> Callable[[VehicleSpec], Any]:
    if isinstance(use, tuple):
        name, members = use
        return lambda model: getattr(model, name) & members
    if use == "price":
        return lambda model: (model.price.amount, model.price.currency)
    return attrgetter(use)


def projection(item: Rule) -> Callable[[VehicleSpec], tuple[Any, ...]]:
    """The model as the rule sees it (its declared `uses`): models with equal projections
    get equal findings from the rule in one market on one date (but for the vehicle
    qualifiers the market's facts are narrowed by, which the caller adds)."""
    assert item.uses is not None, f"rule {item.id} declares no uses"
    getters = tuple(_getter(use) for use in item.uses)
    return lambda model: tuple(get(model) for get in getters)


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str,
    *,
    reads: tuple[str, ...],
    description: str,
    description_zh: str,
    applies: Callable[[VehicleSpec], bool] | None = None,
    uses: tuple[Use, ...] | None = None,
    uses_market: bool = False,
) -> Callable[[Check], Check]:
    """Register a rule function under `rule_id`, described in English and Chinese (pages and
    reports show the description in their language, so both are required)."""
    if not description.strip() or not description_zh.strip():
        raise ValueError(f"rule {rule_id} needs a description and a description_zh")

    def register(check: Check) -> Check:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} is registered twice")
        RULES[rule_id] = Rule(
            rule_id,
            description,
            reads,
            check,
            applies or (lambda _m: True),
            uses,
            description_zh,
            uses_market,
        )
        return check

    return register


def rules_reading(prop: str) -> list[Rule]:
    """The rules a change to `prop` can affect (the dependency index)."""
    _load_library()
    return [r for r in RULES.values() if prop in r.reads]


_LOADED: list[bool] = []


def _load_library() -> None:
    if not _LOADED:  # an import statement per assessment shows in a profile
        from autoatlas.rules import library  # noqa: F401  (registers the rules)

        _LOADED.append(True)


def run_rules(
    model: VehicleSpec,
    market: str,
    on: date,
    facts: list[Fact],
    only: Iterable[str] | None = None,
    converter: Callable[[Decimal, str, str], Decimal | None] | None = None,
    index: FactIndex | None = None,
    memo: Memo | None = None,
) -> Iterator[Finding]:
    """Every applicable rule's findings for one model in one market on one date.

    `index` is `index_facts(facts)` when the caller has it (a matrix builds it once per
    market); otherwise it is built here, once for all the rules. `memo`, one per market,
    date, facts and rate table, remembers findings for the next model (see rules.memo)."""
    _load_library()
    chosen = [RULES[r] for r in only] if only is not None else list(RULES.values())
    if index is None:
        index = index_facts(facts)
    vehicle = vehicle_qualifiers(model)
    for item in chosen:
        if not item.applies(model):
            continue
        context = Context(
            model=model,
            market=market,
            on=on,
            facts=facts,
            rule=item,
            converter=converter,
            index=index,
            vehicle=vehicle,
        )
        if memo is None:
            yield from item.check(context)
            continue
        tree = memo.setdefault(item.id, {})
        found = recall(tree, model, vehicle)
        if found is not MISS:
            yield from found
            continue
        yield from _run_recorded(item, context, tree)


def _run_recorded(item: Rule, context: Context, tree: dict[str, Any]) -> tuple[Finding, ...]:
    """Run a rule on a recording model; remember the findings unless it converted a price."""
    model = context.model
    recorder = Recorder(model)
    converted: list[bool] = []
    converter = context.converter
    if converter is not None:

        def recorded(amount: Decimal, source: str, target: str) -> Decimal | None:
            converted.append(True)
            return converter(amount, source, target)

        context.converter = recorded
    context.model = cast(VehicleSpec, recorder)
    vehicle = context.vehicle or vehicle_qualifiers(model)
    context.vehicle = RecordingQualifiers(vehicle, recorder.reads)
    findings = tuple(item.check(context))
    if not converted:
        remember(tree, recorder.reads, findings)
    return findings
