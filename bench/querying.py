"""Query benchmarks on the imported database: our library calls against hand-written SQL.

The peer asks the same SQLite file the same question through the stdlib `sqlite3` module:
the market's inheritance chain (its parent, the blocs it belongs to on the date), the current
public facts valid on the date, the nearest market's fact per statement, and their sources.
It returns plain rows grouped by fact; ours returns `Fact` objects (values parsed, sources as
`Source` objects). Calls alternate between ours and the peer with the same arguments, so
noise on the machine falls on both alike.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from synthetic import FIRST_YEAR, Dataset

__all__ = ["Peer", "measure"]

_FACT = """f.id, f.market, f.property, f.qualifiers, f.qualifiers_key, f.scope, f.value, f.unit,
    f.valid_from, f.valid_to, f.confidence, f.visibility, o.slug AS organization, f.recorded_at,
    f.superseded_at, f.checked, f.note"""
_SOURCE = """s.kind, s.title, s.publisher, s.url, s.published, s.accessed, s.language, s.quote,
    s.locator"""
_FACT_WIDTH = 17

_PROFILE = f"""
WITH own AS (SELECT code, parent FROM market WHERE code = :code),
chain(code, tier, name) AS (
  SELECT code, 0, '' FROM own
  UNION ALL SELECT parent, 1, '' FROM own WHERE parent IS NOT NULL
  UNION ALL
  SELECT b.bloc, CASE WHEN b.member = own.code THEN 2 ELSE 3 END, b.bloc
  FROM bloc_membership b JOIN own ON b.member = own.code OR b.member = own.parent
  WHERE (b.valid_from IS NULL OR b.valid_from <= :day)
    AND (b.valid_to IS NULL OR b.valid_to > :day)
),
ranked AS (
  SELECT {_FACT},
    ROW_NUMBER() OVER (
      PARTITION BY f.property, f.qualifiers_key
      ORDER BY c.tier, c.name, f.scope = 'public',
        f.valid_to IS NOT NULL AND f.valid_to <= :day, f.valid_from DESC
    ) AS pick
  FROM chain c
  CROSS JOIN fact f ON f.market = c.code  -- CROSS JOIN: SQLite keeps chain as the outer loop
  JOIN organization o ON o.id = f.organization_id
  WHERE f.superseded_at IS NULL AND f.scope = 'public'
    AND (f.valid_from IS NULL OR f.valid_from <= :day)
    AND (f.valid_to IS NULL OR f.valid_to > :day {{statistics}})
    {{properties}}
)
SELECT r.id, r.market, r.property, r.qualifiers, r.qualifiers_key, r.scope, r.value, r.unit,
  r.valid_from, r.valid_to, r.confidence, r.visibility, r.organization, r.recorded_at,
  r.superseded_at, r.checked, r.note, {_SOURCE}
FROM ranked r
LEFT JOIN fact_source fs ON fs.fact_id = r.id
LEFT JOIN source s ON s.id = fs.source_id
WHERE r.pick = 1
ORDER BY r.property, r.qualifiers_key, fs.position
"""

_HISTORY = f"""
SELECT {_FACT}, {_SOURCE}
FROM fact f
JOIN organization o ON o.id = f.organization_id
LEFT JOIN fact_source fs ON fs.fact_id = f.id
LEFT JOIN source s ON s.id = fs.source_id
WHERE f.market = :code AND f.property = :prop AND f.scope = 'public'
ORDER BY f.qualifiers_key, f.valid_from IS NOT NULL, f.valid_from, f.recorded_at, f.id,
  fs.position
