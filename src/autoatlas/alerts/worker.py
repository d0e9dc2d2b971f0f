"""The worker: produce alerts from new events, emit deadline events, queue digests, and
deliver the queue.

Delivery is at-least-once: a worker claims due deliveries in a short transaction (a lease
until `claimed_until`), sends them outside any transaction, and records each result in
another short transaction. A worker that dies holding claims leaves them to expire and be
claimed again; the idempotency key lets the receiver see each delivery once. Several
workers share the queue on PostgreSQL (FOR UPDATE SKIP LOCKED); on SQLite run one.

Failed attempts are retried with exponential backoff and jitter for at least 24 hours from
the first attempt, then the delivery becomes a dead letter an admin can replay.
"""

from __future__ import annotations

import gc
import logging
import random
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol, TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from autoatlas.alerts.channels.email import SmtpSettings, send_email
from autoatlas.alerts.channels.webhook import Connections, Outcome, post_webhook
from autoatlas.alerts.deadlines import scan_deadlines
from autoatlas.alerts.digests import queue_digests
from autoatlas.alerts.portfolio import PRICE_THRESHOLD_PERCENT, Portfolio
from autoatlas.alerts.producer import CHANGE_CURSOR, DEADLINE_CURSOR, Producer
from autoatlas.store import alerts as store
from autoatlas.store.engine import WriteTx, connect, write_tx
from autoatlas.vocabulary import Vocabulary

__all__ = [
    "Backoff",
    "Clock",
    "RunReport",
    "SystemClock",
    "Worker",
    "WorkerConfig",
]

log = logging.getLogger("autoatlas.worker")
T = TypeVar("T")
RECORD_WITHIN = 0.1  # seconds a finished attempt may wait to be recorded with others
_FROZEN: list[bool] = []


