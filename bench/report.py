"""What machine ran the benchmark, and the results as a table for people."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["GOALS", "calibration_ms", "load_average", "machine", "table"]

GOALS = {
    "import": "ours at least as fast as sqlite-utils insert_all (ratio of rows/s >= 1)",
    "profile": "profile within 1.5x of hand-written SQL (ratio of p50 <= 1.5)",
    "as_of": "an 'as of' profile as fast as the current one (ratio of p50 about 1)",
}


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def _package(root: Path) -> dict[str, Any]:
    """Which autoatlas was measured: the working tree, or another copy on PYTHONPATH."""
    import autoatlas

    where = Path(autoatlas.__file__).resolve().parent
    in_tree = where.is_relative_to(root / "src")
    head = _git(root, "rev-parse", "--short", "HEAD")
    if not in_tree:  # another copy ran (say a clean export on PYTHONPATH): --note names it
        return {"autoatlas_path": str(where), "git_commit": None, "tree_git_commit": head}
    return {
        "autoatlas_path": str(where),
        "git_commit": head,
        "git_dirty": bool(_git(root, "status", "--porcelain", "--", "src")),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine(root: Path) -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.machine(),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": _version("SQLAlchemy"),
        "sqlite_utils": _version("sqlite-utils"),
        "autoatlas": _version("autoatlas"),
        **_package(root),
        "load_average_at_start": load_average(),
        "calibration_ms": calibration_ms(),
    }


def calibration_ms() -> float:
    """A fixed pure-Python workload (ten million loop steps), best of three, in ms: the
    hosts differ from one session to the next by up to two-fold, so absolute figures of
    different sessions compare only through it (same code: time / calibration)."""
    best = float("inf")
    for _attempt in range(3):
        started = time.perf_counter()
        total = 0
        for step in range(10_000_000):
            total += step
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def table(results: dict[str, Any]) -> str:
    """The figures that matter, as aligned text."""
    lines: list[str] = []
    host = results["machine"]
    lines.append(
        f"machine: {host['nproc']} CPUs, Python {host['python']}, SQLite {host['sqlite']}, "
        f"load average {host['load_average_at_start'][0]} at start, "
        f"{host.get('load_average_at_end', ['?'])[0]} at end"
    )
    data = results["dataset"]
    lines.append(
        f"dataset: {data['facts']:,} facts = {data['markets']} markets x "
        f"{data['statements']} statements x {data['versions']} versions, "
        f"{data['sources']} sources, CSV {data['csv_bytes'] / 2**20:.0f} MB"
    )
    imp = results["import"]
    lines.append("")
    lines.append(f"{'import':<34}{'seconds':>10}{'rows/s':>12}{'peak MB':>10}{'DB MB':>9}")
    for key, label in (
        ("ours", "ours (autoatlas import)"),
        ("peer", "peer (sqlite-utils insert_all)"),
        ("peer_one_tx", "peer, WAL + one transaction"),
    ):
        entry = imp[key]
        lines.append(
            f"{label:<34}{entry['seconds']:>10.1f}{entry['rows_per_s']:>12,.0f}"
            f"{entry['peak_rss_mb']:>10.0f}{entry['db_bytes'] / 2**20:>9.0f}"
        )
    lines.append(
        f"ratio ours/peer (rows/s): {imp['ratio']:.2f}  "
        f"(vs one-transaction peer: {imp['ratio_one_tx']:.2f}; goal >= 1)"
    )
    stages = imp["ours"]["stages"]
    if stages.get("read_validate") is not None:
        lines.append(
            f"ours by stage: read+validate {stages['read_validate']:.1f}s, "
            f"plan+write {stages['plan_and_write'] or 0:.1f}s, "
            f"events+commit {stages['after_last_batch'] or 0:.1f}s; "
            f"init (not counted) {imp['ours']['init_seconds']:.1f}s"
        )
    lines.append("")
    header = f"{'query (ms)':<18}{'ours p50':>10}{'ours p99':>10}{'peer p50':>10}{'peer p99':>10}"
    lines.append(header + f"{'p50 x':>8}{'p99 x':>8}{'facts':>8}{'agree':>10}")
    queries = results["queries"]
    for kind in ("profile_as_of", "profile_current", "history", "compare"):
        entry = queries[kind]
        size = entry["facts_per_call_mean"]
        lines.append(
            f"{kind:<18}{_ms(entry['ours']['p50_ms']):>10}{_ms(entry['ours']['p99_ms']):>10}"
            f"{_ms(entry['peer']['p50_ms']):>10}{_ms(entry['peer']['p99_ms']):>10}"
            f"{entry['ratio_p50']:>8.2f}{entry['ratio_p99']:>8.2f}"
            f"{'' if size is None else f'{size:.0f}':>8}{entry['agree']:>10}"
        )
    ratio = queries["as_of_vs_current"]
    lines.append(
        f"as of / current (ours): p50 {ratio['ours_p50']:.2f}, p99 {ratio['ours_p99']:.2f} "
        "(goal about 1)"
    )
    lines.append("")
    for name, goal in results["goals"].items():
        lines.append(f"goal {name}: {'met' if goal['met'] else 'NOT met'} - {goal['goal']}")
    return "\n".join(lines)
