"""Columns shared between markets (`ModelSet.column`): a rule that does not read the market's
code (`Rule.uses_market`) gives the same column wherever it reads the same records, so the
markets reading them share one: a bloc's members, which `bulk_profiles` gives one object per
inherited record; and the bloc itself, which holds those records, gets the column with its
own records cited. Sharing must change nothing: every market's rows and full assessments
are what a batch of its own, sharing nothing, gives, before and after a change to the
bloc."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from fact_changes import CHANGES, changed
from hypothesis import given, settings
from hypothesis import strategies as st
from test_matrix_cells import MODELS, POOL, _rates, priced_bevs, rule_runs
from test_matrix_memo import _models as memo_models

from autoatlas.assess.batch import MarketBatch, ModelSet
from autoatlas.domain.facts import Fact
from factories import stored_fact as _fact

ON = date(2026, 7, 1)
CHOSEN = MODELS[::3]


def _rows(batch: MarketBatch) -> list[tuple[Any, ...]]:
    return [
        (c.model.id, c.score, c.penalties, c.blockers, c.total, c.currency, c.complete)
        for c in batch.cells()
    ]


def _same_as_alone(batch: MarketBatch) -> None:
    alone = MarketBatch.of(ModelSet.of(CHOSEN), batch.market, ON, batch.facts, batch.rates)
    assert _rows(batch) == _rows(alone)
    assert [a.as_dict() for a in batch.assessments()] == [a.as_dict() for a in alone.assessments()]


def _bloc(chosen: list[bool]) -> list[Fact]:
    """The bloc's records as its members read them: one object each, marked inherited."""
    return [
        replace(_fact(100 + i, *POOL[i][:2], **POOL[i][2]), market="EU", inherited_from="EU")
        for i, yes in enumerate(chosen)
        if yes
    ]


def _held(bloc: list[Fact]) -> list[Fact]:
    """The bloc's records as the bloc itself reads them: its own, other objects."""
    return [replace(f, inherited_from=None) for f in bloc]


def _member(code: str, number: int, own: list[bool], bloc: list[Fact]) -> list[Fact]:
    """A member's facts: its own statements, and the bloc's of the properties it does not
    state itself (a simplification of the per-statement pick that is enough here)."""
    mine = [
        replace(_fact(1000 * (number + 1) + i, *POOL[i][:2], **POOL[i][2]), market=code)
        for i, yes in enumerate(own)
        if yes
    ]
    stated = {f.property for f in mine}
    return [*mine, *(f for f in bloc if f.property not in stated)]


_OWN = st.lists(st.booleans(), min_size=len(POOL), max_size=len(POOL)).map(
    lambda own: [yes and i % 3 == 0 for i, yes in enumerate(own)]  # members state a few
)


@settings(max_examples=30, deadline=None)
@given(
    inherited=st.lists(st.booleans(), min_size=len(POOL), max_size=len(POOL)),
    members=st.lists(_OWN, min_size=2, max_size=4),
    change=st.tuples(
        st.sampled_from(CHANGES), st.integers(0, len(POOL) - 1), st.integers(0, 10_000)
    ),
)
def test_markets_reading_the_same_records_get_what_each_gets_alone(
    inherited: list[bool], members: list[list[bool]], change: tuple[str, int, int]
) -> None:
    shared, rates = ModelSet.of(CHOSEN), _rates()
    bloc = _bloc(inherited)
    # The bloc holds its records (the same records, not marked inherited); every other
    # market's columns are then its columns with their own records cited.
    held = MarketBatch.of(shared, "EU", ON, _held(bloc), rates)
    held.cells()
    _same_as_alone(held)
    batches = {}
    for number, own in enumerate(members):
        code = f"M{number}"
        batches[code] = batch = MarketBatch.of(
            shared, code, ON, _member(code, number, own, bloc), rates
        )
        batch.cells()  # worked out before the change, then carried
        _same_as_alone(batch)
    # The bloc changes one record: its members read the new version, one object for all.
    kind, version, which = change
    after = [
        replace(f, market="EU", inherited_from="EU") if f.market != "EU" else f
        for f in changed(bloc, kind, POOL[version], which, number=900)
    ]
    _same_as_alone(held.reassessed({POOL[version][0]}, _held(after), rates))
    for number, own in enumerate(members):
        code = f"M{number}"
        again = batches[code].reassessed(
            {POOL[version][0]}, _member(code, number, own, after), rates
        )
        _same_as_alone(again)


