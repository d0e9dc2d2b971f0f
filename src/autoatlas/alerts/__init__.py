"""Alerts: watchlists, matching (pure), deadlines, portfolio-aware re-assessment, digests,
delivery channels (the only network I/O) and the worker that runs the queue."""

from __future__ import annotations

from autoatlas.alerts.matching import Event, Match, Severity, Watch, WatchIndex, match_events
from autoatlas.alerts.worker import Backoff, Clock, SystemClock, Worker, WorkerConfig

__all__ = [
    "Backoff",
    "Clock",
    "Event",
    "Match",
    "Severity",
    "SystemClock",
    "Watch",
    "WatchIndex",
    "Worker",
    "WorkerConfig",
    "match_events",
]
