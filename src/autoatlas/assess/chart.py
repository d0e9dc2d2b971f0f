"""The landed-cost waterfall as an inline SVG, drawn on the server (no script, no CDN).

Each cost line is a bar floating from the running total; the incentive goes down; the last
bar is the customer price. A line with no fact is drawn as a grey "?" at the running total.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from autoatlas.assess.landed_cost import LandedCost

__all__ = ["waterfall_svg"]

WIDTH, HEIGHT = 720, 320
_TOP, _BOTTOM, _LEFT, _RIGHT = 24, 64, 16, 16
_FONT = "DejaVu Sans, Verdana, sans-serif"
_COLOURS = {"price": "#4e79a7", "total": "#2f4b7c", "down": "#59a14f", "up": "#e15759"}


def _label(amount: Decimal) -> str:
    return f"{amount:,.0f}"


def waterfall_svg(cost: LandedCost, *, title: str = "Landed cost") -> str:
    """An SVG document fragment (safe to inline in HTML) for the cost's lines and total."""
    steps: list[tuple[str, Decimal, Decimal | None, str]] = []  # label, start, amount, colour
    running = Decimal(0)
    for line in cost.lines:
        if line.amount is None:
            steps.append((line.label, running, None, "#bab0ac"))
            continue
        colour = "price" if line.key == "price" else ("down" if line.amount < 0 else "up")
        steps.append((line.label, running, line.amount, _COLOURS[colour]))
        running += line.amount
    total = cost.total
    if total is not None:
        steps.append(("Customer price", Decimal(0), total, _COLOURS["total"]))
    peak = max([s + (a or 0) for _l, s, a, _c in steps] + [s for _l, s, _a, _c in steps] + [1])
    plot_h = HEIGHT - _TOP - _BOTTOM
    slot = (WIDTH - _LEFT - _RIGHT) / max(len(steps), 1)
    bar_w = slot * 0.62

    def y(value: Decimal) -> float:
        return _TOP + plot_h - float(value / peak) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" style="max-width: {WIDTH}px" font-family="{_FONT}" font-size="11">',
        f"<title>{escape(title)} ({escape(cost.currency)})</title>",
        f'<line x1="{_LEFT}" y1="{y(Decimal(0)):.1f}" x2="{WIDTH - _RIGHT}" '
        f'y2="{y(Decimal(0)):.1f}" stroke="#888" stroke-width="1"/>',
    ]
    for index, (label, start, amount, colour) in enumerate(steps):
        x = _LEFT + index * slot + (slot - bar_w) / 2
        centre = x + bar_w / 2
        if amount is None:
            top, height, text = y(start), 2.0, "?"
        else:
            end = start + amount
            top = y(max(start, end))
            height = max(abs(y(start) - y(end)), 1.0)
            text = _label(amount)
        parts.append(
            f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar_w:.1f}" height="{height:.1f}" '
            f'fill="{colour}"><title>{escape(label)}: {escape(text)}</title></rect>'
        )
        parts.append(
            f'<text x="{centre:.1f}" y="{top - 4:.1f}" text-anchor="middle" '
            f'font-family="{_FONT}">{escape(text)}</text>'
        )
        parts.append(
            f'<text x="{centre:.1f}" y="{HEIGHT - _BOTTOM + 16}" text-anchor="middle" '
            f'font-family="{_FONT}">{escape(_short(label))}</text>'
        )
    parts.append(
        f'<text x="{WIDTH - _RIGHT}" y="{HEIGHT - 8}" text-anchor="end" '
        f'font-family="{_FONT}" fill="#555">{escape(cost.currency)}</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _short(label: str) -> str:
    return label if len(label) <= 16 else label[:15] + "…"
