"""AutoAtlas benchmarks with peers: import speed and query latency on a synthetic 1M-fact store.

    .venv/bin/python bench/run.py                      # the full run: 1,000,000 facts
    .venv/bin/python bench/run.py --facts 100000       # a quick check
    .venv/bin/python bench/run.py --profile-import     # also write the import's hot spots

Writes JSON to --out (bench/results/latest.json) and prints a table. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import pycountry

import importing
import querying
from report import GOALS, load_average, machine, table
from synthetic import Dataset, choose_markets, choose_statements, write_csv

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
STATEMENTS = 200
VERSIONS = 20
PER_MARKET = STATEMENTS * VERSIONS
BLOC_NAMES = {"EU": "European Union"}


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark AutoAtlas import and queries against sqlite-utils and plain SQL.",
        epilog="example: .venv/bin/python bench/run.py --facts 100000 --out /tmp/quick.json",
    )
    parser.add_argument(
        "--facts",
        type=int,
        default=1_000_000,
        help=f"facts to generate, a multiple of {PER_MARKET:,} "
        f"({STATEMENTS} statements x {VERSIONS} versions per market); default 1,000,000",
    )
    parser.add_argument(
        "--out", type=Path, default=BENCH / "results" / "latest.json", help="JSON results file"
    )
    parser.add_argument("--calls", type=int, default=500, help="timed calls per query kind")
    parser.add_argument(
        "--import-rounds",
        type=int,
        default=1,
        help="rounds of the three imports (interleaved); each keeps its fastest; default 1",
    )
    parser.add_argument(
        "--work", type=Path, default=BENCH / "work", help="where the CSV and databases go"
    )
    parser.add_argument(
        "--profile-import",
        action="store_true",
        help="also run our import under cProfile (an extra, untimed run) and record hot spots",
    )
    parser.add_argument(
        "--note", default=None, help="free text kept in the results (what was measured, why)"
    )
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="skip generation and imports; query the databases a previous run of the same "
        "--facts left in --work (for iterating on queries)",
    )
    args = parser.parse_args(argv)
    if args.facts < 2 * PER_MARKET or args.facts % PER_MARKET:
        parser.error(f"--facts must be a multiple of {PER_MARKET:,}, at least {2 * PER_MARKET:,}")
    if args.import_rounds < 1:
        parser.error("--import-rounds must be at least 1")
    if args.calls < 2:
        parser.error("--calls must be at least 2")
    return args


def _names(markets: list[str]) -> dict[str, str]:
    names = dict(BLOC_NAMES)
    for code in markets:
        country = pycountry.countries.get(alpha_2=code)
        if country is not None:
            names[code] = country.name
    return names


def _dataset(args: argparse.Namespace) -> Dataset:
    from autoatlas.vocabulary import load_vocabulary

    markets = choose_markets(args.facts // PER_MARKET)
    statements = choose_statements(load_vocabulary(), STATEMENTS)
    path = args.work / f"facts-{args.facts}.csv"
    if args.reuse_db and path.exists():
        facts = len(markets) * len(statements) * VERSIONS
        return Dataset(path, markets, statements, VERSIONS, facts, len(markets))
    _log(f"generating {args.facts:,} facts into {path} ...")
    return write_csv(path, markets, statements, VERSIONS, _names(markets))


def _goals(imported: dict[str, Any], queries: dict[str, Any]) -> dict[str, Any]:
    profile = max(queries["profile_as_of"]["ratio_p50"], queries["profile_current"]["ratio_p50"])
    as_of = queries["as_of_vs_current"]["ours_p50"]
    return {
        "import": {
            "goal": GOALS["import"],
            "value": imported.get("ratio"),
            "met": bool(imported.get("ratio") is not None and imported["ratio"] >= 1),
        },
        "profile": {"goal": GOALS["profile"], "value": profile, "met": profile <= 1.5},
        "as_of": {"goal": GOALS["as_of"], "value": as_of, "met": as_of <= 1.25},
    }


def _write(out: Path, results: dict[str, Any]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".tmp")
    temporary.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    temporary.replace(out)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    dataset = _dataset(args)
    db_path = args.work / "ours.db"
    results: dict[str, Any] = {
        "note": args.note,
        "machine": machine(ROOT),
        "dataset": {
            "facts": dataset.facts,
            "markets": len(dataset.markets),
            "statements": len(dataset.statements),
            "versions": dataset.versions,
            "sources": dataset.sources,
            "csv_bytes": dataset.path.stat().st_size,
            "seed": 42,
            "first_markets": dataset.markets[:5],
        },
    }
    if args.reuse_db:
        previous = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
        results["import"] = previous.get("import", {})
    else:
        results["import"] = importing.measure(
            dataset.path, args.work, dataset.facts, _log, args.import_rounds
        )
    if args.profile_import:
        _log("import: ours under cProfile (untimed) ...")
        results["import_profile"] = importing.run_in_child(
            "profiled",
            dataset.path,
            args.work / "profiled.db",
            args.out.with_name("import-profile.txt"),
        )
    results["queries"] = querying.measure(db_path, dataset, args.calls, _log)
    results["goals"] = _goals(results["import"], results["queries"])
    results["machine"]["load_average_at_end"] = load_average()
    results["elapsed_seconds"] = time.perf_counter() - started
    _write(args.out, results)
    if results["import"]:
        print(table(results))
    _log(f"results written to {args.out} ({results['elapsed_seconds']:.0f}s in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
