"""An idle worker acts on an approval within its short `wake`, not its long `poll`, and its
looks for work between full passes are reads: it writes nothing while there is nothing to do."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import sqlalchemy as sa
from alerts_helpers import Receiver, fact, people, publish, receiving

from autoatlas.alerts.channels import manage
from autoatlas.alerts.watchlists import create_watchlist
from autoatlas.alerts.worker import Worker, WorkerConfig
from autoatlas.atlas import Atlas
from autoatlas.store import alerts as store
from autoatlas.store.schema import store_clock

POLL = 30.0  # a full pass every 30 s: only the cheap look can explain a quick delivery


def last_write(atlas: Atlas) -> datetime:
    with atlas.read() as connection:
        found: datetime = connection.execute(sa.select(store_clock.c.last_tx)).scalar_one()
    return found


def stable(atlas: Atlas, seconds: float) -> bool:
    first = last_write(atlas)
    time.sleep(seconds)
    return last_write(atlas) == first


def wait_until(condition: object, seconds: float) -> bool:
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def test_an_idle_worker_delivers_an_approval_within_its_wake_and_writes_nothing_idle(
    atlas: Atlas,
) -> None:
    who = people(atlas)
    byd = who["admin@byd"]
    with atlas.write() as tx:
        create_watchlist(tx, byd, vocabulary=atlas.vocabulary, name="TH", markets=["TH"])
    runner = Worker(
        atlas.engine,
        vocabulary=atlas.vocabulary,
        config=WorkerConfig(poll=POLL, wake=0.05, timeout=5.0),
    )
    stop = threading.Event()
    thread = threading.Thread(target=runner.run_forever, args=(stop,), daemon=True)
    with receiving(Receiver()) as receiver:
        with atlas.write() as tx:
            manage.add_channel(tx, byd, kind="webhook", target=receiver.url)
        thread.start()
        try:
            # The first full pass finds nothing (its empty claim is a write); the worker then
            # waits up to POLL seconds, looking for work every 50 ms.
            # Quiet for 1.5 s: the first pass is over even on a loaded machine (its writes can
            # be a few hundred ms apart), and the next full pass is POLL = 30 s away.
            assert wait_until(lambda: stable(atlas, 1.5), 20), "an idle worker keeps writing"
            before = last_write(atlas)
            time.sleep(0.6)  # a dozen looks for work
            assert last_write(atlas) == before, "an idle worker wrote"

            approved = time.monotonic()
            publish(atlas, who, fact("TH", "trade.vat.rate", 8, unit="percent"))
            assert wait_until(lambda: len(receiver.requests) == 1, 10)
            assert time.monotonic() - approved < POLL / 3
        finally:
            stop.set()
            thread.join(timeout=10)
            runner.close()
    assert not thread.is_alive()
    with atlas.read() as connection:
        [delivery] = store.list_deliveries(connection)
    assert delivery.state == "delivered"
