"""Matching events against watchlists: a pure function over an index built once.

An event (a published change or a deadline coming near) matches a watchlist when

- its market is one of the watchlist's markets, or a member of one of its blocs (a bloc
  entry matches the bloc's own facts and its members'), or the watchlist names no market;
- its property is one of the watchlist's properties or its dimension one of the watchlist's
  dimensions (either list may be empty; both empty: every property);
- every qualifier of the watchlist is met: the fact carries the same value, or none at all
  (an unqualified fact applies to every origin, maker...);
- its severity is at least the watchlist's minimum; and
- the tenant rule holds: an event of a private fact (scope "org:<id>") only ever matches the
  watchlists of that organization.

The index keys watchlists by market and then by property or dimension, so an event looks at
a handful of candidates whatever the number of watchlists.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from autoatlas.gcpause import cyclic_gc_paused

__all__ = [
    "Event",
    "Match",
    "Severity",
    "Watch",
    "WatchIndex",
    "cause_digest",
    "change_severity",
    "deadline_severity",
    "match_events",
]


class Severity(IntEnum):
    """Lower is more severe; the names are those of rule findings."""

    BLOCKER = 0
    MAJOR = 1
    MINOR = 2
    INFO = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (one of {names})") from None

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened, reduced to what matching needs."""

    cause: str  # what makes it one alert per organization: see cause_digest
    market: str
    property: str
    dimension: str
    qualifiers: Mapping[str, str]
    scope: str  # "public" or "org:<id>"
    severity: Severity


@dataclass(frozen=True, slots=True)
class Watch:
    id: int
    organization_id: int
    markets: frozenset[str] = frozenset()
    dimensions: frozenset[str] = frozenset()
    properties: frozenset[str] = frozenset()
    qualifiers: Mapping[str, str] = field(default_factory=dict)
    min_severity: Severity = Severity.INFO


Signature = tuple[tuple[str, str], ...]  # a watchlist's qualifiers, sorted


class Match:
    """The organizations one event is to alert, and (on demand) which of their watchlists
    matched. Organizations are found by unions of precomputed sets, so an event that concerns
    hundreds of organizations costs a few set unions, not a test per watchlist."""

    __slots__ = ("_index", "event", "organizations")

    def __init__(self, event: Event, organizations: frozenset[int], index: WatchIndex) -> None:
        self.event = event
        self.organizations = organizations
        self._index = index

    def watch_ids(self, organization_id: int) -> tuple[int, ...]:
        found: set[int] = set()
        for bucket in self._index.buckets(self.event):
            for level in range(int(self.event.severity), _LEVELS):
                for signature, group in bucket.levels[level].items():
                    if organization_id in group and _compatible(signature, self.event.qualifiers):
                        found.update(group[organization_id])
        return tuple(sorted(found))

    def pairs(self) -> list[tuple[int, tuple[int, ...]]]:
        """(organization, watchlist ids) for each organization, in id order."""
        return [(org, self.watch_ids(org)) for org in sorted(self.organizations)]


_ANY = ""  # the market / topic key of watchlists that name none
_LEVELS = len(Severity)
_NOBODY: frozenset[int] = frozenset()


def _topics(watch: Watch) -> list[str]:
    if not watch.properties and not watch.dimensions:
        return [_ANY]
    return [f"p:{p}" for p in watch.properties] + [f"d:{d}" for d in watch.dimensions]


