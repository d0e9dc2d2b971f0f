"""(c) The product path: the alerts worker re-assessing the portfolio after a change set.

Measured on the benchmark's copy with the rule layer imported (assess_bench.py calls
`measure_product` after (b)). N changes (random.Random(7)): a random statement that a rule
or the landed cost reads, in a random non-bloc market (and one in the bloc "EU" when it has
facts), given another plausible value (assess_bench._changed), each published as a one-fact
bundle through `Atlas.import_files`, which writes the change set's events. The portfolio is
every model in every market for one organization. Per change set, timed:

- the product path, `alerts.portfolio.reassess(connection, holdings, events, ...)` as the worker
  calls it, with `Holdings.of(pairs)` built once as the worker builds it per batch (timed
  apart); it picks the affected pairs itself (`portfolio.affected`, timed apart too);
- the old path, before commit 5d74c18: every affected pair (market chain only, no qualifier
  narrowing, as the producer filtered them then) read and assessed alone, before and after
  (two profile reads, two rate reads, two full assessments, one comparison), timed on the
  first pairs of a random sample of the pairs it was handed (random.Random(7), at most
  `sample` a change), at least one a change, within a time budget;
- not timed, every sampled pair checked: the product path's alerts (none for a pair it did
  not re-assess) equal the oracle's, the old path's where it was timed and otherwise the same
  oracle with its reads shared (`SharedReads`: the rates the old path read for the change
  set's first pair, a market's facts once each way).
"""

from __future__ import annotations

import gc
import json
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from autoatlas.alerts import portfolio
from autoatlas.alerts.portfolio import AssessmentChange, PortfolioPair, compare_assessments
from autoatlas.assess.assessment import (
    Assessment,
    assess_with_facts,
    load_rates,
    statistic_properties,
)
from autoatlas.assess.rates import RATE_PROPERTIES, Rates
from autoatlas.assess.reassess import REASSESSABLE
from autoatlas.atlas import Atlas
from autoatlas.domain.facts import Fact, Visibility
from autoatlas.errors import ValidationError
from autoatlas.store import alerts as alert_store
from autoatlas.store import queries
from autoatlas.store.alerts import EventRow
from autoatlas.store.schema import change_event

Key = tuple[int, str, str]  # organization, model id, market


def _key(pair: PortfolioPair) -> Key:
    return (pair.organization_id, pair.model.id, pair.market)


# -- the old path (before 5d74c18), reproduced as it was: the oracle -----------------------


