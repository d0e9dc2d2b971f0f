"""HTTP benchmark: our profile endpoint against Datasette serving the same SQLite file.

    .venv/bin/python bench/http_bench.py                                  # bench/work/ours.db
    .venv/bin/python bench/http_bench.py --db /tmp/small/ours.db --duration 5 --out /tmp/h.json

Starts two servers on 127.0.0.1, each one process under uvicorn:
- ours: `autoatlas serve` (rate limits off, anonymous read on), asked for
  GET /api/v1/markets/{code}/profile?as_of=YYYY-MM-DD;
- Datasette: `datasette serve --immutable` on the same file, asked for a canned query whose SQL
  is the hand-written peer's profile query from `querying.py` (facts and their sources), as
  JSON (`_shape=array`).

Then, from this process (a light asyncio HTTP/1.1 client with keep-alive, no other traffic):
1. throughput: 32 concurrent clients for a fixed time, the servers in turn (ours, Datasette,
   ours, Datasette, ...), after a cold phase and a warm-up; one stream of random markets and days
   (`random.Random(42)`); requests per second, p50 and p99 latency, server CPU per request;
2. latency: one client, requests in sequence, the servers alternating on the same URLs;
3. conditional requests: one profile URL again with If-None-Match of its ETag (expects 304).

The load generator runs on the same CPUs as the servers; its CPU time is in the results.
Writes JSON to --out and a Markdown section to --md. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from querying import _PROFILE  # the peer's SQL text, so both benchmarks ask the same question
from report import load_average, machine
from synthetic import FIRST_YEAR

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
HOST = "127.0.0.1"
GOAL = "ours >= 2x Datasette's requests/s at 32 clients, with p99 <= 50 ms; 304 p50 < 2 ms"
TICKS = os.sysconf("SC_CLK_TCK")


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- the servers ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def datasette_sql(statistics_ids: Sequence[str]) -> str:
    """The peer's profile SQL with :code and :day as the canned query's parameters; the
    statistic properties (fixed by the vocabulary) are written into it as literals."""
    ids = sorted(statistics_ids)
    latest = f"OR f.property IN ({', '.join(map(_sql_text, ids))})" if ids else ""
    return _PROFILE.replace("{properties}", "").replace("{statistics}", latest).strip()


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict[str, str]
    port: int
    ready_path: str
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120.0) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}: {self.log}")
            try:
                status, _, _ = asyncio.run(_one(self.port, self.ready_path))
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f}s: see {self.log}")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (from /proc)."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # uvicorn shuts down gracefully (atexit runs)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _ours(db: Path, logs: Path, profile_to: Path | None = None) -> Server:
    env = dict(os.environ)
    env.update(
        AUTOATLAS_DATABASE_URL=f"sqlite:///{db}",
        AUTOATLAS_RATE_LIMIT_PER_MINUTE="0",
        AUTOATLAS_ANONYMOUS_READ="true",
        AUTOATLAS_METERING="false",
    )
    port = _free_port()
    if profile_to is None:  # exactly what `autoatlas serve` runs
        command = [str(Path(sys.executable).parent / "autoatlas"), "serve"]
        command += ["--host", HOST, "--port", str(port), "--workers", "1"]
        name = "ours"
    else:  # the same app and uvicorn settings, under cProfile (bench/http_profile.py)
        env["AUTOATLAS_BENCH_PROFILE"] = str(profile_to)
        command = [sys.executable, "-m", "uvicorn", "http_profile:profiled_app", "--factory"]
        command += ["--app-dir", str(BENCH), "--host", HOST, "--port", str(port)]
        command += ["--workers", "1", "--log-level", "info"]
        name = "ours (profiled)"
    ready = "/api/v1/markets?limit=1"
    return Server(name, command, env, port, ready, logs / f"{name.split()[0]}-server.log")


def _datasette(db: Path, logs: Path, statistics_ids: Sequence[str]) -> Server:
    metadata_path = logs / "datasette-metadata.json"
    queries = {"profile": {"sql": datasette_sql(statistics_ids), "title": "Market profile"}}
    metadata_path.write_text(
        json.dumps({"databases": {db.stem: {"queries": queries}}}, indent=2), encoding="utf-8"
    )
    port = _free_port()
    command = [str(Path(sys.executable).parent / "datasette"), "serve", "--immutable", str(db)]
    command += ["-h", HOST, "-p", str(port), "-m", str(metadata_path)]
    command += ["--setting", "sql_time_limit_ms", "10000"]
    command += ["--setting", "max_returned_rows", "10000"]
    return Server(
        "datasette", command, dict(os.environ), port, "/-/versions.json", logs / "datasette.log"
    )


# -- the requests ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ask:
    code: str
    day: date

    def ours(self) -> str:
        return f"/api/v1/markets/{self.code}/profile?as_of={self.day.isoformat()}"

    def datasette(self, database: str) -> str:
        query = {"code": self.code, "day": self.day.isoformat(), "_shape": "array"}
        return f"/{database}/profile.json?{urlencode(query)}"


def asks(markets: Sequence[str], count: int) -> list[Ask]:
    """Random markets and days from 2006-01-01 to today, drawn with random.Random(42)."""
    rng = random.Random(42)
    first = date(FIRST_YEAR, 1, 1)
    days = (datetime.now(UTC).date() - first).days
    return [
        Ask(rng.choice(markets), first + timedelta(days=rng.randrange(days))) for _ in range(count)
    ]


def _markets_and_statistics(db: Path) -> tuple[list[str], list[str]]:
    import sqlite3

    from autoatlas.vocabulary import load_vocabulary

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        markets = [row[0] for row in connection.execute("SELECT DISTINCT market FROM fact")]
    connection.close()
    vocabulary = load_vocabulary()
    flagged = [p.id for p in vocabulary.properties.values() if getattr(p, "statistic", False)]
    return sorted(markets), flagged


# -- a small HTTP/1.1 client ----------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection: GET and read the whole response."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int):
        self.reader, self.writer, self.host = reader, writer, f"{HOST}:{port}"

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(HOST, port, limit=1 << 20)
        return cls(reader, writer, port)

    async def get(self, path: str, headers: str = "") -> tuple[int, dict[str, str], bytes]:
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nAccept: application/json\r\n"
            f"{headers}\r\n".encode("latin-1")
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip()
        if "content-length" in fields:
            body = await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")  # no trailers from uvicorn
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            body = b"".join(parts)
        else:
            body = b""
        return status, fields, body

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


async def _one(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    connection = await Connection.open(port)
    try:
        return await asyncio.wait_for(connection.get(path), timeout=30)
    finally:
        await connection.close()


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    load_average: list[float] = field(default_factory=list)
    taken: int = 0  # paths sent (answered or not)

    def summary(self) -> dict[str, Any]:
        done = len(self.latencies)
        return {
            "requests": done,
            "errors": self.errors,
            "seconds": self.seconds,
            "rps": done / self.seconds if self.seconds else 0.0,
            **_percentiles(self.latencies),
            "server_cpu_ms_per_request": 1000 * self.server_cpu / done if done else None,
            "client_cpu_ms_per_request": 1000 * self.client_cpu / done if done else None,
            "load_average_after": self.load_average,
        }


def _percentiles(seconds: Sequence[float]) -> dict[str, float | None]:
    if len(seconds) < 2:
        return {"p50_ms": None, "p99_ms": None, "mean_ms": None, "max_ms": None}
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {
        "p50_ms": statistics.median(seconds) * 1000,
        "p99_ms": cuts[98] * 1000,
        "mean_ms": statistics.fmean(seconds) * 1000,
        "max_ms": max(seconds) * 1000,
    }


def _client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _load(
    server: Server,
    paths: Sequence[str],
    clients: int,
    duration: float,
    expect: int = 200,
    start: int = 0,
) -> Phase:
    """`clients` connections, each sending the next path as soon as its last answer is read,
    until `duration` seconds have passed. The phase takes paths from `start` on; the caller
    continues the next phase where this one stopped (`phase.taken`), so no phase replays
    the URLs of an earlier one (a cache must earn its hits on fresh random days)."""
    connections = [await Connection.open(server.port) for _ in range(clients)]
    phase = Phase()
    cursor: Iterator[str] = iter(paths[start:])
    cpu_before, client_before = server.cpu_seconds(), _client_cpu()
    started = time.perf_counter()
    deadline = started + duration
    finished = started

    async def client(connection: Connection) -> None:
        nonlocal finished
        while time.perf_counter() < deadline:
            path = next(cursor, None)
            if path is None:
                return
            phase.taken += 1
            sent = time.perf_counter()
            status, _, _ = await connection.get(path)
            finished = time.perf_counter()
            if status == expect:
                phase.latencies.append(finished - sent)
            else:
                phase.errors += 1

    try:
        await asyncio.wait_for(
            asyncio.gather(*(client(c) for c in connections)), timeout=duration + 120
        )
    finally:
        for connection in connections:
            await connection.close()
    phase.seconds = finished - started
    phase.server_cpu = server.cpu_seconds() - cpu_before
    phase.client_cpu = _client_cpu() - client_before
    phase.load_average = load_average()
    return phase


async def _sequential(
    server: Server, paths: Sequence[str], headers: str = "", expect: int = 200
) -> Phase:
    connection = await Connection.open(server.port)
    phase = Phase()
    cpu_before, client_before = server.cpu_seconds(), _client_cpu()
    started = time.perf_counter()
    try:
        for path in paths:
            sent = time.perf_counter()
            status, _, _ = await asyncio.wait_for(connection.get(path, headers), timeout=60)
            elapsed = time.perf_counter() - sent
            if status == expect:
                phase.latencies.append(elapsed)
            else:
                phase.errors += 1
    finally:
        await connection.close()
    phase.seconds = time.perf_counter() - started
    phase.server_cpu = server.cpu_seconds() - cpu_before
    phase.client_cpu = _client_cpu() - client_before
    phase.load_average = load_average()
    return phase


async def _alternating(
    servers: Sequence[tuple[str, Server, Sequence[str]]], calls: int
) -> dict[str, Phase]:
    """One keep-alive connection per server; request i goes to each server in turn (the
    first server alternates), so noise on the machine falls on all alike."""
    connections = [await Connection.open(server.port) for _, server, _ in servers]
    phases = {key: Phase() for key, _, _ in servers}
    cpu_before = {key: server.cpu_seconds() for key, server, _ in servers}
    try:
        for index in range(calls):
            order = list(zip(servers, connections, strict=True))
            for (key, _, paths), connection in order if index % 2 == 0 else order[::-1]:
                sent = time.perf_counter()
                status, _, _ = await asyncio.wait_for(connection.get(paths[index]), timeout=60)
                elapsed = time.perf_counter() - sent
                phases[key].seconds += elapsed
                if status == 200:
                    phases[key].latencies.append(elapsed)
                else:
                    phases[key].errors += 1
    finally:
        for connection in connections:
            await connection.close()
    for key, server, _ in servers:
        phases[key].server_cpu = server.cpu_seconds() - cpu_before[key]
    return phases


# -- checks ---------------------------------------------------------------------------------


def _ours_key(body: bytes) -> list[tuple[int, int]]:
    return [(f["id"], len(f["sources"])) for f in json.loads(body)["facts"]]


def _datasette_key(body: bytes) -> list[tuple[int, int]]:
    key: list[list[int]] = []
    for row in json.loads(body):
        if not key or key[-1][0] != row["id"]:
            key.append([row["id"], 0])
        if row["kind"] is not None:
            key[-1][1] += 1
    return [(fact_id, sources) for fact_id, sources in key]


async def _agreement(
    ours: Server, peer: Server, chosen: Sequence[Ask], database: str
) -> dict[str, Any]:
    """Both servers answer the same question: the same fact ids, in the same order, with the
    same number of sources; also the sizes of the responses."""
    agreed, sizes_ours, sizes_peer, facts = 0, [], [], []
    for ask in chosen:
        status_a, _, body_a = await _one(ours.port, ask.ours())
        status_b, _, body_b = await _one(peer.port, ask.datasette(database))
        if status_a != 200 or status_b != 200:
            raise RuntimeError(f"{ask}: ours {status_a}, datasette {status_b}: {body_b[:300]!r}")
        mine, theirs = _ours_key(body_a), _datasette_key(body_b)
        agreed += mine == theirs
        sizes_ours.append(len(body_a))
        sizes_peer.append(len(body_b))
        facts.append(len(mine))
    return {
        "agree": f"{agreed}/{len(chosen)}",
        "facts_per_response_mean": statistics.fmean(facts),
        "bytes_ours_mean": statistics.fmean(sizes_ours),
        "bytes_datasette_mean": statistics.fmean(sizes_peer),
    }


# -- the run --------------------------------------------------------------------------------


def _combined(phases: Sequence[Phase]) -> dict[str, Any]:
    merged = Phase()
    for phase in phases:
        merged.latencies += phase.latencies
        merged.errors += phase.errors
        merged.seconds += phase.seconds
        merged.server_cpu += phase.server_cpu
        merged.client_cpu += phase.client_cpu
    summary = merged.summary()
    del summary["load_average_after"]
    summary["rounds"] = [phase.summary() for phase in phases]
    return summary


async def _measure(
    ours: Server, peer: Server, args: argparse.Namespace, chosen: list[Ask], database: str
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    ours_paths = [ask.ours() for ask in chosen]
    peer_paths = [ask.datasette(database) for ask in chosen]
    _log("checking that both servers give the same facts ...")
    results["agreement"] = await _agreement(ours, peer, chosen[: args.check], database)
    _log(f"agreement: {results['agreement']}")

    # Each server walks its own copy of one random stream: cold phase, warm-up, rounds.
    offsets = {"ours": 0, "datasette": 0}
    servers = (("ours", ours, ours_paths), ("datasette", peer, peer_paths))
    results["cold"] = {}
    for key, server, paths in servers:
        _log(f"cold: {server.name} just started, {args.clients} clients x {args.duration:.0f}s ...")
        phase = await _load(server, paths, args.clients, args.duration, start=offsets[key])
        offsets[key] += phase.taken
        results["cold"][key] = phase.summary()
    for key, server, paths in servers:
        _log(f"warm-up: {server.name}, {args.clients} clients x {args.warmup:.0f}s ...")
        offsets[key] += (
            await _load(server, paths, args.clients, args.warmup, start=offsets[key])
        ).taken

    loaded: dict[str, list[Phase]] = {"ours": [], "datasette": []}
    for round_number in range(1, args.rounds + 1):
        for key, server, paths in servers:
            _log(
                f"load round {round_number}/{args.rounds}: {server.name}, "
                f"{args.clients} clients x {args.duration:.0f}s ..."
            )
            phase = await _load(server, paths, args.clients, args.duration, start=offsets[key])
            offsets[key] += phase.taken
            loaded[key].append(phase)
            summary = phase.summary()
            _log(
                f"  {summary['rps']:.1f} req/s, p50 {summary['p50_ms']:.0f} ms, "
                f"p99 {summary['p99_ms']:.0f} ms, errors {phase.errors}"
            )
    results["offsets"] = offsets
    results["load"] = {key: _combined(phases) for key, phases in loaded.items()}
    ours_rps, peer_rps = results["load"]["ours"]["rps"], results["load"]["datasette"]["rps"]
    results["load"]["ratio_rps"] = ours_rps / peer_rps if peer_rps else None

    _log(f"one client, {args.single} requests each, alternating ...")
    fresh = max(offsets.values())  # days neither server has been asked yet
    single = await _alternating(
        [("ours", ours, ours_paths[fresh:]), ("datasette", peer, peer_paths[fresh:])], args.single
    )
    results["single_client"] = {}
    for key, phase in single.items():
        summary = phase.summary()
        del summary["load_average_after"], summary["rps"]
        results["single_client"][key] = summary
    one = results["single_client"]
    one["ratio_p50"] = one["ours"]["p50_ms"] / one["datasette"]["p50_ms"]

    _log(f"conditional requests: {args.conditional} x If-None-Match on one URL ...")
    path = ours_paths[0]
    status, fields, _ = await _one(ours.port, path)
    if status != 200 or "etag" not in fields:
        raise RuntimeError(f"{path}: status {status}, no ETag")
    header = f"If-None-Match: {fields['etag']}\r\n"
    await _sequential(ours, [path] * 20, header, expect=304)  # warm-up
    conditional = await _sequential(ours, [path] * args.conditional, header, expect=304)
    full = await _sequential(ours, [path] * min(args.conditional, 100))
    results["conditional"] = {
        "path": path,
        "etag": fields["etag"],
        "not_modified": conditional.summary(),
        "same_url_200": full.summary(),
    }
    for part in results["conditional"].values():
        if isinstance(part, dict):
            part.pop("load_average_after", None)
            part.pop("rps", None)
    return results


def _profile(db: Path, logs: Path, chosen: list[Ask], calls: int, out: Path) -> dict[str, Any]:
    """Our server again under cProfile; `calls` profile requests from one client."""
    server = _ours(db, logs, profile_to=out)
    paths = [ask.ours() for ask in chosen]
    try:
        server.start()
        asyncio.run(_sequential(server, paths[:10]))
        phase = asyncio.run(_sequential(server, paths[:calls]))
    finally:
        server.stop()  # the profile is written as the server exits
    summary = phase.summary()
    return {
        "file": str(out),
        "calls": calls,
        "p50_ms_under_profiler": summary["p50_ms"],
        "server_cpu_ms_per_request": summary["server_cpu_ms_per_request"],
    }


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark our HTTP profile endpoint against Datasette on the same file.",
        epilog="example: .venv/bin/python bench/http_bench.py --duration 5 --out /tmp/h.json",
    )
    parser.add_argument(
        "--db", type=Path, default=BENCH / "work" / "ours.db", help="the database run.py built"
    )
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per load phase")
    parser.add_argument("--rounds", type=int, default=2, help="load rounds (ours, then Datasette)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients under load")
    parser.add_argument("--warmup", type=float, default=5.0, help="warm-up seconds per server")
    parser.add_argument("--single", type=int, default=200, help="one-client requests per server")
    parser.add_argument("--conditional", type=int, default=500, help="304 requests (one client)")
    parser.add_argument("--check", type=int, default=20, help="requests compared for agreement")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="CALLS",
        help="also profile CALLS requests to our server under cProfile (written next to --out)",
    )
    parser.add_argument(
        "--out", type=Path, default=BENCH / "results" / "http.json", help="JSON results"
    )
    parser.add_argument("--md", type=Path, default=None, help="Markdown (default: --out as .md)")
    parser.add_argument("--note", default=None, help="free text kept in the results")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.rounds < 1 or args.clients < 1 or args.single < 2:
        parser.error("--duration, --rounds, --clients and --single must be positive")
    if args.conditional < 2:
        parser.error("--conditional must be at least 2")
    if not args.db.exists():
        parser.error(f"{args.db} does not exist: build it with bench/run.py")
    args.db = args.db.resolve()
    args.md = args.md or args.out.with_suffix(".md")
    return args


def _write(out: Path, text: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(out)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    # A SIGTERM (say from `timeout`) unwinds like an exception, so the servers are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.perf_counter()
    info = machine(ROOT)
    info.update(
        uvicorn=_version("uvicorn"),
        fastapi=_version("fastapi"),
        starlette=_version("starlette"),
        datasette=_version("datasette"),
        uvloop=_version("uvloop"),
        httptools=_version("httptools"),
    )
    markets, flagged = _markets_and_statistics(args.db)
    count = 1_000_000  # more than all phases together can send
    chosen = asks(markets, count)
    results: dict[str, Any] = {
        "note": args.note,
        "machine": info,
        "database": {
            "path": str(args.db),
            "bytes": args.db.stat().st_size,
            "markets": len(markets),
        },
        "settings": {
            "clients": args.clients,
            "duration_seconds": args.duration,
            "rounds": args.rounds,
            "warmup_seconds": args.warmup,
            "single_client_requests": args.single,
            "conditional_requests": args.conditional,
            "seed": 42,
            "client": "one asyncio process, raw HTTP/1.1 keep-alive, on the same CPUs",
        },
        "goal": GOAL,
    }
    with tempfile.TemporaryDirectory(prefix="http-bench-") as temporary:
        logs = Path(temporary)
        ours = _ours(args.db, logs)
        peer = _datasette(args.db, logs, flagged)
        results["datasette_sql"] = datasette_sql(flagged)
        try:
            for server in (ours, peer):
                _log(f"starting {server.name} on {HOST}:{server.port} ...")
                server.start()
            results.update(asyncio.run(_measure(ours, peer, args, chosen, args.db.stem)))
        finally:
            for server in (ours, peer):
                server.stop()
        if args.profile:
            _log(f"profiling {args.profile} requests to our server under cProfile ...")
            target = args.out.with_name(args.out.stem + "-profile.txt")
            results["profile"] = _profile(args.db, logs, chosen, args.profile, target)
    results["goals"] = _goals(results)
    results["machine"]["load_average_at_end"] = load_average()
    results["elapsed_seconds"] = time.perf_counter() - started
    _write(args.out, json.dumps(results, indent=2, default=str) + "\n")
    _write(args.md, markdown(results, args))
    print(markdown(results, args))
    _log(f"results written to {args.out} and {args.md} ({results['elapsed_seconds']:.0f}s)")
    return 0


def _goals(results: dict[str, Any]) -> dict[str, Any]:
    load = results["load"]
    ratio, p99 = load["ratio_rps"], load["ours"]["p99_ms"]
    not_modified = results["conditional"]["not_modified"]["p50_ms"]
    return {
        "rps_ratio": {"goal": ">= 2", "value": ratio, "met": ratio is not None and ratio >= 2},
        "p99_under_load": {"goal": "<= 50 ms", "value": p99, "met": p99 <= 50},
        "p99_one_client": {
            "goal": "<= 50 ms",
            "value": results["single_client"]["ours"]["p99_ms"],
            "met": results["single_client"]["ours"]["p99_ms"] <= 50,
        },
        "not_modified_p50": {"goal": "< 2 ms", "value": not_modified, "met": not_modified < 2},
    }


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def markdown(results: dict[str, Any], args: argparse.Namespace) -> str:
    info, load, single = results["machine"], results["load"], results["single_client"]
    ours, peer = load["ours"], load["datasette"]
    conditional = results["conditional"]
    agreement = results["agreement"]
    settings = results["settings"]
    yes = {True: "yes", False: "no"}
    goals = results["goals"]
    commit = info.get("git_commit") or info.get("tree_git_commit")
    note = f" ({results['note']})" if results.get("note") else ""
    lines = [
        "## HTTP: our API against Datasette",
        "",
        f"`bench/http_bench.py` on `{Path(results['database']['path']).name}` "
        f"({results['database']['bytes'] / 1e6:,.0f} MB, {results['database']['markets']} "
        f"markets), {info['date']}, commit `{commit}`"
        f"{' (src/ modified)' if info.get('git_dirty') else ''}"
        f"{note}, "
        f"Python {info['python']}, "
        f"SQLite {info['sqlite']}, uvicorn {info['uvicorn']}, Datasette {info['datasette']}, "
        f"{info['nproc']} CPUs, load average {info['load_average_at_start'][0]:.1f} at the start "
        f"and {info['load_average_at_end'][0]:.1f} at the end.",
        "",
        "Both servers are one uvicorn process on 127.0.0.1 reading the same SQLite file: ours "
        "as `autoatlas serve` runs it (rate limits off, anonymous read), Datasette as "
        "`datasette serve --immutable` with the hand-written peer's profile SQL from "
        "`querying.py` as a canned query (`_shape=array`: one row per fact and source). "
        f"Both give the same facts: {agreement['agree']} responses compared "
        f"({agreement['facts_per_response_mean']:.0f} facts; "
        f"{agreement['bytes_ours_mean'] / 1000:.0f} kB from ours, "
        f"{agreement['bytes_datasette_mean'] / 1000:.0f} kB from Datasette).",
        "",
        f"Under load: {settings['clients']} clients with keep-alive, each sending its next "
        f"request when the last is answered, for {settings['duration_seconds']:.0f} s per "
        f"phase, {settings['rounds']} round(s) (ours, Datasette, ours, ...), after a cold "
        f"phase right after start and a {settings['warmup_seconds']:.0f} s warm-up each. The "
        "requests are one stream of random markets and days (`random.Random(42)`) that each "
        "server walks from its start: no phase repeats an earlier phase's URLs, so our "
        "profile cache only hits where a new day falls in a span of days it already holds. "
        f"The load generator is one asyncio process on the same {info['nproc']} CPUs; its CPU "
        "time per request is in the table.",
        "",
        "| 32 clients, cold (the first phase after start) | req/s | p50 ms | p99 ms | "
        "server CPU ms/req |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {name} | {row['rps']:.1f} | {_ms(row['p50_ms'])} | {_ms(row['p99_ms'])} | "
            f"{_ms(row['server_cpu_ms_per_request'])} |"
            for name, row in (
                ("ours", results["cold"]["ours"]),
                ("Datasette", results["cold"]["datasette"]),
            )
        ),
        "",
        "| 32 clients, after the warm-up | req/s | p50 ms | p99 ms | server CPU ms/req | "
        "client CPU ms/req | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in (("ours", ours), ("Datasette", peer)):
        lines.append(
            f"| {name} | {row['rps']:.1f} | {_ms(row['p50_ms'])} | {_ms(row['p99_ms'])} | "
            f"{_ms(row['server_cpu_ms_per_request'])} | "
            f"{_ms(row['client_cpu_ms_per_request'])} | {row['errors']} |"
        )
    ratio = load["ratio_rps"]
    lines.append(f"| **ratio ours ÷ Datasette** | **{ratio:.2f}** | | | | | |")
    lines += [
        "",
        f"| one client, {settings['single_client_requests']} requests each | p50 ms | p99 ms | "
        "server CPU ms/req |",
        "|---|---:|---:|---:|",
    ]
    for name, key in (("ours", "ours"), ("Datasette", "datasette")):
        row = single[key]
        lines.append(
            f"| {name} | {_ms(row['p50_ms'])} | {_ms(row['p99_ms'])} | "
            f"{_ms(row['server_cpu_ms_per_request'])} |"
        )
    lines.append(f"| **ratio ours ÷ Datasette** | **{single['ratio_p50']:.2f}** | | |")
    nm, full = conditional["not_modified"], conditional["same_url_200"]
    lines += [
        "",
        f"Conditional requests, one client: the same profile URL with `If-None-Match` of its "
        f"ETag, {nm['requests']} times: **304 in {_ms(nm['p50_ms'])} ms p50** "
        f"({_ms(nm['p99_ms'])} ms p99; {nm['errors']} answers were not 304); the same URL "
        f"without the header: {_ms(full['p50_ms'])} ms p50.",
        "",
        "| goal (issue 4) | measure | value | met? |",
        "|---|---|---:|---|",
        f"| ours ≥ 2× Datasette's req/s | ratio at {settings['clients']} clients | "
        f"{goals['rps_ratio']['value']:.2f} | {yes[goals['rps_ratio']['met']]} |",
        f"| p99 ≤ 50 ms | ours at {settings['clients']} clients | "
        f"{_ms(goals['p99_under_load']['value'])} ms | {yes[goals['p99_under_load']['met']]} |",
        f"| p99 ≤ 50 ms | ours, one client | {_ms(goals['p99_one_client']['value'])} ms | "
        f"{yes[goals['p99_one_client']['met']]} |",
        f"| 304 p50 < 2 ms | one client | {_ms(goals['not_modified_p50']['value'])} ms | "
        f"{yes[goals['not_modified_p50']['met']]} |",
        "",
        f"With {settings['clients']} clients always waiting, latency is about clients ÷ "
        f"throughput (Little's law): p99 ≤ 50 ms at {settings['clients']} clients needs more "
        f"than {settings['clients'] / 0.05:.0f} req/s.",
        "",
        "To run it (after `bench/run.py` has built `bench/work/ours.db`; about 3 minutes):",
        "",
        "```sh",
        ".venv/bin/pip install -e '.[bench]'          # datasette, sqlite-utils",
        ".venv/bin/python bench/http_bench.py         # writes bench/results/http.json and .md",
        ".venv/bin/python bench/http_bench.py --duration 5 --rounds 1 --profile 100 "
        "--out /tmp/http.json   # quick, with cProfile of our server",
        "```",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
