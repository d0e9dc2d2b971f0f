"""Our app under cProfile, for `http_bench.py --profile` only (nothing of this is in src/).

    AUTOATLAS_BENCH_PROFILE=/tmp/http-profile.txt \\
        .venv/bin/python -m uvicorn http_profile:profiled_app --factory --app-dir bench

The app is `app_from_env()`, as `autoatlas serve` builds it. cProfile follows one thread, so
the event-loop thread gets one profiler and each worker thread of the pool (where FastAPI
runs sync routes and dependencies) gets its own, wrapped around every call
`anyio.to_thread.run_sync` makes. At exit the profiles are merged and written as text to the
file the variable names: the top functions by cumulative and by own time, for the worker
threads and for the event-loop thread apart.
"""

from __future__ import annotations

import atexit
import cProfile
import io
import os
import pstats
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread

from autoatlas.api.app import app_from_env

__all__ = ["ENV", "profiled_app"]

ENV = "AUTOATLAS_BENCH_PROFILE"
_profiles: list[cProfile.Profile] = []
_local = threading.local()
_lock = threading.Lock()


def _thread_profile() -> cProfile.Profile:
    profile: cProfile.Profile | None = getattr(_local, "profile", None)
    if profile is None:
        profile = _local.profile = cProfile.Profile()
        with _lock:
            _profiles.append(profile)
    return profile


def _profiled(func: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        profile = _thread_profile()
        profile.enable()
        try:
            return func(*args)
        finally:
            profile.disable()

    return call


def _patch_thread_pool() -> None:
    run_sync = anyio.to_thread.run_sync

    async def profiled_run_sync(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await run_sync(_profiled(func), *args, **kwargs)

    anyio.to_thread.run_sync = profiled_run_sync  # type: ignore[assignment]


def _section(out: io.StringIO, title: str, stats: pstats.Stats) -> None:
    out.write(f"\n# {title}\n")
    stats.strip_dirs()
    stats.sort_stats("cumulative").print_stats(50)
    stats.sort_stats("tottime").print_stats(30)


def _write(path: Path, main: cProfile.Profile) -> None:
    main.disable()
    out = io.StringIO()
    with _lock:
        workers = list(_profiles)
    if workers:
        merged = pstats.Stats(workers[0], stream=out)
        for profile in workers[1:]:
            merged.add(profile)
        _section(out, f"worker threads ({len(workers)} merged): routes and dependencies", merged)
    _section(
        out, "event-loop thread: middleware, routing, responses", pstats.Stats(main, stream=out)
    )
    path.write_text(out.getvalue(), encoding="utf-8")


def profiled_app() -> Any:
    path = os.environ.get(ENV)
    app = app_from_env()
    if path:
        _patch_thread_pool()
        main = cProfile.Profile()
        main.enable()
        atexit.register(_write, Path(path), main)
    return app