class OldPath:
    """`portfolio.reassess` before commit 5d74c18: each pair alone, its facts and the rates
    read for it as known before and after, two full assessments, one comparison. The parts'
    seconds are added up (profile reads, rate reads, assessments) without changing the work."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.rates: dict[datetime, Rates] = {}  # the last ones read, by known_at (for the check)

    def _assess_known_at(
        self, connection: Any, pair: PortfolioPair, on: date, known_at: datetime
    ) -> Assessment:
        started = time.perf_counter()
        facts = queries.profile(
            connection,
            pair.market,
            as_of=on,
            known_at=known_at,
            viewer_org_id=pair.organization_id,
            statistics=statistic_properties(),
        )
        read = time.perf_counter()
        rates = self.rates[known_at] = load_rates(connection, on, known_at=known_at)
        rated = time.perf_counter()
        assessment = assess_with_facts(pair.model, pair.market, on, facts, rates)
        self.seconds["profile"] += read - started
        self.seconds["rates"] += rated - read
        self.seconds["assess"] += time.perf_counter() - rated
        return assessment

    def reassess(
        self,
        connection: Any,
        pair: PortfolioPair,
        *,
        published_at: datetime,
        on: date,
        threshold: Decimal = portfolio.PRICE_THRESHOLD_PERCENT,
    ) -> AssessmentChange | None:
        before_at = published_at - timedelta(microseconds=1)
        before = self._assess_known_at(connection, pair, on, before_at)
        after = self._assess_known_at(connection, pair, on, published_at)
        return compare_assessments(before, after, threshold=threshold)


class SharedReads:
    """The same oracle (each pair assessed alone, in full, before and after) with its reads
    shared: the rates `OldPath` read for the change set's first pair, a market's facts once
    each way. The same queries with the same arguments as `OldPath` in one read transaction,
    so the same answers, at a fraction of the time: it checks every sampled pair, `OldPath`
    times a few."""

    def __init__(
        self, connection: Any, on: date, published_at: datetime, rates: dict[datetime, Rates]
    ) -> None:
        self.connection, self.on = connection, on
        self.times = (published_at - timedelta(microseconds=1), published_at)
        self.rates = {when: rates[when] for when in self.times}
        self.facts: dict[tuple[str, int, datetime], list[Fact]] = {}

    def _assess(self, pair: PortfolioPair, known_at: datetime) -> Assessment:
        key = (pair.market, pair.organization_id, known_at)
        facts = self.facts.get(key)
        if facts is None:
            facts = self.facts[key] = queries.profile(
                self.connection,
                pair.market,
                as_of=self.on,
                known_at=known_at,
                viewer_org_id=pair.organization_id,
                statistics=statistic_properties(),
            )
        return assess_with_facts(pair.model, pair.market, self.on, facts, self.rates[known_at])

    def reassess(self, pair: PortfolioPair) -> AssessmentChange | None:
        before, after = (self._assess(pair, when) for when in self.times)
        return compare_assessments(before, after, threshold=portfolio.PRICE_THRESHOLD_PERCENT)


def old_affected(
    connection: Any, pairs: list[PortfolioPair], events: list[EventRow], on: date
) -> list[PortfolioPair]:
    """The pairs the producer handed the old path (its `affected_pairs`, as it was): by
    market chain, no qualifier narrowing, a private change only its organization's."""
    found: dict[Key, PortfolioPair] = {}
    chains: dict[str, list[str]] = {}
    for event in events:
        if not portfolio.moves_assessments(event.property):
            continue
        owner = int(event.scope[4:]) if event.scope.startswith("org:") else None
        everywhere = event.property in RATE_PROPERTIES
        for pair in pairs:
            if owner is not None and pair.organization_id != owner:
                continue
            chain = chains.get(pair.market)
            if chain is None:
                chain = chains[pair.market] = queries.inheritance_chain(connection, pair.market, on)
            if everywhere or event.market in chain:
                found.setdefault(_key(pair), pair)
    return list(found.values())


# -- the change sets ----------------------------------------------------------------------


def _bundle(path: Path, fact: Fact, value: Any) -> None:
    """A one-fact bundle restating `fact` (same statement, same period) with `value`."""
    item: dict[str, Any] = {
        "market": fact.market,
        "property": fact.property,
        "value": value,
        "sources": ["bench-product"],
        "confidence": fact.confidence,
    }
    if fact.unit:
        item["unit"] = fact.unit
    if fact.qualifiers:
        item["qualifiers"] = fact.qualifiers
    if fact.period.start:
        item["valid_from"] = fact.period.start.isoformat()
    if fact.period.end:
        item["valid_to"] = fact.period.end.isoformat()
    bundle = {
        "sources": [
            {
                "id": "bench-product",
                "kind": "dataset",
                "title": "AutoAtlas benchmark: one changed fact",
                "publisher": "AutoAtlas benchmark",
            }
        ],
        "facts": [item],
    }
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")


def _candidates(connection: Any, market: str, on: date) -> list[Fact]:
    """The market's own public facts a rule or the landed cost reads (no rate properties:
    those move every pair of every market)."""
    return [
        f
        for f in queries.profile(connection, market, as_of=on, statistics=statistic_properties())
        if f.market == market
        and f.inherited_from is None
        and f.visibility is Visibility.PUBLIC
        and f.property in REASSESSABLE
        and f.property not in RATE_PROPERTIES
    ]


