"""The matching index, with its precomputed unions, finds exactly what a plain test of every
watchlist against every event finds: the same organizations and, for each, the same
watchlists, for any watchlists and events."""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from autoatlas.alerts.matching import Event, Severity, Watch, WatchIndex, match_events

MARKETS = ["TH", "DE", "FR", "CN", "CN-CQ", "EU", "ASEAN"]
MEMBERS = {"EU": {"DE", "FR"}, "ASEAN": {"TH"}, "CN": {"CN-CQ"}}
DIMENSION = {
    "trade.vat.rate": "trade",
    "trade.import_duty.passenger_bev": "trade",
    "roads.driving_side": "roads",
    "climate.temp_min_c": "climate",
}
WATCHED_QUALIFIERS = [{}, {"origin": "CN"}, {"origin": "JP"}, {"origin": "CN", "maker": "x"}]
FACT_QUALIFIERS = [{}, {"origin": "CN"}, {"origin": "JP", "maker": "x"}, {"maker": "y"}]


def brute_force(
    watches: list[Watch], event: Event, members: Mapping[str, set[str]]
) -> dict[int, set[int]]:
    """Each watchlist tested on its own, by the rules of docs/alerts.md: organization ->
    the ids of its watchlists that match."""
    found: dict[int, set[int]] = {}
    for watch in watches:
        markets = set(watch.markets).union(*(members.get(m, set()) for m in watch.markets))
        market_ok = not watch.markets or event.market in markets
        topic_ok = (not watch.properties and not watch.dimensions) or (
            event.property in watch.properties or event.dimension in watch.dimensions
        )
        qualifiers_ok = all(
            event.qualifiers.get(key) in (None, value) for key, value in watch.qualifiers.items()
        )
        severe_enough = event.severity <= watch.min_severity
        tenant_ok = event.scope == "public" or event.scope == f"org:{watch.organization_id}"
        if market_ok and topic_ok and qualifiers_ok and severe_enough and tenant_ok:
            found.setdefault(watch.organization_id, set()).add(watch.id)
    return found


def subsets(items: list[str], most: int) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(items), max_size=most)


watch_fields = st.tuples(
    st.integers(1, 5),  # organization
    subsets(MARKETS, 2),
    subsets(sorted(DIMENSION), 2),  # properties
    subsets(sorted(set(DIMENSION.values())), 1),  # dimensions
    st.sampled_from(WATCHED_QUALIFIERS),
    st.sampled_from(list(Severity)),
)
event_fields = st.tuples(
    st.sampled_from([*MARKETS, "JP"]),  # JP: a market nobody names
    st.sampled_from(sorted(DIMENSION)),
    st.sampled_from(FACT_QUALIFIERS),
    st.sampled_from(["public", "public", "org:1", "org:3", "org:6"]),
    st.sampled_from(list(Severity)),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(watch_fields, max_size=40),
    st.lists(event_fields, min_size=1, max_size=25),
    st.booleans(),
)
def test_the_index_finds_what_testing_every_watchlist_finds(
    watch_rows: list[tuple], event_rows: list[tuple], with_members: bool
) -> None:
    watches = [
        Watch(
            id=number,
            organization_id=org,
            markets=markets,
            properties=properties,
            dimensions=dimensions,
            qualifiers=qualifiers,
            min_severity=severity,
        )
        for number, (org, markets, properties, dimensions, qualifiers, severity) in enumerate(
            watch_rows, start=1
        )
    ]
    members = MEMBERS if with_members else {}
    events = [
        Event(f"c{n}", market, prop, DIMENSION[prop], qualifiers, scope, severity)
        for n, (market, prop, qualifiers, scope, severity) in enumerate(event_rows)
    ]

    matches = match_events(WatchIndex(watches, members), events)

    expected = {e.cause: brute_force(watches, e, members) for e in events}
    assert [m.event.cause for m in matches] == [e.cause for e in events if expected[e.cause]]
    for match in matches:
        wanted = expected[match.event.cause]
        assert match.organizations == frozenset(wanted)
        assert match.pairs() == [(org, tuple(sorted(wanted[org]))) for org in sorted(wanted)]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.integers(1, 100_000), st.booleans(), max_size=600), st.booleans())
def test_an_event_reaches_exactly_the_organizations_watching_it_among_hundreds(
    chosen: dict[int, bool], everyone: bool
) -> None:
    """Many organizations (any ids, in any order) each watch one property or another: an
    event alerts exactly those that watch its property, listed once each in id order (some
    or all of them: runs of neighbours alerted together, as well as scattered ones)."""
    watching = {org: wants or everyone for org, wants in chosen.items()}
    watches = [
        Watch(
            id=number,
            organization_id=org,
            markets=frozenset({"TH"}),
            properties=frozenset({"trade.vat.rate" if wants else "roads.driving_side"}),
        )
        for number, (org, wants) in enumerate(watching.items(), start=1)
    ]
    event = Event("c", "TH", "trade.vat.rate", "trade", {}, "public", Severity.INFO)
    wanted = sorted(org for org, wants in watching.items() if wants)

    matches = match_events(WatchIndex(watches), [event])

    assert [m.pairs() for m in matches] == (
        [[(org, (next(w.id for w in watches if w.organization_id == org),)) for org in wanted]]
        if wanted
        else []
    )
    if wanted:
        assert matches[0].organizations == frozenset(wanted)
