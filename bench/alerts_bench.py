"""Alerts benchmarks: watchlist matching speed, and approval-to-webhook latency.

    .venv/bin/python bench/alerts_bench.py                 # both parts
    .venv/bin/python bench/alerts_bench.py --skip-e2e      # matching only (a few seconds)

Matching: 10,000 change events against 100,000 watchlist entries (synthetic, seeded with
random.Random(42)), goal >= 50,000 events/s. End to end: 1,000 organizations watch a market
and have a webhook on a loopback receiver; a change set is approved and a worker (in this
process, on SQLite) delivers; the time from the approval's commit to each webhook's arrival,
goal p99 <= 1 s. Writes bench/results/alerts.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from queue import Empty
from typing import Any

from autoatlas.alerts.matching import Event, Severity, Watch, WatchIndex, match_events
from autoatlas.vocabulary import load_vocabulary
from autoatlas.vocabulary.markets import load_market_catalogue
from report import load_average, machine

ROOT = Path(__file__).resolve().parent.parent
GOAL_EVENTS_PER_SECOND = 50_000
GOAL_P99_SECONDS = 1.0
ENTRIES_PER_ORGANIZATION = 20  # 100,000 entries: 5,000 organizations


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def synthetic(
    watchlists: int, events: int, seed: int = 42
) -> tuple[list[Watch], list[Event], dict[str, set[str]]]:
    rng = random.Random(seed)
    vocabulary = load_vocabulary()
    catalogue = load_market_catalogue()
    countries = sorted(m.code for m in catalogue.markets.values() if str(m.kind) == "country")
    blocs = sorted(m.code for m in catalogue.markets.values() if str(m.kind) == "bloc")
    members: dict[str, set[str]] = {}
    for bloc in blocs:
        members[bloc] = set(catalogue.members_of(bloc, date.today()))
    properties = sorted(vocabulary.properties)
    dimensions = sorted(vocabulary.dimensions)
    popular = countries[:40]  # events concentrate on some markets, as exports do
    watches = []
    organizations = max(1, watchlists // ENTRIES_PER_ORGANIZATION)
    for number in range(watchlists):
        kind = rng.random()
        if rng.random() < 0.01:
            markets: frozenset[str] = frozenset()  # everywhere (then a property filter)
            kind = 0.0
        else:
            markets = frozenset(
                rng.choice(blocs) if rng.random() < 0.1 else rng.choice(countries)
                for _ in range(rng.randint(1, 2))
            )
        watches.append(
            Watch(
                id=number + 1,
                organization_id=rng.randint(1, organizations),
                markets=markets,
                properties=frozenset(rng.sample(properties, rng.randint(1, 3)))
                if kind < 0.45
                else frozenset(),
                dimensions=frozenset([rng.choice(dimensions)])
                if 0.45 <= kind < 0.85
                else frozenset(),
                qualifiers={"origin": "CN"} if rng.random() < 0.2 else {},
                min_severity=rng.choice(list(Severity)),
            )
        )
    found = []
    for number in range(events):
        prop = rng.choice(properties)
        market = rng.choice(popular) if rng.random() < 0.7 else rng.choice(countries + blocs)
        found.append(
            Event(
                cause=f"change:{number}",
                market=market,
                property=prop,
                dimension=vocabulary.properties[prop].dimension,
                qualifiers={"origin": rng.choice(["CN", "JP", "DE"])} if rng.random() < 0.3 else {},
                scope=f"org:{rng.randint(1, organizations)}" if rng.random() < 0.1 else "public",
                severity=rng.choice(list(Severity)),
            )
        )
    return watches, found, members


def bench_matching(watchlists: int, events: int, rounds: int) -> dict[str, Any]:
    _log(f"generating {watchlists:,} watchlists and {events:,} events")
    watches, found, members = synthetic(watchlists, events)
    started = time.perf_counter()
    index = WatchIndex(watches, members)
    build = time.perf_counter() - started
    timings, matched = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        matched = sum(len(m.organizations) for m in match_events(index, found))
        timings.append(time.perf_counter() - started)
    best = min(timings)
    result = {
        "watchlists": watchlists,
        "events": events,
        "index_build_seconds": round(build, 3),
        "match_seconds_best": round(best, 4),
        "match_seconds_median": round(statistics.median(timings), 4),
        "events_per_second": round(events / best),
        "matches": matched,
        "matches_per_event": round(matched / events, 2),
        "organizations": max(1, watchlists // ENTRIES_PER_ORGANIZATION),
        "distribution": (
            "per entry: 1-2 markets (10% a bloc, 1% none), 45% 1-3 properties, 40% one "
            "dimension, 15% the whole market; 20% origin: CN; min severity uniform. Events: "
            "70% on 40 markets, 30% qualified by origin, 10% private, severity uniform"
        ),
        "goal_events_per_second": GOAL_EVENTS_PER_SECOND,
        "meets_goal": events / best >= GOAL_EVENTS_PER_SECOND,
    }
    _log(f"matching: {result['events_per_second']:,} events/s ({matched:,} matches)")
    return result


def _serve(ports: Any, arrivals: Any) -> None:
    """The webhook receiver, in a process of its own as a real one would be."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keeps connections alive, as receivers do

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            arrivals.put((self.headers["Idempotency-Key"], time.time()))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

    class Server(ThreadingHTTPServer):
        request_queue_size = 256  # a real receiver's backlog, not 5
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    ports.put(server.server_address[1])
    server.serve_forever()


