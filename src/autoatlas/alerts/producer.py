"""From events to alerts: read new change and deadline events from their watermark, match
them against the watchlists, re-assess the portfolio pairs a change can move, and write the
alerts with their deliveries in one short transaction that also advances the watermark.

The reads (matching, assessments) happen before that transaction; the transaction moves the
watermark only from where the reads started, so of two workers that read the same events
one writes them and the other's transaction changes nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from autoatlas.alerts import portfolio as portfolio_alerts
from autoatlas.alerts.matching import (
    Event,
    Match,
    Severity,
    WatchIndex,
    cause_digest,
    change_severity,
    deadline_severity,
    match_events,
)
from autoatlas.alerts.portfolio import Portfolio, PortfolioPair
from autoatlas.alerts.watchlists import build_index
from autoatlas.store import alerts as store
from autoatlas.store.accounts import list_organizations
from autoatlas.store.engine import connect, write_tx
from autoatlas.vocabulary import Vocabulary

__all__ = ["PlannedAlert", "Producer", "deliveries_for_alert"]

log = logging.getLogger("autoatlas.worker")
CHANGE_CURSOR = "change_event"
DEADLINE_CURSOR = "deadline_event"


@dataclass(slots=True)
class PlannedAlert:
    organization_id: int
    cause: str
    kind: str
    severity: Severity
    market: str
    property: str | None
    title: str
    detail: dict[str, Any]
    change_set_id: int | None = None


@dataclass(slots=True)
class _Group:
    """The events of one change set on one statement: one cause (superseded + added = one)."""

    cause: str
    first: store.EventRow
    events: list[store.EventRow] = field(default_factory=list)


def _dimension(vocabulary: Vocabulary, prop: str) -> str:
    found = vocabulary.properties.get(prop)
    return found.dimension if found else prop.partition(".")[0]


def _change_groups(events: Sequence[store.EventRow]) -> list[_Group]:
    groups: dict[str, _Group] = {}
    for event in events:
        cause = cause_digest(
            "change",
            event.change_set_id,
            event.market,
            event.property,
            sorted(event.qualifiers.items()),
            event.scope,
        )
        group = groups.get(cause)
        if group is None:
            group = groups[cause] = _Group(cause, event)
        group.events.append(event)
    return list(groups.values())


def _pairs(matches: Sequence[Match]) -> list[tuple[Match, int, tuple[int, ...]]]:
    return [(m, org, ids) for m in matches for org, ids in m.pairs()]


def plan_change_alerts(
    events: Sequence[store.EventRow],
    index: WatchIndex,
    vocabulary: Vocabulary,
    values: dict[int, dict[str, Any]],
) -> list[PlannedAlert]:
    """Watchlist alerts for change events (pure, given the values of the facts)."""
    groups = _change_groups(events)
    by_cause = {g.cause: g for g in groups}
    matched = match_events(
        index,
        [
            Event(
                cause=g.cause,
                market=g.first.market,
                property=g.first.property,
                dimension=_dimension(vocabulary, g.first.property),
                qualifiers=g.first.qualifiers,
                scope=g.first.scope,
                severity=change_severity(
                    _dimension(vocabulary, g.first.property),
                    read_by_rules=portfolio_alerts.moves_assessments(g.first.property),
                ),
            )
            for g in groups
        ],
    )
    planned = []
    for match, organization_id, watch_ids in _pairs(matched):
        group = by_cause[match.event.cause]
        head = group.first
        before = [values[e.fact_id] for e in group.events if e.kind in ("superseded", "retracted")]
        after = [values[e.fact_id] for e in group.events if e.kind in ("added", "trimmed")]
        kinds = "/".join(sorted({e.kind for e in group.events}))
        planned.append(
            PlannedAlert(
                organization_id=organization_id,
                cause=match.event.cause,
                kind="change",
                severity=match.event.severity,
                market=head.market,
                property=head.property,
                title=f"{head.market}: {head.property} {kinds}",
                detail={
                    "change_set": {"id": head.change_set_id, "title": head.change_set_title},
                    "qualifiers": head.qualifiers,
                    "scope": head.scope,
                    "before": before,
                    "after": after,
                    "events": [e.id for e in group.events],
                    "watchlists": list(watch_ids),
                },
                change_set_id=head.change_set_id,
            )
        )
    return planned


def plan_deadline_alerts(
    events: Sequence[store.EventRow], index: WatchIndex, vocabulary: Vocabulary, today: date
) -> list[PlannedAlert]:
    """Watchlist alerts for deadline events (pure)."""
    by_cause: dict[str, store.EventRow] = {}
    candidates = []
    for event in events:
        assert event.horizon_days is not None and event.valid_from is not None
        cause = cause_digest("deadline", event.fact_id, event.horizon_days)
        by_cause[cause] = event
        dimension = _dimension(vocabulary, event.property)
        candidates.append(
            Event(
                cause=cause,
                market=event.market,
                property=event.property,
                dimension=dimension,
                qualifiers=event.qualifiers,
                scope=event.scope,
                severity=deadline_severity(
                    dimension,
                    read_by_rules=portfolio_alerts.moves_assessments(event.property),
                    horizon_days=event.horizon_days,
                ),
            )
        )
    planned = []
    for match, organization_id, watch_ids in _pairs(match_events(index, candidates)):
        event = by_cause[match.event.cause]
        assert event.valid_from is not None
        days = (event.valid_from - today).days
        planned.append(
            PlannedAlert(
                organization_id=organization_id,
                cause=match.event.cause,
                kind="deadline",
                severity=match.event.severity,
                market=event.market,
                property=event.property,
                title=(
                    f"{event.market}: {event.property} takes effect on "
                    f"{event.valid_from.isoformat()} (within {event.horizon_days} days)"
                ),
                detail={
                    "fact_id": event.fact_id,
                    "valid_from": event.valid_from.isoformat(),
                    "horizon_days": event.horizon_days,
                    "days_left": days,
                    "qualifiers": event.qualifiers,
                    "scope": event.scope,
                    "watchlists": list(watch_ids),
                },
            )
        )
    return planned


def plan_portfolio_alerts(
    connection: Connection,
    events: Sequence[store.EventRow],
    pairs: Sequence[PortfolioPair],
    *,
    on: date,
    threshold: Decimal,
) -> list[PlannedAlert]:
    """Re-assess the pairs each change set can move; one alert per org, model and market."""
    by_change_set: dict[int, list[store.EventRow]] = defaultdict(list)
    for event in events:
        if event.change_set_id is not None and portfolio_alerts.moves_assessments(event.property):
            by_change_set[event.change_set_id].append(event)
    planned: list[PlannedAlert] = []
    if not by_change_set:
        return planned
    holdings = portfolio_alerts.Holdings.of(connection, pairs, on)  # once for the batch
    for change_set_id, moving in by_change_set.items():
        head = moving[0]
        results = portfolio_alerts.reassess(
            connection,
            holdings,
            moving,
            published_at=head.created_at,
            on=on,
            threshold=threshold,
        )
        for pair, change in results:
            what = ", ".join(sorted({c["change"].replace("_", " ") for c in change.changes}))
            planned.append(
                PlannedAlert(
                    organization_id=pair.organization_id,
                    cause=cause_digest(
                        "assessment",
                        change_set_id,
                        pair.organization_id,
                        pair.model.id,
                        pair.market,
                    ),
                    kind="assessment",
                    severity=change.severity,
                    market=pair.market,
                    property=None,
                    title=f"{pair.model.id} in {pair.market}: {what}",
                    detail={
                        "model": pair.model.id,
                        "on": on.isoformat(),
                        "changes": change.changes,
                        "before": change.before,
                        "after": change.after,
                        "change_set": {"id": change_set_id, "title": head.change_set_title},
                        "properties": sorted({e.property for e in moving}),
                    },
                    change_set_id=change_set_id,
                )
            )
    return planned


def alert_payload(
    alert_id: int, planned: PlannedAlert, organization: str, created_at: datetime
) -> dict[str, Any]:
    return {
        "type": "alert",
        "alert": {
            "id": alert_id,
            "organization": organization,
            "kind": planned.kind,
            "severity": planned.severity.label,
            "market": planned.market,
            "property": planned.property,
            "title": planned.title,
            "detail": planned.detail,
            "change_set_id": planned.change_set_id,
            "created_at": created_at.isoformat(),
        },
    }


def deliveries_for_alert(
    alert_id: int,
    planned: PlannedAlert,
    *,
    channels: Sequence[store.ChannelRow],
    organization: str,
    created_at: datetime,
) -> list[dict[str, Any]]:
    """The deliveries of one alert: each immediate channel it is severe enough for."""
    payload = alert_payload(alert_id, planned, organization, created_at)
    return [
        {
            "channel_id": channel.id,
            "alert_id": alert_id,
            "idempotency_key": f"alert-{alert_id}-channel-{channel.id}",
            "payload": payload,
        }
        for channel in channels
        if channel.cadence == "immediate"
        and planned.severity <= Severity.parse(channel.min_severity)
    ]


@dataclass(slots=True)
class ProduceReport:
    events: int = 0
    alerts: int = 0
    deliveries: int = 0


class Producer:
    """Turns new events into alerts; keeps the watchlist index between batches."""

    def __init__(
        self,
        engine: Engine,
        *,
        vocabulary: Vocabulary,
        portfolio: Portfolio | None,
        batch: int = 500,
        price_threshold: Decimal = portfolio_alerts.PRICE_THRESHOLD_PERCENT,
    ) -> None:
        self.engine = engine
        self.vocabulary = vocabulary
        self.portfolio = portfolio
        self.batch = batch
        self.price_threshold = price_threshold
        self._index: WatchIndex | None = None
        self._index_key: tuple[Any, ...] | None = None

    def index(self, connection: Connection, on: date) -> WatchIndex:
        key = (store.watchlist_version(connection), on)
        if self._index is None or key != self._index_key:
            self._index, self._index_key = build_index(connection, on), key
        return self._index

    def prepare(self, *, today: date) -> None:
        """The one-off work of a first batch (the watchlist index, the rules' declared reads),
        done when the worker starts, so the first change set after a start is as quick as
        the next."""
        with connect(self.engine) as connection:
            self.index(connection, today)
        portfolio_alerts.moves_assessments("")

    def changes(self, *, today: date, now: datetime) -> ProduceReport:
        """One batch of change events; an empty report when there are none."""
        with connect(self.engine) as connection:
            position = store.get_cursor(connection, CHANGE_CURSOR)
            events = store.change_events_after(connection, position, self.batch)
            if not events:
                return ProduceReport()
            index = self.index(connection, today)
            values = store.fact_values(connection, [e.fact_id for e in events])
            planned = plan_change_alerts(events, index, self.vocabulary, values)
            if self.portfolio is not None and any(
                portfolio_alerts.moves_assessments(e.property) for e in events
            ):
                try:
                    pairs = self.portfolio.pairs(connection, today)
                    planned += plan_portfolio_alerts(
                        connection, events, pairs, on=today, threshold=self.price_threshold
                    )
                except DBAPIError:
                    raise
                except Exception:  # a bad model must not hold up everyone's alerts
                    log.exception("re-assessing the portfolios failed; watchlist alerts go on")
        return self._write(CHANGE_CURSOR, position, events[-1].id, len(events), planned, now)

    def deadlines(self, *, today: date, now: datetime) -> ProduceReport:
        with connect(self.engine) as connection:
            position = store.get_cursor(connection, DEADLINE_CURSOR)
            events = store.deadline_events_after(connection, position, self.batch)
            if not events:
                return ProduceReport()
            index = self.index(connection, today)
            planned = plan_deadline_alerts(events, index, self.vocabulary, today)
        return self._write(DEADLINE_CURSOR, position, events[-1].id, len(events), planned, now)

    def _write(
        self,
        cursor: str,
        old: int,
        new: int,
        count: int,
        planned: Sequence[PlannedAlert],
        now: datetime,
    ) -> ProduceReport:
        report = ProduceReport(events=count)
        with write_tx(self.engine) as tx:
            if not store.advance_cursor(tx, cursor, old=old, new=new):
                return ProduceReport()  # another worker wrote this batch
            orgs = {o.id: o.slug for o in list_organizations(tx.connection)}
            channels: dict[int, list[store.ChannelRow]] = defaultdict(list)
            for channel in store.list_channels(
                tx.connection, organization_ids=sorted({p.organization_id for p in planned})
            ):
                channels[channel.organization_id].append(channel)
            ids = store.insert_alerts(
                tx,
                [
                    {
                        "organization_id": item.organization_id,
                        "cause": item.cause,
                        "kind": item.kind,
                        "severity": item.severity.label,
                        "rank": int(item.severity),
                        "market": item.market,
                        "property": item.property,
                        "title": item.title,
                        "detail": item.detail,
                        "change_set_id": item.change_set_id,
                    }
                    for item in planned  # in the order of the events
                ],
            )
            queue: list[dict[str, Any]] = []
            for item, alert_id in zip(planned, ids, strict=True):
                if alert_id is None:
                    continue
                report.alerts += 1
                queue += deliveries_for_alert(
                    alert_id,
                    item,
                    channels=channels[item.organization_id],
                    organization=orgs.get(item.organization_id, str(item.organization_id)),
                    created_at=tx.now,
                )
            report.deliveries = store.enqueue_deliveries(tx, queue, now=now)
        return report
