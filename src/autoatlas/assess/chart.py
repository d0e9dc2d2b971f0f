"""The landed-cost waterfall as an inline SVG, drawn on the server (no script, no CDN).

Each cost line is a bar floating from the running total; the incentive goes down; the last
bar is the customer price. A line with no fact is drawn as a grey "?" at the running total.
Labels are in English or Chinese (`language`); the web page and the report pass theirs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from html import escape
from unicodedata import east_asian_width

from autoatlas.assess.landed_cost import LandedCost

__all__ = ["COST_LABELS_ZH", "cost_label", "cost_note", "waterfall_svg"]

WIDTH, HEIGHT = 720, 320
_TOP, _BOTTOM, _LEFT, _RIGHT = 24, 64, 16, 16
# WenQuanYi Micro Hei: the CJK font scripts/install-system-deps.sh installs (PDF and browser).
_FONT = "DejaVu Sans, WenQuanYi Micro Hei, Verdana, sans-serif"
_COLOURS = {"price": "#4e79a7", "total": "#2f4b7c", "down": "#59a14f", "up": "#e15759"}


# The cost lines' labels (as landed_cost writes them) and the chart's own, in Chinese.
COST_LABELS_ZH = {
    "Customs value": "完税价格",
    "Import duty (MFN)": "进口关税（最惠国）",
    "Import duty (FTA with China)": "进口关税（中国自贸协定）",
    "Additional duty": "附加关税",
    "Excise tax": "消费税",
    "Luxury tax": "奢侈品税",
    "VAT / GST": "增值税 / 商品及服务税",
    "Registration tax": "注册税",
    "Purchase incentive": "购车补贴",
    "Customer price": "终端售价",
    "Landed cost": "到岸成本",
}


def cost_label(label: str, language: str) -> str:
    """A cost line's label in `language` ("en" or "zh"); English when none is known."""
    return COST_LABELS_ZH.get(label, label) if language == "zh" else label


# Notes landed_cost writes on its lines, in Chinese (anything else stays as written).
_NOTES_ZH: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"^no fact: (.+)$"), lambda m: f"无事实：{cost_label(m[1], 'zh')}"),
    (
        re.compile(r"^price is (\S+): freight and insurance are not included$"),
        lambda m: f"价格为 {m[1]}：不含运费和保险费",
    ),
    (
        re.compile(r"^no exchange rate from (\S+) to (\S+)$"),
        lambda m: f"没有 {m[1]} 兑 {m[2]} 的汇率",
    ),
)


def cost_note(note: str | None, language: str) -> str:
    """A cost line's note in `language`; as written when it is not one landed_cost writes."""
    if not note or language != "zh":
        return note or ""
    for pattern, zh in _NOTES_ZH:
        found = pattern.match(note)
        if found:
            return zh(found)
    return note


def _label(amount: Decimal) -> str:
    return f"{amount:,.0f}"


def waterfall_svg(cost: LandedCost, *, language: str = "en") -> str:
    """An SVG document fragment (safe to inline in HTML) for the cost's lines and total,
    labelled in `language` ("en" or "zh")."""
    steps: list[tuple[str, Decimal, Decimal | None, str]] = []  # label, start, amount, colour
    running = Decimal(0)
    for line in cost.lines:
        label = cost_label(line.label, language)
        if line.amount is None:
            steps.append((label, running, None, "#bab0ac"))
            continue
        colour = "price" if line.key == "price" else ("down" if line.amount < 0 else "up")
        steps.append((label, running, line.amount, _COLOURS[colour]))
        running += line.amount
    total = cost.total
    if total is not None:
        total_label = cost_label("Customer price", language)
        steps.append((total_label, Decimal(0), total, _COLOURS["total"]))
    title = cost_label("Landed cost", language)
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


def _short(label: str, room: int = 16) -> str:
    """The label cut to fit under its bar: a Chinese character takes the room of two."""
    widths = [2 if east_asian_width(char) in ("W", "F") else 1 for char in label]
    if sum(widths) <= room:
        return label
    used, keep = 0, 0
    while used + widths[keep] <= room - 1:  # one place for the ellipsis
        used += widths[keep]
        keep += 1
    return label[:keep] + "…"