def bench_end_to_end(organizations: int, rounds: int, concurrency: int) -> dict[str, Any]:
    from autoatlas.alerts.channels import manage
    from autoatlas.alerts.watchlists import create_watchlist
    from autoatlas.alerts.worker import Worker, WorkerConfig
    from autoatlas.atlas import Atlas
    from autoatlas.auth import service
    from autoatlas.config import Settings
    from autoatlas.review import changesets
    from autoatlas.store.alerts import worker_engine

    folder = Path(tempfile.mkdtemp(prefix="autoatlas-alerts-bench-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    atlas = Atlas(Settings(database_url=url))
    atlas.init()
    ports: Any = multiprocessing.Queue()
    queue: Any = multiprocessing.Queue()
    receiver = multiprocessing.Process(target=_serve, args=(ports, queue), daemon=True)
    receiver.start()
    hook = f"http://127.0.0.1:{ports.get(timeout=30)}/hook"
    arrivals: dict[str, float] = {}

    def drain() -> None:
        while True:
            try:
                key, at = queue.get_nowait()
            except Empty:
                return
            arrivals.setdefault(key, at)

    cli = atlas.cli_principal()
    _log(f"end to end: {organizations:,} organizations, each a watchlist and a webhook")
    with atlas.write() as tx:
        for number in range(organizations):
            slug = f"org-{number:04d}"
            service.create_organization(tx, cli, slug=slug, name=slug, kind="enterprise")
    for number in range(organizations):
        admin = atlas.cli_principal(f"org-{number:04d}")
        with atlas.write() as tx:
            create_watchlist(tx, admin, vocabulary=atlas.vocabulary, name="TH", markets=["TH"])
            manage.add_channel(tx, admin, kind="webhook", target=hook)
    operator = atlas.cli_principal()
    # The default poll and wake (as `autoatlas worker` runs): the worker notices an approval
    # by its cheap look every `wake` seconds, not by a poll shortened for the benchmark.
    config = WorkerConfig(concurrency=concurrency, batch=concurrency * 4)
    worker = Worker(
        worker_engine(url),
        vocabulary=atlas.vocabulary,
        config=config,
    )
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,), daemon=True)
    thread.start()
    # A running worker, as in production: its start-up (index, rules) is not an approval's.
    worker.ready.wait(60)
    latencies: list[float] = []
    for number in range(rounds):
        bundle = {
            "sources": [
                {"id": "s", "kind": "regulation", "title": "Bench notice", "publisher": "Bench"}
            ],
            "facts": [
                {
                    "market": "TH",
                    "property": "trade.vat.rate",
                    "value": 7 + number,
                    "unit": "percent",
                    "sources": ["s"],
                }
            ],
        }
        with atlas.write() as tx:
            row = changesets.submit(
                tx, operator, bundle=bundle, title=f"bench {number}", vocabulary=atlas.vocabulary
            )
        drain()
        before = set(arrivals)
        with atlas.write() as tx:
            changesets.approve(
                tx, operator, row.id, comment=None, grade=0, vocabulary=atlas.vocabulary
            )
        approved = time.time()
        deadline = approved + 120
        while time.time() < deadline:
            drain()
            new = {k: t for k, t in arrivals.items() if k not in before}
            if len(new) >= organizations:
                break
            time.sleep(0.01)
        latencies.extend(max(0.0, t - approved) for t in new.values())
        _log(f"round {number + 1}: {len(new):,} webhooks, max {max(new.values()) - approved:.3f} s")
    stop.set()
    thread.join()
    worker.close()
    receiver.terminate()
    receiver.join()
    ordered = sorted(latencies)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)] if ordered else None
    result = {
        "organizations": organizations,
        "change_sets": rounds,
        "webhooks": len(latencies),
        "expected_webhooks": organizations * rounds,
        "backend": "sqlite",
        "concurrency": concurrency,
        "poll_seconds": config.poll,
        "wake_seconds": config.wake,
        "first_seconds": round(ordered[0], 3) if ordered else None,
        "p50_seconds": round(statistics.median(ordered), 3) if ordered else None,
        "p99_seconds": round(p99, 3) if p99 is not None else None,
        "max_seconds": round(ordered[-1], 3) if ordered else None,
        "goal_p99_seconds": GOAL_P99_SECONDS,
        "meets_goal": p99 is not None and p99 <= GOAL_P99_SECONDS,
    }
    _log(f"end to end: p99 {result['p99_seconds']} s over {len(latencies):,} webhooks")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark AutoAtlas alert matching and delivery.")
    parser.add_argument("--watchlists", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5, help="timed matching rounds (best kept)")
    parser.add_argument("--organizations", type=int, default=1_000)
    parser.add_argument("--e2e-rounds", type=int, default=3, help="change sets approved")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "alerts.json")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"machine": machine(ROOT)}
    results["matching"] = bench_matching(args.watchlists, args.events, args.rounds)
    if not args.skip_e2e:
        results["end_to_end"] = bench_end_to_end(
            args.organizations, args.e2e_rounds, args.concurrency
        )
    results["load_average_at_end"] = load_average()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    _log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
