"""The worker as real processes over real HTTP on loopback: killed with SIGKILL in the middle
of a batch, two workers sharing a PostgreSQL queue, and backends terminated under it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from alerts_helpers import Receiver, org_id, people, queue_alerts, receiving

from autoatlas.alerts.channels import manage
from autoatlas.atlas import Atlas
from autoatlas.store import alerts as store
from autoatlas.store.engine import create_engine

# The worker command exactly as `autoatlas worker` runs it, whatever main.py registers.
WORKER = (
    "import typer\n"
    "from autoatlas.cli.commands.alerts import worker\n"
    "app = typer.Typer()\n"
    "app.command()(worker)\n"
    "app()\n"
)


@contextmanager
def running_worker(database_url: str, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "AUTOATLAS_DATABASE_URL": database_url}
    child = subprocess.Popen(
        [sys.executable, "-c", WORKER, "--poll", "0.05", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
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
        if child.stderr:
            child.stderr.close()


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def states(atlas: Atlas) -> dict[str, str]:
    with atlas.read() as connection:
        return {d.idempotency_key: d.state for d in store.list_deliveries(connection)}


def setup_queue(atlas: Atlas, receiver: Receiver, count: int) -> list[str]:
    who = people(atlas)
    with atlas.write() as tx:
        channel, secret = manage.add_channel(
            tx, who["admin@byd"], kind="webhook", target=receiver.url
        )
    receiver.secret = secret or ""
    return queue_alerts(
        atlas, organization_id=org_id(atlas, "byd"), channel_id=channel.id, count=count
    )


def test_a_worker_killed_mid_batch_loses_nothing_and_the_receiver_sees_each_once(
    atlas: Atlas, database_url: str
) -> None:
    with receiving(Receiver(delay=0.05, check_time=True)) as receiver:
        keys = setup_queue(atlas, receiver, 40)
        options = ("--lease", "2", "--timeout", "1", "--concurrency", "4", "--batch", "4")
        with running_worker(database_url, *options) as first:
            wait_for(lambda: len(receiver.keys) >= 8, 30, "the first deliveries")
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        at_kill = states(atlas)
        assert sum(s == "delivered" for s in at_kill.values()) < len(keys)
        with running_worker(database_url, *options):
            wait_for(lambda: all(s == "delivered" for s in states(atlas).values()), 40, "delivery")
    assert receiver.unique == set(keys)  # at least once each...
    assert all(r.signed for r in receiver.requests)  # ...signed, with fresh timestamps


def postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers share a queue on PostgreSQL")


def test_two_workers_on_postgresql_never_deliver_one_claim_twice(
    atlas: Atlas, database_url: str
) -> None:
    postgres_only(database_url)
    with receiving(Receiver(delay=0.02)) as receiver:
        keys = setup_queue(atlas, receiver, 120)
        options = ("--lease", "30", "--timeout", "5", "--concurrency", "4", "--batch", "4")
        with running_worker(database_url, *options), running_worker(database_url, *options):
            wait_for(lambda: all(s == "delivered" for s in states(atlas).values()), 40, "delivery")
    assert sorted(receiver.keys) == sorted(keys)  # each exactly once: no claim went twice


def test_the_worker_reconnects_when_its_backends_are_terminated(
    atlas: Atlas, database_url: str
) -> None:
    postgres_only(database_url)
    database = sa.make_url(database_url).database
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    terminated = 0
    with receiving(Receiver(delay=0.05)) as receiver:
        keys = setup_queue(atlas, receiver, 60)
        options = ("--lease", "3", "--timeout", "2", "--concurrency", "2", "--batch", "2")
        with running_worker(database_url, *options) as child:
            wait_for(lambda: len(receiver.keys) >= 10, 30, "the first deliveries")
            for _ in range(3):  # a few times, so some land mid-transaction
                with admin.connect() as connection:
                    terminated += connection.execute(
                        sa.text(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = :db AND application_name = 'autoatlas-worker'"
                        ),
                        {"db": database},
                    ).scalar_one()
                time.sleep(0.2)
            wait_for(lambda: all(s == "delivered" for s in states(atlas).values()), 40, "delivery")
            assert child.poll() is None  # still running
    admin.dispose()
    assert terminated >= 1
    assert receiver.unique == set(keys)