def publish_changes(
    atlas: Atlas,
    markets: list[str],
    count: int,
    work: Path,
    on: date,
    changed: Callable[[Fact, random.Random], Fact],
) -> tuple[list[dict[str, Any]], int]:
    """`count` one-fact change sets: the first in the bloc "EU" (if it has facts), the others
    in random non-bloc markets. Returns each change set's statement and events, and how many
    draws were redrawn (the new value was refused, or was the same)."""
    rng = random.Random(7)
    with atlas.read() as connection:
        kinds = {m.code: m.kind for m in queries.list_markets(connection)}
    plain = [m for m in markets if kinds.get(m) != "bloc"]
    published: list[dict[str, Any]] = []
    redrawn = 0
    while len(published) < count:
        number = len(published)
        where = "EU" if number == 0 and "EU" in markets else rng.choice(plain)
        with atlas.read() as connection:
            own = _candidates(connection, where, on)
            last = connection.execute(sa.select(sa.func.max(change_event.c.id))).scalar() or 0
        if not own:
            redrawn += 1
            continue
        prop = rng.choice(sorted({f.property for f in own}))
        target = rng.choice([f for f in own if f.property == prop])
        new = changed(target, rng)
        path = work / "assess-product-change.json"
        _bundle(path, target, new.value)
        try:
            report = atlas.import_files([path])
        except ValidationError:
            redrawn += 1
            continue
        if report.added == 0:
            redrawn += 1
            continue
        with atlas.read() as connection:
            events = alert_store.change_events_after(connection, last, 1000)
        if not events:
            redrawn += 1
            continue
        change_set = events[0].change_set_id
        events = [e for e in events if e.change_set_id == change_set]
        published.append(
            {
                "market": where,
                "property": prop,
                "qualifiers": target.qualifiers,
                "before": target.value,
                "after": new.value,
                "events": events,
                "published_at": events[0].created_at,
            }
        )
    path = work / "assess-product-change.json"
    path.unlink(missing_ok=True)
    return published, redrawn


# -- the measurement ----------------------------------------------------------------------


