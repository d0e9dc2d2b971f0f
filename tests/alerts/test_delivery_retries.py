"""Delivery: retries on schedule for 24 h (an injected clock runs them in seconds), dead
letters and their replay, slow receivers holding nobody up, digests and e-mail over SMTP."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import time
from datetime import timedelta
from email import message_from_bytes, policy
from typing import Any

import orjson
import pytest
from aiosmtpd.controller import Controller
from alerts_helpers import (
    FakeClock,
    Receiver,
    down_url,
    fact,
    org_id,
    people,
    publish,
    queue_alerts,
    receiving,
)

from autoatlas.alerts.channels import manage
from autoatlas.alerts.channels.email import SmtpSettings
from autoatlas.alerts.channels.webhook import sign, verify
from autoatlas.alerts.watchlists import create_watchlist
from autoatlas.alerts.worker import Backoff, Worker, WorkerConfig
from autoatlas.atlas import Atlas
from autoatlas.config import Settings
from autoatlas.store import alerts as store

TIMEOUT = 0.2


def make_worker(atlas: Atlas, clock: FakeClock, **extra: Any) -> Worker:
    config = WorkerConfig(timeout=TIMEOUT, poll=0.02, concurrency=8, **extra)
    return Worker(
        atlas.engine,
        vocabulary=atlas.vocabulary,
        clock=clock,
        config=config,
        rng=random.Random(42),
    )


def deliveries(atlas: Atlas) -> dict[int, store.DeliveryRow]:
    with atlas.read() as connection:
        return {d.channel_id: d for d in store.list_deliveries(connection)}


def test_signatures_and_stale_timestamps() -> None:
    body = b'{"a":1}'
    signature = sign("s3cret", 1_700_000_000, body)
    assert verify("s3cret", body, timestamp="1700000000", signature=signature, now=1_700_000_100)
    assert not verify(
        "s3cret", body, timestamp="1700000000", signature=signature, now=1_700_000_000 + 301
    )  # stale: a replay
    assert not verify("other", body, timestamp="1700000000", signature=signature, now=1_700_000_000)
    assert not verify(
        "s3cret", body + b" ", timestamp="1700000000", signature=signature, now=1_700_000_000
    )


def test_the_backoff_schedule_grows_with_jitter_and_lasts_a_day() -> None:
    backoff, rng = Backoff(), random.Random(7)
    delays = [backoff.delay(n, rng).total_seconds() for n in range(1, 15)]
    for n, delay in enumerate(delays, start=1):
        plain = min(6 * 3600, 30 * 2 ** (n - 1))
        assert 0.8 * plain <= delay <= 1.2 * plain
    assert sum(delays) >= 24 * 3600


def test_failing_receivers_are_retried_for_a_day_without_holding_others_up(
    atlas: Atlas,
) -> None:
    who = people(atlas)
    byd = org_id(atlas, "byd")
    clock = FakeClock()
    with (
        receiving(Receiver()) as healthy,
        receiving(Receiver(mode="fail")) as failing,
        receiving(Receiver(mode="slow", delay=1.0)) as slow,
        receiving(Receiver(mode="late", delay=TIMEOUT * 3)) as late,
    ):
        targets = {
            "healthy": healthy.url,
            "failing": failing.url,
            "slow": slow.url,
            "late": late.url,
            "down": down_url(),
        }
        channel: dict[str, int] = {}
        with atlas.write() as tx:
            for name, url in targets.items():
                row, secret = manage.add_channel(tx, who["admin@byd"], kind="webhook", target=url)
                channel[name] = row.id
                if name == "failing":
                    failing.secret = secret or ""
        for name in targets:
            queue_alerts(
                atlas, organization_id=byd, channel_id=channel[name], count=1, now=clock.now()
            )
        runner = make_worker(atlas, clock)
        started = time.monotonic()
        first = runner.deliver()
        took = time.monotonic() - started
        assert first.delivered == 1 and first.failed == 4
        assert healthy.keys and took < 2.0  # the healthy one did not wait for the others
        # Run a day and a bit of retries: jump the clock to each next attempt.
        attempts_at: list[Any] = []
        for _ in range(40):
            pending = [d for d in deliveries(atlas).values() if d.state == "pending"]
            if not pending:
                break
            clock.set(min(d.next_attempt_at for d in pending))
            attempts_at.append(clock.now())
            runner.deliver()
        final = deliveries(atlas)
        # An admin replays the dead letters; the failing receiver is healthy again.
        with atlas.write() as tx:
            replayed = manage.replay_dead_letters(
                tx, who["admin@byd"], now=clock.now(), delivery_ids=None
            )
        failing.mode = "ok"
        runner.deliver()
        runner.close()
    assert replayed == 3
    assert final[channel["healthy"]].state == "delivered"
    assert final[channel["late"]].state == "delivered"  # the second, prompt answer counts
    assert len(late.keys) == 2 and len(late.unique) == 1  # the receiver sees it once
    for name in ("failing", "slow", "down"):
        dead = final[channel[name]]
        assert dead.state == "dead", name
        assert dead.next_attempt_at - dead.window_start >= timedelta(hours=24)
        assert 12 <= dead.attempts <= 16
    attempts = final[channel["failing"]].attempts
    assert len(failing.keys) == attempts + 1  # nothing lost, none extra; then the replay
    assert all(r.signed for r in failing.requests)
    assert deliveries(atlas)[channel["failing"]].state == "delivered"
    assert len(failing.unique) == 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp() -> Any:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield mailbox, controller.port
    finally:
        controller.stop()
        asyncio.set_event_loop(None)


def test_immediate_e_mail_and_a_daily_digest_from_a_watermark(atlas: Atlas, smtp: Any) -> None:
    mailbox, port = smtp
    who = people(atlas)
    with atlas.write() as tx:
        create_watchlist(
            tx, who["admin@byd"], vocabulary=atlas.vocabulary, name="TH", markets=["TH"]
        )
        manage.add_channel(tx, who["admin@byd"], kind="email", target="ops@byd.example")
        manage.add_channel(
            tx,
            who["admin@byd"],
            kind="email",
            target="boss@byd.example",
            cadence="daily",
            min_severity="major",
        )
    clock = FakeClock()
    runner = make_worker(atlas, clock, smtp=SmtpSettings(host="127.0.0.1", port=port))
    publish(
        atlas,
        who,
        fact("TH", "trade.vat.rate", 7, unit="percent"),
        fact("TH", "culture.official_languages", ["th"]),
    )
    runner.run_once()
    assert sorted(m["To"] for m in mailbox.messages) == ["ops@byd.example"] * 2
    clock.advance(timedelta(days=1, minutes=1))
    runner.run_once()
    runner.run_once()  # nothing new: no second digest
    digests = [m for m in mailbox.messages if m["To"] == "boss@byd.example"]
    assert len(digests) == 1
    assert "daily digest: 1 alert(s)" in digests[0]["Subject"]  # the info one is filtered
    assert "trade.vat.rate" in digests[0].get_content()
    clock.advance(timedelta(days=1, minutes=1))
    publish(atlas, who, fact("TH", "trade.vat.rate", 8, unit="percent"))
    runner.run_once()
    runner.close()
    digests = [m for m in mailbox.messages if m["To"] == "boss@byd.example"]
    assert len(digests) == 2
    assert "superseded" in digests[1].get_content()
    with atlas.read() as connection:
        keys = [d.idempotency_key for d in store.list_deliveries(connection)]
    assert len(keys) == len(set(keys)) == len(mailbox.messages)
    assert orjson.loads(orjson.dumps(keys))  # plain strings, safe to show


def an_alert_to_e_mail(atlas: Atlas) -> None:
    """byd watches TH and has an e-mail channel; a change on TH is published (the worker
    makes it one alert and one e-mail)."""
    who = people(atlas)
    with atlas.write() as tx:
        create_watchlist(
            tx, who["admin@byd"], vocabulary=atlas.vocabulary, name="TH", markets=["TH"]
        )
        manage.add_channel(tx, who["admin@byd"], kind="email", target="ops@byd.example")
    publish(atlas, who, fact("TH", "trade.vat.rate", 7, unit="percent"))


def run_worker_once(database_url: str, **smtp: str) -> subprocess.CompletedProcess[str]:
    """`autoatlas worker --once` as a user runs it, with AUTOATLAS_SMTP_<NAME> variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOATLAS_SMTP_")}
    env |= {f"AUTOATLAS_SMTP_{name.upper()}": value for name, value in smtp.items()}
    env["AUTOATLAS_DATABASE_URL"] = database_url
    command = "from autoatlas.cli.main import main; main()"
    return subprocess.run(
        [sys.executable, "-c", command, "worker", "--once", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_worker_sends_e_mail_through_the_smtp_settings(
    atlas: Atlas, database_url: str, smtp: Any
) -> None:
    mailbox, port = smtp
    an_alert_to_e_mail(atlas)
    done = run_worker_once(
        database_url, host="127.0.0.1", port=str(port), **{"from": "alerts@atlas.example"}
    )
    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout)["delivered"] == 1
    (key,) = [d.idempotency_key for d in deliveries(atlas).values()]
    (message,) = mailbox.messages
    assert message["From"] == "alerts@atlas.example" and message["To"] == "ops@byd.example"
    assert message["Message-ID"] == f"<{key}@atlas.example>"


def test_a_bad_smtp_setting_stops_the_worker_naming_the_variable(
    atlas: Atlas, database_url: str, smtp: Any
) -> None:
    mailbox, _ = smtp
    an_alert_to_e_mail(atlas)
    done = run_worker_once(database_url, host="127.0.0.1", port="70000")
    assert done.returncode == 2  # invalid input
    assert "AUTOATLAS_SMTP_PORT: 70000 is not a port (1-65535)" in done.stderr
    assert mailbox.messages == []
    assert deliveries(atlas) == {}  # nothing changed: no alert made, nothing queued
    with atlas.read() as connection:
        assert store.list_alerts(connection, organization_id=org_id(atlas, "byd")) == []


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"AUTOATLAS_SMTP_PORT": "smtp"}, "AUTOATLAS_SMTP_PORT: 'smtp' is not a whole number"),
        ({"AUTOATLAS_SMTP_PORT": "0"}, "AUTOATLAS_SMTP_PORT: 0 is not a port (1-65535)"),
        ({"AUTOATLAS_SMTP_HOST": " "}, "AUTOATLAS_SMTP_HOST: empty"),
        ({"AUTOATLAS_SMTP_FROM": "atlas"}, "AUTOATLAS_SMTP_FROM: 'atlas' is not an e-mail"),
        ({"AUTOATLAS_SMTP_SECURITY": "ssl"}, "AUTOATLAS_SMTP_SECURITY: 'ssl' is not one of"),
        ({"AUTOATLAS_SMTP_PASSWORD": "pw"}, "AUTOATLAS_SMTP_USER is empty"),
        ({"AUTOATLAS_SMTP_TIMEOUT": "0"}, "AUTOATLAS_SMTP_TIMEOUT: 0 is not more than 0"),
    ],
)
def test_bad_smtp_settings_are_refused_with_the_variable(
    variables: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError) as refused:
        Settings.from_env(variables)
    assert message in str(refused.value)


def test_smtp_settings_reach_the_e_mail_channel_and_the_password_stays_hidden() -> None:
    settings = Settings.from_env(
        {
            "AUTOATLAS_SMTP_HOST": "mail.example.com",
            "AUTOATLAS_SMTP_PORT": "587",
            "AUTOATLAS_SMTP_FROM": "alerts@example.com",
            "AUTOATLAS_SMTP_SECURITY": "starttls",
            "AUTOATLAS_SMTP_USER": "atlas",
            "AUTOATLAS_SMTP_PASSWORD": "s3cret-pw",
            "AUTOATLAS_SMTP_TIMEOUT": "30",
        }
    )
    assert SmtpSettings.from_settings(settings) == SmtpSettings(
        host="mail.example.com",
        port=587,
        sender="alerts@example.com",
        username="atlas",
        password="s3cret-pw",
        security="starttls",
        timeout=30.0,
    )
    assert "s3cret-pw" not in repr(settings)
    assert "s3cret-pw" not in repr(SmtpSettings.from_settings(settings))
