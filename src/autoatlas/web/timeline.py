"""The history of one value as an SVG drawn on the server: a step line for numbers (a tariff
rising in steps shows as stairs), coloured bands for other values; a mark for today."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from html import escape
from typing import Any

__all__ = ["timeline_svg"]

WIDTH, HEIGHT = 720, 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 16, 40
_PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1")


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _span(steps: Sequence[dict[str, Any]], today: date) -> tuple[date, date]:
    starts = [_day(s["valid_from"]) for s in steps]
    ends = [_day(s["valid_to"]) for s in steps]
    known = [d for d in starts + ends if d is not None] + [today]
    first, last = min(known), max(known)
    if first == last:
        first = first - timedelta(days=365)
    pad = max((last - first).days // 12, 180)
    return first - timedelta(days=pad), last + timedelta(days=pad)


def timeline_svg(steps: Sequence[dict[str, Any]], today: date, *, title: str) -> str:
    """`steps`: fact views of one statement (valid_from, valid_to, number, text), current
    records only. Every text is escaped here; the result is safe to inline."""
    if not steps:
        return ""
    start, end = _span(steps, today)
    total = (end - start).days or 1
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM

    def x(day: date | None, default: date) -> float:
        return _LEFT + ((day or default) - start).days / total * plot_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="DejaVu Sans, Verdana, sans-serif" '
        f'font-size="11"><title>{escape(title)}</title>',
        f'<line x1="{_LEFT}" y1="{_TOP + plot_h}" x2="{WIDTH - _RIGHT}" y2="{_TOP + plot_h}" '
        'stroke="#999"/>',
    ]
    for year in range(start.year + 1, end.year + 1):
        tick = x(date(year, 1, 1), start)
        if (end.year - start.year) > 12 and year % 5:
            continue
        parts.append(
            f'<line x1="{tick:.1f}" y1="{_TOP + plot_h}" x2="{tick:.1f}" y2="{_TOP + plot_h + 4}" '
            f'stroke="#999"/><text x="{tick:.1f}" y="{_TOP + plot_h + 16}" '
            f'text-anchor="middle" fill="#555">{year}</text>'
        )
    numbers = [s["number"] for s in steps if s.get("number") is not None]
    if len(numbers) == len(steps):
        parts += _steps(steps, numbers, x, start, end, plot_h)
    else:
        parts += _bands(steps, x, start, end, plot_h)
    now = x(today, today)
    right = now > WIDTH * 0.75  # label on the left of the mark near the right edge
    parts.append(
        f'<line x1="{now:.1f}" y1="{_TOP}" x2="{now:.1f}" y2="{_TOP + plot_h}" stroke="#c00" '
        f'stroke-dasharray="3,3"/><text x="{now - 3 if right else now + 3:.1f}" '
        f'y="{_TOP + plot_h - 6}" fill="#c00" text-anchor="{"end" if right else "start"}">'
        f"{today.isoformat()}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def _steps(
    steps: Sequence[dict[str, Any]],
    numbers: list[float],
    x: Any,
    start: date,
    end: date,
    plot_h: float,
) -> list[str]:
    top = max(max(numbers), 0.0) or 1.0
    low = min(min(numbers), 0.0)

    def y(value: float) -> float:
        return _TOP + plot_h - (value - low) / (top - low) * plot_h * 0.9

    parts = [
        f'<text x="{_LEFT - 6}" y="{y(top) + 4:.1f}" text-anchor="end" fill="#555">'
        f"{escape(_short(top))}</text>",
        f'<text x="{_LEFT - 6}" y="{y(low) + 4:.1f}" text-anchor="end" fill="#555">'
        f"{escape(_short(low))}</text>",
    ]
    for step in steps:
        x0, x1 = x(_day(step["valid_from"]), start), x(_day(step["valid_to"]), end)
        level = y(step["number"])
        parts.append(
            f'<rect x="{x0:.1f}" y="{level:.1f}" width="{max(x1 - x0, 1):.1f}" '
            f'height="{_TOP + plot_h - level:.1f}" fill="#4e79a7" fill-opacity="0.18"/>'
            f'<line x1="{x0:.1f}" y1="{level:.1f}" x2="{x1:.1f}" y2="{level:.1f}" '
            f'stroke="#2f4b7c" stroke-width="2.5"><title>{escape(_when(step))}: '
            f"{escape(step['text'])}</title></line>"
            f'<text x="{x0 + 3:.1f}" y="{level - 4:.1f}" fill="#2f4b7c">'
            f"{escape(step['text'])}</text>"
        )
    return parts


def _bands(
    steps: Sequence[dict[str, Any]], x: Any, start: date, end: date, plot_h: float
) -> list[str]:
    parts = []
    colours: dict[str, str] = {}
    for step in steps:
        colour = colours.setdefault(step["text"], _PALETTE[len(colours) % len(_PALETTE)])
        x0, x1 = x(_day(step["valid_from"]), start), x(_day(step["valid_to"]), end)
        parts.append(
            f'<rect x="{x0:.1f}" y="{_TOP + plot_h / 3:.1f}" width="{max(x1 - x0, 1):.1f}" '
            f'height="{plot_h / 3:.1f}" fill="{colour}" stroke="#fff">'
            f"<title>{escape(_when(step))}: {escape(step['text'])}</title></rect>"
            f'<text x="{x0 + 4:.1f}" y="{_TOP + plot_h / 3 - 4:.1f}" fill="#333">'
            f"{escape(step['text'][:40])}</text>"
        )
    return parts


def _when(step: dict[str, Any]) -> str:
    return f"{step['valid_from'] or '…'} – {step['valid_to'] or '…'}"


def _short(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or float(value).is_integer() else f"{value:.2f}"