def _pct(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _same(old: AssessmentChange | None, new: AssessmentChange | None) -> bool:
    if old is None or new is None:
        return old is new
    return (old.severity, old.changes, old.before, old.after) == (
        new.severity,
        new.changes,
        new.before,
        new.after,
    )


def measure_product(
    atlas: Atlas,
    models: list[Any],
    markets: list[str],
    *,
    changes: int,
    sample: int,
    old_seconds: float,
    work: Path,
    on: date,
    changed: Callable[[Fact, random.Random], Fact],
    log: Callable[[str], None],
) -> dict[str, Any]:
    """The product path per change set (wall and CPU), the old per-pair path on a sample,
    and whether both give the same alerts for the sampled pairs."""
    log(f"product: publishing {changes} one-fact change sets ...")
    started = time.perf_counter()
    published, redrawn = publish_changes(atlas, markets, changes, work, on, changed)
    setup_seconds = time.perf_counter() - started
    organization = atlas.cli_principal().organization_id
    assert organization is not None
    pairs = [PortfolioPair(organization, model, market) for market in markets for model in models]
    log(
        f"product: {len(published)} change sets published in {setup_seconds:.1f} s "
        f"({redrawn} redrawn); {len(pairs):,} portfolio pairs"
    )
    rng = random.Random(7)  # the sample of the pairs each change set hands the old path
    per_old_change = old_seconds / max(1, len(published))
    rows: list[dict[str, Any]] = []
    old = OldPath()
    old_wall = old_cpu = 0.0
    old_pairs = agree = disagree = sampled_alerts = 0
    disagreements: list[dict[str, Any]] = []
    with atlas.read() as connection:
        if published:  # warm the caches alike for both paths
            load_rates(connection, on, known_at=published[0]["published_at"])
        # What the worker builds once per batch of change sets (timed apart, not per change).
        t = time.perf_counter()
        holdings = portfolio.Holdings.of(connection, pairs, on)
        holdings_seconds = time.perf_counter() - t
        for number, change in enumerate(published):
            events: list[EventRow] = change["events"]
            published_at: datetime = change["published_at"]
            # What reassess does first: the pairs each event can move (timed apart).
            gc.collect()
            t = time.perf_counter()
            affected: dict[Key, PortfolioPair] = {
                _key(pair): pair
                for group in portfolio.affected(holdings, events)
                for pair in group.pairs
            }
            filter_seconds = time.perf_counter() - t
            # The product path, as the worker calls it.
            gc.collect()
            t, cpu = time.perf_counter(), time.process_time()
            found = portfolio.reassess(
                connection, holdings, events, published_at=published_at, on=on
            )
            wall, cpu = time.perf_counter() - t, time.process_time() - cpu
            alerts = {_key(pair): result for pair, result in found}
            # The old path, on a sample of the pairs it was handed (market chain only): timed
            # on the first ones (at least one, then while the change's budget lasts) ...
            t_chain = time.perf_counter()
            chain = old_affected(connection, pairs, events, on)
            chosen = rng.sample(chain, min(sample, len(chain)))
            old_filter_seconds = time.perf_counter() - t_chain
            oracle: dict[Key, AssessmentChange | None] = {}
            rates_seconds = old.seconds["rates"]
            t, t_cpu = time.perf_counter(), time.process_time()
            for pair in chosen:
                oracle[_key(pair)] = old.reassess(
                    connection, pair, published_at=published_at, on=on
                )
                if len(oracle) == 1:  # the first pair's two rate reads, as reassess makes them
                    rates_seconds = old.seconds["rates"] - rates_seconds
                if time.perf_counter() - t > per_old_change:
                    break  # the change's share of the old path's time budget is spent
            spent, spent_cpu = time.perf_counter() - t, time.process_time() - t_cpu
            timed = len(oracle)
            old_wall += spent
            old_cpu += spent_cpu
            old_pairs += timed
            # ... and every sampled pair checked, the rest with the reads shared.
            shared = SharedReads(connection, on, published_at, old.rates) if oracle else None
            for pair in chosen:
                key = _key(pair)
                if key not in oracle:
                    assert shared is not None
                    oracle[key] = shared.reassess(pair)
                result = oracle[key]
                sampled_alerts += result is not None
                if _same(result, alerts.get(key)):
                    agree += 1
                else:
                    disagree += 1
                    if len(disagreements) < 10:
                        disagreements.append(
                            {
                                "change": number,
                                "model": pair.model.id,
                                "market": pair.market,
                                "old": None if result is None else result.changes,
                                "new": None if alerts.get(key) is None else alerts[key].changes,
                            }
                        )
            rows.append(
                {
                    "market": change["market"],
                    "property": change["property"],
                    "qualifiers": change["qualifiers"],
                    "events": len(events),
                    "event_kinds": dict(Counter(e.kind for e in events)),
                    "affected_pairs": len(affected),
                    "affected_markets": len({k[2] for k in affected}),
                    "chain_pairs": len(chain),
                    "alerts": len(found),
                    "ms": round(wall * 1000, 2),
                    "cpu_ms": round(cpu * 1000, 2),
                    "filter_ms": round(filter_seconds * 1000, 2),
                    # the two rate reads reassess also makes (same calls, timed in the old path)
                    "rates_reads_ms": round(rates_seconds * 1000, 2) if oracle else None,
                    "old_filter_ms": round(old_filter_seconds * 1000, 2),
                    "new_per_pair_ms": round(wall * 1000 / len(affected), 4) if affected else None,
                    "old_timed_pairs": timed,
                    "old_per_pair_ms": round(spent * 1000 / timed, 2) if timed else None,
                    "checked_pairs": len(chosen),
                }
            )
            log(
                f"product: change {number + 1}/{len(published)} {change['property']} in "
                f"{change['market']}: {len(affected):,} pairs, {len(found):,} alerts, "
                f"{wall * 1000:.0f} ms ({cpu * 1000:.0f} ms CPU; filter {filter_seconds * 1000:.0f}"
                f" ms, rate reads {rates_seconds * 1000:.0f} ms); old {timed} pairs "
                f"{spent * 1000 / max(1, timed):.0f} ms/pair; {len(chosen)} checked"
            )
    walls = [row["ms"] for row in rows]
    cpus = [row["cpu_ms"] for row in rows]
    affected_total = sum(row["affected_pairs"] for row in rows)
    chain_total = sum(row["chain_pairs"] for row in rows)
    new_total = sum(walls) / 1000
    new_per_pair = new_total / affected_total if affected_total else None
    old_per_pair = old_wall / old_pairs if old_pairs else None
    old_cpu_per_pair = old_cpu / old_pairs if old_pairs else None
    new_cpu_per_pair = sum(cpus) / 1000 / affected_total if affected_total else None
    return {
        "what": (
            "alerts.portfolio.reassess(connection, pairs, events, published_at, on) per "
            "one-fact change set published with Atlas.import_files; old = the per-pair path "
            "before 5d74c18 (profile + rates read and assess_with_facts, before and after, "
            "per pair) on a random sample of the pairs it was handed (market chain only)"
        ),
        "change_sets": len(published),
        "redrawn": redrawn,
        "setup_seconds": round(setup_seconds, 2),
        "portfolio_pairs": len(pairs),
        "organization_id": organization,
        "p50_ms": round(_pct(walls, 50), 2),
        "p99_ms": round(_pct(walls, 99), 2),
        "max_ms": round(max(walls), 2),
        "cpu_p50_ms": round(_pct(cpus, 50), 2),
        "cpu_p99_ms": round(_pct(cpus, 99), 2),
        "cpu_max_ms": round(max(cpus), 2),
        "total_seconds": round(new_total, 3),
        "total_cpu_seconds": round(sum(cpus) / 1000, 3),
        "holdings_seconds": round(holdings_seconds, 3),
        "filter_total_seconds": round(sum(row["filter_ms"] for row in rows) / 1000, 3),
        "old_filter_total_seconds": round(sum(row["old_filter_ms"] for row in rows) / 1000, 3),
        "filter_p50_ms": round(_pct([row["filter_ms"] for row in rows], 50), 2),
        "affected_pairs_total": affected_total,
        "affected_pairs_p50": _pct([row["affected_pairs"] for row in rows], 50),
        "affected_pairs_max": max(row["affected_pairs"] for row in rows),
        "chain_pairs_total": chain_total,
        "alerts_total": sum(row["alerts"] for row in rows),
        "new_per_pair_ms": None if new_per_pair is None else round(new_per_pair * 1000, 4),
        "new_cpu_per_pair_ms": None
        if new_cpu_per_pair is None
        else round(new_cpu_per_pair * 1000, 4),
        "old": {
            "timed": "the first pairs of each change's sample, at least one, within the budget",
            "budget_seconds": old_seconds,
            "pairs": old_pairs,
            "seconds": round(old_wall, 3),
            "cpu_seconds": round(old_cpu, 3),
            "per_pair_ms": None if old_per_pair is None else round(old_per_pair * 1000, 2),
            "cpu_per_pair_ms": None
            if old_cpu_per_pair is None
            else round(old_cpu_per_pair * 1000, 2),
            "parts_seconds": {k: round(v, 3) for k, v in sorted(old.seconds.items())},
            "per_pair_median_by_change_ms": round(
                statistics.median(
                    row["old_per_pair_ms"] for row in rows if row["old_per_pair_ms"] is not None
                ),
                2,
            )
            if old_pairs
            else None,
        },
        # old seconds per pair / new seconds per pair (new total / pairs it re-assessed)
        "ratio_per_pair": round(old_per_pair / new_per_pair, 1)
        if old_per_pair and new_per_pair
        else None,
        "ratio_per_pair_cpu": round(old_cpu_per_pair / new_cpu_per_pair, 1)
        if old_cpu_per_pair and new_cpu_per_pair
        else None,
        # the old path over every pair it was handed (per-pair time x chain pairs), estimated
        "old_projected_total_seconds": None
        if old_per_pair is None
        else round(old_per_pair * chain_total, 1),
        "rates_reads_total_seconds": round(
            sum(row["rates_reads_ms"] or 0 for row in rows) / 1000, 3
        ),
        "check": {
            "what": (
                "per change set a random sample (random.Random(7)) of at most `sample_at_most` "
                "of the pairs the old path was handed: the old path's alerts (timed pairs: "
                "OldPath; the rest: SharedReads, the same oracle with its reads shared) against "
                "the product path's (none when it did not re-assess the pair)"
            ),
            "sample_at_most": sample,
            "sampled_pairs": agree + disagree,
            "sampled_pairs_with_alerts_old": sampled_alerts,
            "agree": agree,
            "disagree": disagree,
            "disagreements": disagreements,
        },
        "changes": rows,
    }