class Clock(Protocol):
    """Naive UTC now; injectable so tests run a day of retries in seconds."""

    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter, for at least `window` from the first attempt."""

    base: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    cap: timedelta = timedelta(hours=6)
    jitter: float = 0.2  # each delay is scaled by a random factor in [1 - jitter, 1 + jitter]
    window: timedelta = timedelta(hours=24)

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        """The wait after the `attempts`-th failed attempt (1, 2, ...)."""
        plain = min(
            self.cap.total_seconds(), self.base.total_seconds() * self.factor ** (attempts - 1)
        )
        return timedelta(seconds=plain * rng.uniform(1 - self.jitter, 1 + self.jitter))

    def next_attempt(
        self, *, attempts: int, now: datetime, window_start: datetime, rng: random.Random
    ) -> datetime | None:
        """When to try again after a failure at `now`, or None: the window is over (dead)."""
        if now - window_start >= self.window:
            return None
        return now + self.delay(attempts, rng)


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    batch: int = 50  # deliveries claimed at a time (at most `concurrency` in flight)
    concurrency: int = 8
    timeout: float = 10.0  # seconds a receiver has to answer
    lease: timedelta = timedelta(seconds=120)
    poll: float = 1.0  # seconds between full passes of an idle worker (digests, deadlines)
    wake: float = 0.05  # seconds between its cheap looks for new events or due deliveries
    event_batch: int = 500
    deadline_every: timedelta = timedelta(hours=1)
    backoff: Backoff = field(default_factory=Backoff)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    price_threshold: Decimal = PRICE_THRESHOLD_PERCENT


@dataclass(slots=True)
class RunReport:
    events: int = 0
    alerts: int = 0
    deadlines: int = 0
    digests: int = 0
    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0

    def add(self, other: RunReport) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


class Worker:
    def __init__(
        self,
        engine: Engine,
        *,
        vocabulary: Vocabulary,
        portfolio: Portfolio | None = None,
        clock: Clock | None = None,
        config: WorkerConfig | None = None,
        rng: random.Random | None = None,
        today: Callable[[], date] | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock or SystemClock()
        self.config = config or WorkerConfig()
        self.rng = rng or random.Random()
        self.today = today or (lambda: self.clock.now().date())
        self.producer = Producer(
            engine,
            vocabulary=vocabulary,
            portfolio=portfolio,
            batch=self.config.event_batch,
            price_threshold=self.config.price_threshold,
        )
        self._last_deadline_scan: datetime | None = None
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(
            max_workers=self.config.concurrency, thread_name_prefix="deliver"
        )
        self.ready = threading.Event()  # set by run_forever once prepared, before its first pass

    def _connections(self) -> Connections:
        """The sending thread's kept-alive webhook connections."""
        found: Connections | None = getattr(self._local, "connections", None)
        if found is None:
            found = self._local.connections = {}
        return found

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    # -- producing ------------------------------------------------------------------------
    def produce(self) -> RunReport:
        """Alerts from every new change and deadline event, and due digests."""
        report = RunReport()
        now, today = self.clock.now(), self.today()
        if self._last_deadline_scan is None or (
            now - self._last_deadline_scan >= self.config.deadline_every
        ):
            report.deadlines = scan_deadlines(self.engine, today=today)
            self._last_deadline_scan = now
        for step in (self.producer.changes, self.producer.deadlines):
            while True:
                made = step(today=today, now=now)
                report.events += made.events
                report.alerts += made.alerts
                if made.events == 0:
                    break
        report.digests = queue_digests(self.engine, now=now)
        return report

    # -- delivering -----------------------------------------------------------------------
    def _claim(self, tx: WriteTx, now: datetime, limit: int) -> list[store.ClaimedDelivery]:
        return store.claim_deliveries(
            tx,
            now=now,
            lease_until=now + self.config.lease,
            token=secrets.token_hex(8),
            limit=limit,
        )

    def _send(self, claim: store.ClaimedDelivery) -> Outcome:
        timeout = self.config.timeout
        try:
            if claim.kind == "webhook":
                return post_webhook(
                    claim.target,
                    claim.payload.encode(),
                    secret=claim.secret or "",
                    timestamp=int(self.clock.now().replace(tzinfo=UTC).timestamp()),
                    idempotency_key=claim.idempotency_key,
                    timeout=timeout,
                    connections=self._connections(),
                )
            if claim.kind == "email":
                payload: dict[str, Any] = orjson.loads(claim.payload)
                return send_email(
                    self.config.smtp,
                    to=claim.target,
                    payload=payload,
                    idempotency_key=claim.idempotency_key,
                )  # the SMTP server's own timeout (AUTOATLAS_SMTP_TIMEOUT), not a receiver's
            return Outcome(False, f"unknown channel kind {claim.kind!r}")
        except Exception as exc:  # a sender bug must not stop the worker
            log.exception("delivery %s failed unexpectedly", claim.id)
            return Outcome(False, f"{type(exc).__name__}: {exc}")

    def _outcomes(
        self, results: list[tuple[store.ClaimedDelivery, Outcome]], now: datetime
    ) -> tuple[RunReport, list[tuple[store.ClaimedDelivery, Outcome, datetime | None]]]:
        """What each finished attempt leads to: delivered, a next attempt, or dead."""
        report = RunReport()
        rows: list[tuple[store.ClaimedDelivery, Outcome, datetime | None]] = []
        for claim, outcome in results:
            next_at = None
            if outcome.ok:
                report.delivered += 1
            else:
                next_at = self.config.backoff.next_attempt(
                    attempts=claim.attempts + 1,
                    now=now,
                    window_start=claim.window_start,
                    rng=self.rng,
                )
                if next_at is None:
                    report.dead += 1
                else:
                    report.failed += 1
            rows.append((claim, outcome, next_at))
        return report, rows

    def _write_results(
        self,
        tx: WriteTx,
        rows: list[tuple[store.ClaimedDelivery, Outcome, datetime | None]],
        now: datetime,
    ) -> None:
        store.record_delivered_many(
            tx, [claim.id for claim, outcome, _ in rows if outcome.ok], now=now
        )
        for claim, outcome, next_at in rows:
            if not outcome.ok:
                store.record_failure(
                    tx,
                    claim.id,
                    token=claim.token,
                    error=outcome.detail,
                    next_attempt_at=next_at,
                )

    def _settle(
        self, results: list[tuple[store.ClaimedDelivery, Outcome]], room: int
    ) -> tuple[RunReport, list[store.ClaimedDelivery]]:
        """Record finished attempts and claim up to `room` more, in one short transaction
        (a transaction is most of the cost of a delivery on loopback). Recording is retried
        across a dropped connection; a claim alone is not (the loop reconnects)."""
        now = self.clock.now()
        report, rows = self._outcomes(results, now)

        def settle() -> list[store.ClaimedDelivery]:
            with write_tx(self.engine) as tx:
                self._write_results(tx, rows, now)
                return self._claim(tx, now, room) if room else []

        return report, (self._retry_db(settle) if rows else settle())

    def deliver(self) -> RunReport:
        """Deliver what is due now until nothing is due. Up to `concurrency` sends run at once
        (a slow receiver holds one slot, never the others); claims are taken ahead, at most
        twice the concurrency. Results are recorded together, with the next claim, at the
        latest `RECORD_WITHIN` seconds after they come in; once a claim finds less than it
        asked for, the queue is drained and only the sends in flight are awaited."""
        report = RunReport()
        in_flight: dict[Future[Outcome], store.ClaimedDelivery] = {}
        finished: list[tuple[store.ClaimedDelivery, Outcome]] = []
        oldest = 0.0  # when the oldest result not yet recorded came in
        ahead = 2 * self.config.concurrency
        drained = False
        while True:
            room = 0 if drained else min(self.config.batch, ahead - len(in_flight))
            claim = room >= self.config.concurrency or (room > 0 and not in_flight)
            due = bool(finished) and (
                not in_flight
                or len(finished) >= self.config.concurrency
                or time.monotonic() - oldest >= RECORD_WITHIN
            )
            if claim or due:
                settled, claims = self._settle(finished, room if claim else 0)
                finished = []
                report.add(settled)
                report.claimed += len(claims)
                drained = drained or (claim and len(claims) < room)
                for item in claims:
                    in_flight[self._pool.submit(self._send, item)] = item
            if not in_flight:
                return report
            timeout = self.config.poll
            if finished:
                timeout = max(0.0, oldest + RECORD_WITHIN - time.monotonic())
            done, _ = wait(list(in_flight), timeout=timeout, return_when=FIRST_COMPLETED)
            if done:
                if not finished:
                    oldest = time.monotonic()
                finished += [(in_flight.pop(future), future.result()) for future in done]

    # -- running --------------------------------------------------------------------------
    def run_once(self) -> RunReport:
        report = self.produce()
        report.add(self.deliver())
        return report

    def run_forever(self, stop: threading.Event | None = None) -> None:
        """Loop until `stop` is set. Producing and delivering fail apart: a database error
        (a lost connection, a restarted server) is logged and the loop goes on after a pause
        with fresh connections; any other error in producing is logged and never stops the
        deliveries already queued."""
        stop = stop or threading.Event()
        pause = self.config.poll
        try:
            self.producer.prepare(today=self.today())
        except Exception:  # the first pass does the same work and reports what fails
            log.exception("preparing the producer failed; going on")
        if not _FROZEN:
            # What the process holds by now (vocabulary, rules, index) lives as long as it
            # does: kept out of the collector's full passes, which otherwise stall a batch of
            # a thousand alerts for a few hundred milliseconds scanning it. Once a process.
            gc.collect()
            gc.freeze()
            _FROZEN.append(True)
        self.ready.set()
        while not stop.is_set():
            report = RunReport()
            try:
                report.add(self._guarded(self.produce))
                report.add(self._guarded(self.deliver))
                pause = self.config.poll
            except sa.exc.DBAPIError as exc:
                log.warning("database error, reconnecting: %s", exc.__class__.__name__)
                self.engine.dispose()
                stop.wait(pause)
                pause = min(pause * 2, 30.0)
                continue
            if report.claimed == 0 and report.events == 0:
                self._wait_for_work(stop)

    def _wait_for_work(self, stop: threading.Event) -> None:
        """Wait up to `poll` seconds, looking every `wake` seconds (reads only) for a new event
        or a due delivery: an approval is acted on within `wake`, and an idle worker writes
        nothing between its full passes."""
        until = time.monotonic() + self.config.poll
        while True:
            left = until - time.monotonic()
            if left <= 0 or stop.wait(min(self.config.wake, left)):
                return
            try:
                if self._work_waiting():
                    return
            except sa.exc.DBAPIError:
                return  # the full pass meets the same error, logs it and reconnects

    def _work_waiting(self) -> bool:
        with connect(self.engine) as connection:
            return store.events_waiting(
                connection, change_cursor=CHANGE_CURSOR, deadline_cursor=DEADLINE_CURSOR
            ) or store.delivery_due(connection, now=self.clock.now())

    def _guarded(self, step: Callable[[], RunReport]) -> RunReport:
        try:
            return step()
        except sa.exc.DBAPIError:
            raise
        except Exception:
            log.exception("%s failed; going on", step.__name__)
            return RunReport()

    def _retry_db(self, action: Callable[[], T], attempts: int = 20) -> T:
        """Record a result even across a dropped connection; give up after a while (the
        lease then expires and the delivery is sent again: at least once)."""
        pause = 0.05
        for attempt in range(attempts):
            try:
                return action()
            except sa.exc.DBAPIError:
                if attempt == attempts - 1:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 2.0)
        raise AssertionError("unreachable")
