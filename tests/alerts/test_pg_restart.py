"""PostgreSQL restarted in the middle of a run: `autoatlas worker` reconnects and goes on.

The shared test server must not be restarted, so the test runs its own throwaway cluster
(tests/alerts/pg_cluster.py), restarts it with `pg_ctl restart -m fast` and then stops it for a
few seconds and starts it again, both while deliveries are pending, and once more while the
worker idles; a loopback receiver that deduplicates by idempotency key must see every alert,
and the same worker process must still be running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alerts_helpers import Receiver, org_id, people, queue_alerts, receiving
from pg_cluster import Cluster, postgres_bin, throwaway_cluster

from autoatlas.alerts.channels import manage
from autoatlas.atlas import Atlas
from autoatlas.config import Settings
from autoatlas.store import alerts as store
from autoatlas.store.engine import create_engine

pytestmark = pytest.mark.skipif(
    postgres_bin() is None,
    reason="no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql; "
    "scripts/install-system-deps.sh installs them",
)

AUTOATLAS = "from autoatlas.cli.main import main; main()"  # the `autoatlas` console script
GAP = 2.5  # seconds the server stays down between stop and start


@contextmanager
def worker_process(database_url: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "AUTOATLAS_DATABASE_URL": database_url}
    options = ["--poll", "0.05", "--lease", "3", "--timeout", "2", "--concurrency", "2"]
    with log.open("wb") as sink:
        child = subprocess.Popen(
            [sys.executable, "-c", AUTOATLAS, "worker", *options, "--batch", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
        try:
            yield child
        finally:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()


def wait_for(condition: Callable[[], bool], seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()}")
        time.sleep(0.05)


def fresh_database(cluster: Cluster) -> Atlas:
    admin = create_engine(cluster.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql("CREATE DATABASE atlas")
    admin.dispose()
    atlas = Atlas(Settings(database_url=cluster.url_for("atlas")))
    atlas.init()  # migrations and reference data, as `autoatlas init` does
    return atlas


def delivered(atlas: Atlas) -> dict[str, bool]:
    atlas.engine.dispose()  # the test's own connections died with the server too
    with atlas.read() as connection:
        return {
            d.idempotency_key: d.state == "delivered" for d in store.list_deliveries(connection)
        }


def server_started(atlas: Atlas) -> datetime:
    atlas.engine.dispose()
    with atlas.engine.connect() as connection:
        started: datetime = connection.execute(
            sa.text("SELECT pg_postmaster_start_time()")
        ).scalar_one()
    return started


def test_the_worker_survives_a_restart_and_a_stopped_server(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    started = time.monotonic()
    with throwaway_cluster() as cluster, receiving(Receiver(delay=0.1)) as receiver:
        atlas = fresh_database(cluster)
        who = people(atlas)
        with atlas.write() as tx:
            channel, secret = manage.add_channel(
                tx, who["admin@byd"], kind="webhook", target=receiver.url
            )
        receiver.secret = secret or ""
        byd = org_id(atlas, "byd")
        keys = queue_alerts(atlas, organization_id=byd, channel_id=channel.id, count=60)
        with worker_process(cluster.url_for("atlas"), log) as child:
            wait_for(lambda: len(receiver.unique) >= 8, 20, "the first deliveries", log)
            first_start = server_started(atlas)
            cluster.restart()
            at_restart = len(receiver.unique)
            assert at_restart < len(keys), "the restart came too late to be mid-run"
            wait_for(lambda: len(receiver.unique) >= at_restart + 8, 20, "after restart", log)
            assert server_started(atlas) > first_start  # a real restart, not a no-op

            # Down while sends are in flight: their results wait for the server (recorded
            # with retries), then claiming goes on.
            cluster.stop()
            at_stop = len(receiver.unique)
            assert at_stop < len(keys), "the stop came too late to be mid-run"
            time.sleep(GAP)
            assert child.poll() is None, log.read_text()
            cluster.start()
            wait_for(lambda: receiver.unique >= set(keys), 30, "every delivery", log)
            wait_for(lambda: all(delivered(atlas).values()), 10, "every result recorded", log)

            # Down while the worker idles: its next pass fails, it reconnects, and alerts
            # queued once the server is back are delivered too.
            cluster.stop()
            time.sleep(GAP)
            cluster.start()
            atlas.engine.dispose()
            with atlas.write() as tx:  # a second channel: queue_alerts' causes start over
                later, _ = manage.add_channel(
                    tx, who["admin@byd"], kind="webhook", target=receiver.url, secret=secret
                )
            keys += queue_alerts(atlas, organization_id=byd, channel_id=later.id, count=10)
            wait_for(lambda: receiver.unique >= set(keys), 30, "deliveries after idling", log)
            wait_for(lambda: all(delivered(atlas).values()), 10, "every result recorded", log)
            assert child.poll() is None, f"the worker stopped:\n{log.read_text()}"
        atlas.engine.dispose()
    assert receiver.unique == set(keys)  # each at least once, nothing unknown
    assert all(r.signed for r in receiver.requests)
    assert "database error, reconnecting" in log.read_text()  # the idle outage was met
    assert time.monotonic() - started < 30
