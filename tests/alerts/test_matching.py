"""Matching is a pure function: the index agrees with a plain reading of the rules."""

from __future__ import annotations

import random
from collections.abc import Mapping

from autoatlas.alerts.matching import (
    Event,
    Severity,
    Watch,
    WatchIndex,
    deadline_severity,
    match_events,
)

MARKETS = ["TH", "DE", "FR", "CN", "CN-CQ", "EU", "ASEAN"]
MEMBERS = {"EU": {"DE", "FR"}, "ASEAN": {"TH"}, "CN": {"CN-CQ"}}
PROPERTIES = {
    "trade.vat.rate": "trade",
    "trade.import_duty.passenger_bev": "trade",
    "roads.driving_side": "roads",
    "climate.temp_min_c": "climate",
}


def reference(
    watches: list[Watch], event: Event, members: Mapping[str, set[str]]
) -> set[tuple[int, int]]:
    """(organization, watchlist) pairs, by the rules as written in matching.py."""
    found = set()
    for watch in watches:
        covered = set(watch.markets)
        for code in watch.markets:
            covered |= members.get(code, set())
        if watch.markets and event.market not in covered:
            continue
        if (watch.properties or watch.dimensions) and not (
            event.property in watch.properties or event.dimension in watch.dimensions
        ):
            continue
        if any(event.qualifiers.get(k, v) != v for k, v in watch.qualifiers.items()):
            continue
        if event.severity > watch.min_severity:
            continue
        if event.scope.startswith("org:") and int(event.scope[4:]) != watch.organization_id:
            continue
        found.add((watch.organization_id, watch.id))
    return found


def test_the_index_agrees_with_the_rules_on_random_data() -> None:
    rng = random.Random(42)
    props = sorted(PROPERTIES)
    watches = [
        Watch(
            id=n,
            organization_id=rng.randint(1, 6),
            markets=frozenset(rng.sample(MARKETS, rng.randint(0, 2))),
            properties=frozenset(rng.sample(props, rng.choice([0, 0, 1, 2]))),
            dimensions=frozenset(rng.sample(["trade", "roads"], rng.choice([0, 0, 1]))),
            qualifiers=rng.choice([{}, {}, {"origin": "CN"}, {"origin": "JP"}]),
            min_severity=rng.choice(list(Severity)),
        )
        for n in range(1, 400)
    ]
    index = WatchIndex(watches, MEMBERS)
    events = []
    for n in range(300):
        prop = rng.choice(props)
        events.append(
            Event(
                cause=f"c{n}",
                market=rng.choice(MARKETS),
                property=prop,
                dimension=PROPERTIES[prop],
                qualifiers=rng.choice([{}, {"origin": "CN"}, {"origin": "JP", "maker": "x"}]),
                scope=rng.choice(["public", "public", "org:2", "org:5"]),
                severity=rng.choice(list(Severity)),
            )
        )
    matches = match_events(index, events)
    for event in events:
        got = {(org, w) for m in matches if m.event is event for org, ids in m.pairs() for w in ids}
        assert got == reference(watches, event, MEMBERS), event
    # one match per organization and event
    assert len({m.event.cause for m in matches}) == len(matches)
    assert sum(len(m.organizations) for m in matches) > 100


def test_private_events_never_match_other_organizations() -> None:
    index = WatchIndex([Watch(1, organization_id=1), Watch(2, organization_id=2)])
    event = Event("c", "TH", "trade.vat.rate", "trade", {}, "org:2", Severity.INFO)
    assert [m.pairs() for m in match_events(index, [event])] == [[(2, (2,))]]


def test_deadlines_within_a_week_are_one_step_more_severe() -> None:
    assert deadline_severity("culture", read_by_rules=False, horizon_days=90) is Severity.INFO
    assert deadline_severity("culture", read_by_rules=False, horizon_days=7) is Severity.MINOR
    assert deadline_severity("trade", read_by_rules=True, horizon_days=7) is Severity.MAJOR