def test_a_column_is_worked_out_once_for_the_markets_reading_the_same_records(
    monkeypatch: Any,
) -> None:
    """The sharing is taken: incentive eligibility, which compares each model's price with
    a cap, runs once per side of it for three members reading the bloc's records, not three
    times; a member stating its own cap gets runs of its own."""
    runs = rule_runs(monkeypatch)
    models = priced_bevs()
    bloc = [
        replace(f, market="EU", inherited_from="EU")
        for f in (
            _fact(10, "policy.ev_incentive.amount", {"amount": "3000", "currency": "EUR"}),
            _fact(11, "policy.ev_incentive.price_cap", {"amount": "20010", "currency": "USD"}),
        )
    ]
    shared, rates = ModelSet.of(models), _rates()  # one rate table, as a matrix reads it
    for code in ("DE", "FR", "IT"):
        MarketBatch.of(shared, code, ON, bloc, rates)
    assert runs.count("policy.incentive_eligibility") == 2  # under and over the cap
    own_cap = _fact(12, "policy.ev_incentive.price_cap", {"amount": "20020", "currency": "USD"})
    MarketBatch.of(shared, "PL", ON, [bloc[0], own_cap], rates)
    assert runs.count("policy.incentive_eligibility") == 4


def test_a_bloc_and_its_members_share_a_column_each_citing_its_own_records(
    monkeypatch: Any,
) -> None:
    """The bloc holds the incentive's records and its members inherit them: the rule runs
    once per side of the cap for all, and each market's findings cite the records as it reads them
    (held by the bloc, inherited in a member). A record that only shares an id with the
    bloc's (built by hand, another value) is not taken for it."""
    runs = rule_runs(monkeypatch)
    models = priced_bevs()
    held = [
        replace(f, market="EU")
        for f in (
            _fact(10, "policy.ev_incentive.amount", {"amount": "3000", "currency": "EUR"}),
            _fact(11, "policy.ev_incentive.price_cap", {"amount": "20010", "currency": "USD"}),
        )
    ]
    inherited = [replace(f, inherited_from="EU") for f in held]
    shared, rates = ModelSet.of(models), _rates()
    found = {
        code: MarketBatch.of(shared, code, ON, facts, rates)
        for code, facts in (("EU", held), ("DE", inherited), ("FR", inherited))
    }
    assert runs.count("policy.incentive_eligibility") == 2  # under and over the cap
    other_cap = replace(inherited[1], value={"amount": "20020", "currency": "USD"})
    MarketBatch.of(shared, "PL", ON, [inherited[0], other_cap], rates)
    assert runs.count("policy.incentive_eligibility") == 4
    for code, batch in found.items():
        cited = {
            f.inherited_from
            for i in range(len(models))
            for finding in batch.assessment(i).findings
            if finding.rule == "policy.incentive_eligibility"
            for f in finding.facts
        }
        assert cited == ({None} if code == "EU" else {"EU"}), code
        _same_as_alone_of(models, batch)


def _same_as_alone_of(models: list[Any], batch: MarketBatch) -> None:
    alone = MarketBatch.of(ModelSet.of(models), batch.market, ON, batch.facts, batch.rates)
    assert [a.as_dict() for a in batch.assessments()] == [a.as_dict() for a in alone.assessments()]


def test_a_finding_naming_its_market_is_not_shared() -> None:
    """With no incentive recorded the finding is "unknown — no fact ... in <market>": each
    market gets its own, though both read the same (no) records."""
    shared, rates = ModelSet.of([m for m in memo_models() if m.powertrain == "BEV"][:1]), _rates()
    found = {
        code: MarketBatch.of(shared, code, ON, [], rates).assessment(0).findings
        for code in ("DE", "FR")
    }
    for code, findings in found.items():
        (unknown,) = [f for f in findings if f.rule == "policy.incentive_eligibility"]
        assert f" in {code} on " in unknown.message.en


def test_the_kept_columns_are_bounded_and_dropping_them_changes_nothing(monkeypatch: Any) -> None:
    """A model set re-assessed for long would keep every record's columns: past the bound they
    are dropped, and the markets after work theirs out again, with the same answers."""
    import autoatlas.assess.batch as batch_module

    monkeypatch.setattr(batch_module, "_SHARED_COLUMNS", 5)
    shared, rates = ModelSet.of(CHOSEN), _rates()
    bloc = _bloc([True] * len(POOL))
    for number in range(3):
        code = f"M{number}"
        batch = MarketBatch.of(
            shared, code, ON, _member(code, number, [False] * len(POOL), bloc), rates
        )
        assert len(shared._columns) <= 5
        _same_as_alone(batch)