class _Bucket:
    """The watchlists of one market and topic. `levels` keeps, per minimum severity and
    qualifier signature, each organization's watchlist ids; `plain` and `qualified` are the
    organizations an event of each severity reaches (without qualifiers / per signature)."""

    __slots__ = ("everyone", "levels", "plain", "qualified")

    def __init__(self) -> None:
        self.levels: list[dict[Signature, dict[int, list[int]]]] = [{} for _ in range(_LEVELS)]
        self.everyone: list[frozenset[int]] = []  # for an unqualified fact: every signature
        self.plain: list[frozenset[int]] = []
        self.qualified: list[dict[Signature, frozenset[int]]] = []

    def add(self, watch: Watch, organization: int) -> None:
        signature = tuple(sorted(watch.qualifiers.items()))
        groups = self.levels[int(watch.min_severity)]
        groups.setdefault(signature, {}).setdefault(organization, []).append(watch.id)

    def freeze(self) -> None:
        for severity in range(_LEVELS):
            plain: set[int] = set()
            qualified: dict[Signature, set[int]] = {}
            for level in range(severity, _LEVELS):
                for signature, group in self.levels[level].items():
                    (qualified.setdefault(signature, set()) if signature else plain).update(group)
            self.plain.append(frozenset(plain))
            self.everyone.append(frozenset(plain.union(*qualified.values())))
            self.qualified.append({sig: frozenset(orgs) for sig, orgs in qualified.items()})


class WatchIndex:
    """Watchlists keyed by market, then by topic (property, dimension or any), then by
    minimum severity and qualifiers."""

    def __init__(
        self, watches: Iterable[Watch], members: Mapping[str, Iterable[str]] | None = None
    ) -> None:
        with cyclic_gc_paused():
            self._build(watches, members or {})

    def _build(self, watches: Iterable[Watch], members: Mapping[str, Iterable[str]]) -> None:
        watches = list(watches)
        # One int object per organization, made one after the other: the sets share them,
        # and a union, which touches each member's object, reads a few contiguous pages
        # instead of an object per watchlist scattered over the heap.
        organization = {org: (org + 1) - 1 for org in sorted({w.organization_id for w in watches})}
        index: dict[str, dict[str, _Bucket]] = defaultdict(dict)
        self.size = 0
        self.signatures: set[Signature] = set()
        for watch in watches:
            self.size += 1
            if watch.qualifiers:
                self.signatures.add(tuple(sorted(watch.qualifiers.items())))
            markets: set[str] = set()
            for code in watch.markets or (_ANY,):
                markets.add(code)
                markets.update(members.get(code, ()))
            topics = _topics(watch)
            for code in markets:
                by_topic = index[code]
                for topic in topics:
                    bucket = by_topic.get(topic)
                    if bucket is None:
                        bucket = by_topic[topic] = _Bucket()
                    bucket.add(watch, organization[watch.organization_id])
        for by_topic in index.values():
            for bucket in by_topic.values():
                bucket.freeze()
        self._index = dict(index)
        # For unqualified facts: per market and dimension, the organizations reached through
        # the whole-market and the dimension entries together, one set per severity.
        self._broad: dict[str, dict[str, list[frozenset[int]]]] = {}
        self._by_property: dict[str, dict[str, list[frozenset[int]]]] = {}
        for code, by_topic in self._index.items():
            whole = by_topic.get(_ANY)
            broad = self._broad[code] = {}
            properties = self._by_property[code] = {}
            for topic, bucket in by_topic.items():
                if topic.startswith("d:"):
                    broad[topic[2:]] = [
                        bucket.everyone[s] | (whole.everyone[s] if whole else _NOBODY)
                        for s in range(_LEVELS)
                    ]
                elif topic.startswith("p:"):
                    properties[topic[2:]] = bucket.everyone
            if whole is not None:
                broad[_ANY] = whole.everyone
        # Where an event's market is looked up: its own code, then that of the watchlists
        # naming no market (if any), each with its (by dimension, by property) sets.
        self._anywhere = (
            (self._broad[_ANY], self._by_property[_ANY]) if _ANY in self._index else None
        )

    def buckets(self, event: Event) -> list[_Bucket]:
        found = []
        for code in (event.market, _ANY):
            by_topic = self._index.get(code)
            if by_topic is not None:
                for topic in ("p:" + event.property, "d:" + event.dimension, _ANY):
                    bucket = by_topic.get(topic)
                    if bucket is not None:
                        found.append(bucket)
        return found


