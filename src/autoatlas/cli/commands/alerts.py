"""`autoatlas watch` (watchlists), `autoatlas alerts` (inbox, channels, dead letters, feed
tokens) and `autoatlas worker` (the delivery queue)."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta
from typing import Annotated, Any

import typer
from rich.table import Table

from autoatlas.alerts.channels import atom, inbox, manage
from autoatlas.alerts.channels.email import SmtpSettings
from autoatlas.alerts.portfolio import StorePortfolio
from autoatlas.alerts.watchlists import create_watchlist, list_watchlists, remove_watchlist
from autoatlas.alerts.worker import SystemClock, Worker, WorkerConfig
from autoatlas.cli.context import atlas
from autoatlas.cli.output import console, err_console, print_json
from autoatlas.errors import ValidationError
from autoatlas.store.alerts import worker_engine

__all__ = ["alerts_app", "watch_app", "worker"]

watch_app = typer.Typer(
    help="Watchlists: the markets, dimensions, properties and qualifiers an organization "
    "is alerted about.",
    no_args_is_help=True,
)
alerts_app = typer.Typer(
    help="Alerts: the inbox, delivery channels (webhook, e-mail), dead letters, feed tokens.",
    no_args_is_help=True,
)

Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Org = Annotated[str, typer.Option("--org", help="Organization slug.")]


def _qualifiers(pairs: list[str]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValidationError(f"--qualifier {pair!r}: write KEY=VALUE, e.g. origin=CN")
        found[key.strip()] = value.strip()
    return found


@watch_app.command("add")
def watch_add(
    name: Annotated[str, typer.Argument(help="What the watchlist is for.")],
    org: Org,
    market: Annotated[
        list[str] | None, typer.Option("--market", help="Market or bloc code (repeatable).")
    ] = None,
    dimension: Annotated[
        list[str] | None, typer.Option("--dimension", help="Dimension (repeatable).")
    ] = None,
    prop: Annotated[
        list[str] | None, typer.Option("--property", help="Property id (repeatable).")
    ] = None,
    qualifier: Annotated[
        list[str] | None, typer.Option("--qualifier", help="KEY=VALUE, e.g. origin=CN.")
    ] = None,
    min_severity: Annotated[
        str, typer.Option(help="blocker, major, minor or info (the default: everything).")
    ] = "info",
    json: Json = False,
) -> None:
    """Add a watchlist for an organization.

    Example: `autoatlas watch add "EU duties" --org byd --market EU --dimension trade
    --qualifier origin=CN --min-severity minor`
    """
    service_atlas = atlas()
    actor = service_atlas.cli_principal(org)
    with service_atlas.write() as tx:
        row = create_watchlist(
            tx,
            actor,
            vocabulary=service_atlas.vocabulary,
            name=name,
            markets=market or [],
            dimensions=dimension or [],
            properties=prop or [],
            qualifiers=_qualifiers(qualifier or []),
            min_severity=min_severity,
        )
    if json:
        print_json(row.as_dict())
        return
    console.print(f"Watchlist {row.id} added for {org}")


def _all(values: list[str]) -> str:
    return ", ".join(values) or "all"


@watch_app.command("list")
def watch_list(org: Org, json: Json = False) -> None:
    """List an organization's watchlists.

    Example: `autoatlas watch list --org byd --json`
    """
    service_atlas = atlas()
    actor = service_atlas.cli_principal(org)
    with service_atlas.read() as connection:
        rows = list_watchlists(connection, actor)
    if json:
        print_json([row.as_dict() for row in rows])
        return
    table = Table(
        "id",
        "name",
        "markets",
        "dimensions",
        "properties",
        "qualifiers",
        "min severity",
        header_style="bold",
    )
    for row in rows:
        table.add_row(
            str(row.id),
            row.name,
            _all(row.markets),
            _all(row.dimensions),
            _all(row.properties),
            ", ".join(f"{k}={v}" for k, v in row.qualifiers.items()) or "-",
            row.min_severity,
        )
    console.print(table)


@watch_app.command("remove")
def watch_remove(
    watchlist_id: Annotated[int, typer.Argument(help="The watchlist's id.")], org: Org
) -> None:
    """Remove a watchlist.

    Example: `autoatlas watch remove 3 --org byd`
    """
    service_atlas = atlas()
    actor = service_atlas.cli_principal(org)
    with service_atlas.write() as tx:
        remove_watchlist(tx, actor, watchlist_id)
    console.print(f"Watchlist {watchlist_id} removed")


@alerts_app.command("inbox")
def alerts_inbox(
    org: Org,
    unread: Annotated[bool, typer.Option("--unread", help="Only unread alerts.")] = False,
    mark_read: Annotated[bool, typer.Option("--mark-read", help="Mark them read.")] = False,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    json: Json = False,
) -> None:
    """Show an organization's alerts, newest first.

    Example: `autoatlas alerts inbox --org byd --unread`
    """
    service_atlas = atlas()
    actor = service_atlas.cli_principal(org)
    with service_atlas.read() as connection:
        rows = inbox.inbox(connection, actor, unread_only=unread, limit=limit)
    if mark_read and rows:
        with service_atlas.write() as tx:
            inbox.mark_read(tx, actor, [r.id for r in rows])
    if json:
        print_json([row.as_dict() for row in rows])
        return
    table = Table("id", "severity", "kind", "title", "created", "read", header_style="bold")
    for row in rows:
        table.add_row(
            str(row.id),
            row.severity,
            row.kind,
            row.title,
            row.created_at.isoformat(sep=" ", timespec="seconds"),
            "yes" if row.read_at else "",
        )
    console.print(table)


@alerts_app.command("channel-add")
def channel_add(
    kind: Annotated[str, typer.Argument(help="webhook or email.")],
    target: Annotated[str, typer.Argument(help="The webhook URL or the e-mail address.")],
    org: Org,
    cadence: Annotated[
        str, typer.Option(help="immediate, or daily / weekly digests (e-mail).")
    ] = "immediate",
    min_severity: Annotated[str, typer.Option(help="blocker, major, minor or info.")] = "info",
    json: Json = False,
) -> None:
    """Send an organization's alerts to a webhook or an e-mail address.

    Example: `autoatlas alerts channel-add webhook https://hooks.example/aa --org byd`
    """
    service_atlas = atlas()
    actor = service_atlas.cli_principal(org)
    with service_atlas.write() as tx:
        row, secret = manage.add_channel(
            tx, actor, kind=kind, target=target, cadence=cadence, min_severity=min_severity
        )
    if json:
        print_json({**row.as_dict(), "secret": secret})
        return
    console.print(f"Channel {row.id} added ({kind} → {target})")
    if secret:
        console.print("Signing secret, shown once:")
        console.print(secret, markup=False, highlight=False)


@alerts_app.command("channels")
def channels(org: Org, json: Json = False) -> None:
    """List an organization's delivery channels.

    Example: `autoatlas alerts channels --org byd`
    """
    service_atlas = atlas()
    actor = service_atlas.cli_principal(org)
    with service_atlas.read() as connection:
        rows = manage.list_channels(connection, actor)
    if json:
        print_json([row.as_dict() for row in rows])
        return
    table = Table("id", "kind", "target", "cadence", "min severity", header_style="bold")
    for row in rows:
        table.add_row(str(row.id), row.kind, row.target, row.cadence, row.min_severity)
    console.print(table)


@alerts_app.command("channel-remove")
def channel_remove(
    channel_id: Annotated[int, typer.Argument(help="The channel's id.")], org: Org
) -> None:
    """Stop sending to a channel.

    Example: `autoatlas alerts channel-remove 2 --org byd`
    """
    service_atlas = atlas()
    actor = service_atlas.cli_principal(org)
    with service_atlas.write() as tx:
        manage.remove_channel(tx, actor, channel_id)
    console.print(f"Channel {channel_id} disabled")


@alerts_app.command("dead")
def dead(
    org: Annotated[
        str | None, typer.Option("--org", help="Only this organization's (default: all).")
    ] = None,
    json: Json = False,
) -> None:
    """List dead letters: deliveries that failed for their whole retry window.

    Example: `autoatlas alerts dead --json`
    """
    service_atlas = atlas()
    actor = service_atlas.cli_principal(org)
    if org is not None:
        actor = _member(actor)
    with service_atlas.read() as connection:
        rows = manage.dead_letters(connection, actor)
    if json:
        print_json([row.as_dict() for row in rows])
        return
    table = Table("id", "channel", "key", "attempts", "last error", header_style="bold")
    for row in rows:
        table.add_row(
            str(row.id),
            str(row.channel_id),
            row.idempotency_key,
            str(row.attempts),
            row.last_error or "",
        )
    console.print(table)


def _member(actor: Any) -> Any:
    """The CLI acting as an admin of the organization only (not the operator)."""
    from dataclasses import replace

    return replace(actor, operator=False)


@alerts_app.command("replay")
def replay(
    delivery_id: Annotated[
        list[int] | None, typer.Argument(help="Dead letters to replay (default: all).")
    ] = None,
    org: Annotated[str | None, typer.Option("--org", help="Only this organization's.")] = None,
) -> None:
    """Queue dead letters again, with a fresh retry window and the same idempotency keys.

    Example: `autoatlas alerts replay 17 18`
    """
    service_atlas = atlas()
    actor = service_atlas.cli_principal(org)
    if org is not None:
        actor = _member(actor)
    clock = SystemClock()
    with service_atlas.write() as tx:
        count = manage.replay_dead_letters(
            tx, actor, now=clock.now(), delivery_ids=delivery_id or None
        )
    console.print(f"{count} dead letter(s) queued again")


@alerts_app.command("feed-token")
def feed_token(
    org: Org,
    revoke: Annotated[
        int | None, typer.Option("--revoke", help="Revoke this feed token id instead.")
    ] = None,
) -> None:
    """Issue a token for an organization's Atom feed (shown once), or revoke one.

    Example: `autoatlas alerts feed-token --org byd`
    """
    service_atlas = atlas()
    actor = service_atlas.cli_principal(org)
    with service_atlas.write() as tx:
        if revoke is not None:
            atom.revoke_feed_token(tx, actor, revoke)
            console.print(f"Feed token {revoke} revoked")
            return
        plain, token_id = atom.issue_feed_token(tx, actor)
    console.print(f"Feed token {token_id}, shown once (put it in the feed URL):")
    console.print(plain, markup=False, highlight=False)


@alerts_app.command("feed-tokens")
def feed_tokens(org: Org, json: Json = False) -> None:
    """List an organization's feed tokens, live and revoked (never the tokens themselves).

    Example: `autoatlas alerts feed-tokens --org byd`
    """
    service_atlas = atlas()
    actor = service_atlas.cli_principal(org)
    with service_atlas.read() as connection:
        rows = atom.list_feed_tokens(connection, actor)
    if json:
        print_json([row.as_dict() for row in rows])
        return
    table = Table("id", "prefix", "created", "revoked", header_style="bold")
    for row in rows:
        table.add_row(
            str(row.id),
            row.prefix + "…",
            row.created_at.isoformat(sep=" ", timespec="seconds"),
            row.revoked_at.isoformat(sep=" ", timespec="seconds") if row.revoked_at else "",
        )
    console.print(table)


def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Work until the queue is empty, then stop.")
    ] = False,
    batch: Annotated[int, typer.Option(help="Deliveries claimed at a time.")] = 50,
    concurrency: Annotated[int, typer.Option(help="Deliveries in flight at once.")] = 8,
    timeout: Annotated[float, typer.Option(help="Seconds a receiver has to answer.")] = 10.0,
    lease: Annotated[
        float, typer.Option(help="Seconds a claim is held before another worker may retry it.")
    ] = 120.0,
    poll: Annotated[float, typer.Option(help="Seconds between looks at an empty queue.")] = 1.0,
    json: Annotated[bool, typer.Option("--json", help="With --once: print the report.")] = False,
) -> None:
    """Run the alert queue: new events become alerts, alerts are delivered (webhook, e-mail),
    failures retried with backoff for 24 h. Several workers may share a PostgreSQL database.
    E-mail goes through the SMTP server of the AUTOATLAS_SMTP_* settings.

    Example: `autoatlas worker` (stop with Ctrl-C), or `autoatlas worker --once --json`
    """
    if lease <= timeout:
        raise ValidationError("--lease must be longer than --timeout")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    service_atlas = atlas()
    config = WorkerConfig(
        batch=batch,
        concurrency=concurrency,
        timeout=timeout,
        lease=timedelta(seconds=lease),
        poll=poll,
        smtp=SmtpSettings.from_settings(service_atlas.settings),
    )
    engine = worker_engine(service_atlas.settings.database_url)
    runner = Worker(
        engine, vocabulary=service_atlas.vocabulary, portfolio=StorePortfolio(), config=config
    )
    try:
        if once:
            report = runner.run_once()
            if json:
                print_json(report.as_dict())
            else:
                console.print(", ".join(f"{k} {v}" for k, v in report.as_dict().items()))
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        err_console.print("AutoAtlas worker running (stop with Ctrl-C)")
        runner.run_forever(stop)
    finally:
        runner.close()
        engine.dispose()