"""

PeerFact = tuple[tuple[Any, ...], list[tuple[Any, ...]]]  # fact columns, its sources


def _grouped(rows: list[tuple[Any, ...]]) -> list[PeerFact]:
    facts: list[PeerFact] = []
    for row in rows:
        if not facts or facts[-1][0][0] != row[0]:
            facts.append((row[:_FACT_WIDTH], []))
        if row[_FACT_WIDTH] is not None:
            facts[-1][1].append(row[_FACT_WIDTH:])
    return facts


def _in(prefix: str, values: Sequence[str], params: dict[str, Any]) -> str:
    names = [f":{prefix}{i}" for i in range(len(values))]
    params.update({f"{prefix}{i}": value for i, value in enumerate(values)})
    return f"({', '.join(names)})"


class Peer:
    """The hand-written SQL peer over one read-only stdlib connection.

    `statistics` are the properties whose latest started figure stays shown after its period
    ends (the vocabulary's `statistic` flag): the same rule as ours, in SQL.
    """

    def __init__(self, path: Path, statistics: Sequence[str] = ()) -> None:
        self.connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        self.statistics = sorted(statistics)

    def profile(
        self, code: str, day: date, properties: Sequence[str] | None = None
    ) -> list[PeerFact]:
        params: dict[str, Any] = {"code": code, "day": day.isoformat()}
        where = "" if properties is None else f"AND f.property IN {_in('p', properties, params)}"
        latest = f"OR f.property IN {_in('s', self.statistics, params)}" if self.statistics else ""
        sql = _PROFILE.replace("{properties}", where).replace("{statistics}", latest)
        return _grouped(self.connection.execute(sql, params).fetchall())

    def history(self, code: str, prop: str) -> list[PeerFact]:
        return _grouped(self.connection.execute(_HISTORY, {"code": code, "prop": prop}).fetchall())

    def compare(self, codes: Sequence[str], properties: Sequence[str], day: date) -> dict[str, Any]:
        return {code: self.profile(code, day, properties) for code in codes}

    def close(self) -> None:
        self.connection.close()


def _ours_key(facts: Sequence[Any]) -> list[tuple[int, int]]:
    return [(f.id, len(f.sources)) for f in facts]


def _peer_key(facts: Sequence[PeerFact]) -> list[tuple[int, int]]:
    return [(row[0], len(sources)) for row, sources in facts]


def _summary(seconds: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {
        "p50_ms": statistics.median(seconds) * 1000,
        "p99_ms": cuts[98] * 1000,
        "mean_ms": statistics.fmean(seconds) * 1000,
    }


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def _workloads(atlas: Any, peer: Peer, dataset: Dataset, calls: int) -> dict[str, list[Any]]:
    """(ours, peer, check) callables per query kind; arguments drawn with random.Random(42)."""
    rng = random.Random(42)
    today = datetime.now(UTC).date()
    first = date(FIRST_YEAR, 1, 1)
    days = (today - first).days
    props = sorted({s.prop.id for s in dataset.statements})
    markets = dataset.markets
    kinds: dict[str, list[Any]] = {"profile_as_of": [], "profile_current": [], "history": []}
    kinds["compare"] = []
    for _ in range(calls):
        code, day = rng.choice(markets), first + timedelta(days=rng.randrange(days))
        kinds["profile_as_of"].append(
            (
                lambda c=code, d=day: atlas.profile(c, as_of=d),
                lambda c=code, d=day: peer.profile(c, d),
            )
        )
        code = rng.choice(markets)
        kinds["profile_current"].append(
            (
                lambda c=code: atlas.profile(c, as_of=today),
                lambda c=code: peer.profile(c, today),
            )
        )
        code, prop = rng.choice(markets), rng.choice(props)
        kinds["history"].append(
            (lambda c=code, p=prop: atlas.history(c, p), lambda c=code, p=prop: peer.history(c, p))
        )
        codes, chosen = rng.sample(markets, min(5, len(markets))), rng.sample(props, 10)
        kinds["compare"].append(
            (
                lambda c=codes, p=chosen: atlas.compare(c, properties=p, as_of=today),
                lambda c=codes, p=chosen: peer.compare(c, p, today),
            )
        )
    return kinds


def _agree(kind: str, ours: Any, theirs: Any) -> bool:
    if kind == "compare":
        return all(_ours_key(ours[c]) == _peer_key(theirs[c]) for c in theirs)
    return _ours_key(ours) == _peer_key(theirs)


def measure(
    db_path: Path, dataset: Dataset, calls: int, log: Callable[[str], None]
) -> dict[str, Any]:
    from autoatlas.atlas import Atlas
    from autoatlas.config import Settings

    atlas = Atlas(Settings(database_url=f"sqlite:///{db_path}"))
    flagged = [p.id for p in atlas.vocabulary.properties.values() if getattr(p, "statistic", 0)]
    peer = Peer(db_path, flagged)
    results: dict[str, Any] = {}
    warmup = min(20, calls)
    for kind, pairs in _workloads(atlas, peer, dataset, calls + warmup).items():
        log(f"queries: {kind} x {calls} (ours and peer, alternating) ...")
        ours_times: list[float] = []
        peer_times: list[float] = []
        checked = agreed = 0
        sizes: list[int] = []
        for index, (ours_call, peer_call) in enumerate(pairs):
            if index % 2:
                peer_seconds, theirs = _timed(peer_call)
                ours_seconds, mine = _timed(ours_call)
            else:
                ours_seconds, mine = _timed(ours_call)
                peer_seconds, theirs = _timed(peer_call)
            checked += 1
            agreed += _agree(kind, mine, theirs)
            if index < warmup:  # the first calls warm caches and compile statements
                continue
            ours_times.append(ours_seconds)
            peer_times.append(peer_seconds)
            if kind != "compare":
                sizes.append(len(mine))
        ours, theirs_summary = _summary(ours_times), _summary(peer_times)
        results[kind] = {
            "calls": len(ours_times),
            "facts_per_call_mean": statistics.fmean(sizes) if sizes else None,
            "ours": ours,
            "peer": theirs_summary,
            "ratio_p50": ours["p50_ms"] / theirs_summary["p50_ms"],
            "ratio_p99": ours["p99_ms"] / theirs_summary["p99_ms"],
            "agree": f"{agreed}/{checked}",
        }
    peer.close()
    atlas.engine.dispose()
    as_of, current = results["profile_as_of"]["ours"], results["profile_current"]["ours"]
    results["as_of_vs_current"] = {
        "ours_p50": as_of["p50_ms"] / current["p50_ms"],
        "ours_p99": as_of["p99_ms"] / current["p99_ms"],
    }
    return results