def _compatible(signature: Signature, qualifiers: Mapping[str, str]) -> bool:
    """Every qualifier of the watchlist is met: the same value, or none on the fact."""
    for key, wanted in signature:
        have = qualifiers.get(key)
        if have is not None and have != wanted:
            return False
    return True


def match_events(index: WatchIndex, events: Sequence[Event]) -> list[Match]:
    """For each event that concerns anyone, the organizations to alert (one alert per
    organization however many of its watchlists match), in the order of the events."""
    with cyclic_gc_paused():
        return _match(index, events)


def _match(index: WatchIndex, events: Sequence[Event]) -> list[Match]:
    matches: list[Match] = []
    broad_of, by_property_of, anywhere = index._broad, index._by_property, index._anywhere
    met_of: dict[frozenset[tuple[str, str]], list[Signature]] = {}  # per qualifier set
    for event in events:
        severity = int(event.severity)
        qualifiers = event.qualifiers
        reached: list[frozenset[int]] = []
        if qualifiers:
            key = frozenset(qualifiers.items())
            met = met_of.get(key)
            if met is None:
                met = met_of[key] = [s for s in index.signatures if _compatible(s, qualifiers)]
            for bucket in index.buckets(event):
                reached.append(bucket.plain[severity])
                groups = bucket.qualified[severity]
                if groups:
                    for signature in met:
                        organizations = groups.get(signature)
                        if organizations:
                            reached.append(organizations)
        else:  # a fact without qualifiers applies to every origin, maker...: all match
            broad = broad_of.get(event.market)
            if broad is not None:
                reach = broad.get(event.dimension) or broad.get(_ANY)
                if reach is not None:
                    reached.append(reach[severity])
                reach = by_property_of[event.market].get(event.property)
                if reach is not None:
                    reached.append(reach[severity])
            if anywhere is not None:
                reach = anywhere[0].get(event.dimension) or anywhere[0].get(_ANY)
                if reach is not None:
                    reached.append(reach[severity])
                reach = anywhere[1].get(event.property)
                if reach is not None:
                    reached.append(reach[severity])
        reached = [organizations for organizations in reached if organizations]
        if not reached:
            continue
        if event.scope != "public":
            owner = int(event.scope[4:])
            if any(owner in organizations for organizations in reached):
                matches.append(Match(event, frozenset((owner,)), index))
        elif len(reached) == 1:
            matches.append(Match(event, reached[0], index))
        else:  # a union grows the largest set by copying it: far quicker than from nothing
            reached.sort(key=len, reverse=True)
            matches.append(Match(event, reached[0].union(*reached[1:]), index))
    return matches


def cause_digest(*parts: object) -> str:
    """A short stable key of a cause ("change", change set, market, property, qualifiers)."""
    text = "\x1f".join(str(part) for part in parts)
    return f"{parts[0]}:" + hashlib.sha256(text.encode()).hexdigest()[:40]


# Dimensions whose changes move trade terms, legal requirements or policy: never mere info.
_WEIGHTY = frozenset({"policy", "regulation", "trade"})


def change_severity(dimension: str, *, read_by_rules: bool) -> Severity:
    """How severe a published change is, before any assessment: a fact some rule reads can
    change a verdict (major); policy, regulation and trade facts matter (minor); the rest is
    information."""
    if read_by_rules:
        return Severity.MAJOR
    return Severity.MINOR if dimension in _WEIGHTY else Severity.INFO


def deadline_severity(dimension: str, *, read_by_rules: bool, horizon_days: int) -> Severity:
    """A date coming near is as severe as a change of its fact, one step more within a week
    (never more than major: only an assessment says blocker)."""
    base = change_severity(dimension, read_by_rules=read_by_rules)
    if horizon_days <= 7 and base > Severity.MAJOR:
        return Severity(base - 1)
    return base
