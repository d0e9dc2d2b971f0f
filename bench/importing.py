"""Import benchmarks: our `import` against sqlite-utils `insert_all`, each in a fresh process.

Every measurement runs in its own spawned process on a fresh SQLite file, so one run's memory
and caches do not colour the next; each returns its timings and its peak memory.
"""

from __future__ import annotations

import cProfile
import csv
import io
import multiprocessing
import pstats
import resource
import time
from pathlib import Path
from typing import Any

__all__ = ["measure", "run_in_child"]


def _fresh(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _db_bytes(path: Path) -> int:
    return sum(
        Path(f"{path}{suffix}").stat().st_size
        for suffix in ("", "-wal")
        if Path(f"{path}{suffix}").exists()
    )


def ours(csv_path: Path, db_path: Path) -> dict[str, Any]:
    """`autoatlas import` through the library: read, validate everything, plan, write."""
    from autoatlas.atlas import Atlas
    from autoatlas.config import Settings

    _fresh(db_path)
    atlas = Atlas(Settings(database_url=f"sqlite:///{db_path}"))
    started = time.perf_counter()
    atlas.init()
    atlas.vocabulary  # noqa: B018 - loaded once per process, as the CLI does before importing
    init_seconds = time.perf_counter() - started
    marks: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        marks.setdefault(f"{stage}_first", time.perf_counter() - started)
        marks[f"{stage}_last"] = time.perf_counter() - started

    started = time.perf_counter()
    report = atlas.import_files([csv_path], progress=progress)
    seconds = time.perf_counter() - started
    atlas.engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return {
        "seconds": seconds,
        "rows": report.added,
        "init_seconds": init_seconds,
        # Stages from the progress callback: reading and validating end at validate_last;
        # planning runs until the first write batch is reported; after the last batch come
        # the change events, review and audit rows, and the commit.
        "stages": {
            "read_validate": marks.get("validate_last"),
            "plan_and_first_batch": _gap(marks, "validate_last", "write_first"),
            "plan_and_write": _gap(marks, "validate_last", "write_last"),
            "after_last_batch": seconds - marks["write_last"] if "write_last" in marks else None,
        },
        "peak_rss_mb": _peak_rss_mb(),
        "db_bytes": _db_bytes(db_path),
    }


def _gap(marks: dict[str, float], start: str, end: str) -> float | None:
    if start in marks and end in marks:
        return marks[end] - marks[start]
    return None


def peer(csv_path: Path, db_path: Path, *, one_transaction: bool = False) -> dict[str, Any]:
    """sqlite-utils: `Database(path)["fact"].insert_all(rows)` of the same CSV rows.

    As documented and by default: a transaction per batch, rollback journal. With
    `one_transaction`, WAL and one transaction around the whole load (what our import does).
    """
    import sqlite_utils

    _fresh(db_path)
    started = time.perf_counter()
    db = sqlite_utils.Database(db_path)
    with csv_path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle)
        if one_transaction:
            db.enable_wal()
            with db.atomic():
                db["fact"].insert_all(rows)
        else:
            db["fact"].insert_all(rows)
    seconds = time.perf_counter() - started
    count = db["fact"].count
    db.close()
    return {
        "seconds": seconds,
        "rows": count,
        "peak_rss_mb": _peak_rss_mb(),
        "db_bytes": _db_bytes(db_path),
    }


def profiled(csv_path: Path, db_path: Path, out: Path, top: int = 30) -> dict[str, Any]:
    """Our import under cProfile (slower than unprofiled): the hot spots, written to `out`."""
    from autoatlas.atlas import Atlas
    from autoatlas.config import Settings

    _fresh(db_path)
    atlas = Atlas(Settings(database_url=f"sqlite:///{db_path}"))
    atlas.init()
    atlas.vocabulary  # noqa: B018
    profiler = cProfile.Profile()
    profiler.enable()
    atlas.import_files([csv_path])
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = max(stats.total_tt, 1e-9)  # type: ignore[attr-defined]
    text = io.StringIO()
    import autoatlas

    text.write(
        f"# cProfile of our import of {csv_path.name} "
        f"(autoatlas from {Path(autoatlas.__file__).parent}); profiled time {total:.1f}s\n"
    )
    stats.stream = text  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text.getvalue(), encoding="utf-8")
    rows = []
    for (file, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{_short(file)}:{line}({name})" if file != "~" else name,
                "calls": calls,
                "self_share": round(tottime / total, 4),
                "cumulative_share": round(cumtime / total, 4),
            }
        )
    rows.sort(key=lambda r: r["self_share"], reverse=True)
    return {"profiled_seconds": total, "top_self": rows[:top], "report": str(out)}


def _short(file: str) -> str:
    if file == "~":  # a built-in: the name says it all
        return ""
    for marker in ("site-packages/", "src/", "lib/python3"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def _child(queue: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    try:
        queue.put(("ok", globals()[name](*args, **kwargs)))
    except BaseException as exc:  # report it to the parent, whatever it was
        queue.put(("error", f"{type(exc).__name__}: {exc}"))


def run_in_child(name: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run one of this module's measurements in a fresh spawned process."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, name, args, kwargs))
    process.start()
    status, payload = queue.get()
    process.join()
    if status != "ok":
        raise RuntimeError(f"{name} failed in its process: {payload}")
    return payload  # type: ignore[no-any-return]


_CONTENDERS = (
    ("ours", "ours (autoatlas import, all validation on)", "ours", {}),
    ("peer", "peer (sqlite-utils insert_all, defaults)", "peer", {}),
    ("peer_one_tx", "peer (insert_all, WAL + one transaction)", "peer", {"one_transaction": True}),
)


def measure(csv_path: Path, work: Path, facts: int, log: Any, repeats: int = 1) -> dict[str, Any]:
    """Ours, the peer as documented, the peer in one transaction; rounds interleaved.

    With several rounds each contender keeps its fastest run (the least disturbed by other
    work on the machine); every run's seconds are kept too.
    """
    results: dict[str, Any] = {}
    for round_ in range(repeats):
        for key, label, function, options in _CONTENDERS:
            log(f"import: {label} (round {round_ + 1} of {repeats}) ...")
            run = run_in_child(function, csv_path, work / f"{key.replace('_', '-')}.db", **options)
            if run["rows"] != facts:
                raise RuntimeError(f"{key}: expected {facts} rows imported, got {run['rows']}")
            best = results.get(key)
            runs = [*best["runs_seconds"], run["seconds"]] if best else [run["seconds"]]
            if best is None or run["seconds"] < best["seconds"]:
                best = run
            results[key] = {**best, "runs_seconds": runs}
    for key, *_ in _CONTENDERS:
        results[key]["rows_per_s"] = results[key]["rows"] / results[key]["seconds"]
    ours_rate = results["ours"]["rows_per_s"]
    results["ratio"] = ours_rate / results["peer"]["rows_per_s"]
    results["ratio_one_tx"] = ours_rate / results["peer_one_tx"]["rows_per_s"]
    return results
