"""Reports of an assessment: HTML (Jinja2) and PDF (WeasyPrint, from the same HTML).

The report shows the fit score and what cost it points, the findings grouped by severity,
the landed-cost table and its waterfall chart (inline SVG), a variant's changes when there
is one, and the numbered list of every source that a finding or a cost line relied on.

It is written in English or in Simplified Chinese (`language`): headings, severities and
statuses, the findings' messages (rules write both), the rules' descriptions and the
cost lines. Sources keep their own titles. The PDF draws Chinese with WenQuanYi Micro Hei,
the CJK font scripts/install-system-deps.sh installs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from autoatlas.assess.assessment import Assessment
from autoatlas.assess.chart import cost_label, cost_note, waterfall_svg
from autoatlas.assess.variants import VariantComparison
from autoatlas.domain.facts import Fact
from autoatlas.rules.engine import Finding, Severity, Status, describe
from autoatlas.store.queries import MarketRow

__all__ = [
    "LANGUAGES",
    "SEVERITIES",
    "Language",
    "by_severity",
    "market_name",
    "render_html",
    "render_pdf",
]

Language = Literal["en", "zh"]
LANGUAGES: tuple[Language, ...] = ("en", "zh")

SEVERITIES = (Severity.BLOCKER, Severity.MAJOR, Severity.MINOR, Severity.INFO)
_STATUS_ORDER = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.NOTE: 2, Status.OK: 3}


# The report's own words in Chinese (the web pages use the same terms, see vehicles.po).
_ZH = {
    "%(model)s in %(market)s on %(on)s · AutoAtlas assessment": (
        "%(model)s 在%(market)s的评估（%(on)s）· AutoAtlas"
    ),
    "made in %(origin)s": "产地 %(origin)s",
    "assessed for %(on)s": "评估日期 %(on)s",
    "fit score": "适配评分",
    "%(count)s findings, %(failed)s failed, %(unknown)s unknown": (
        "共 %(count)s 项发现，%(failed)s 项不符合，%(unknown)s 项未知"
    ),
    "Why the score is %(score)s": "评分为何是 %(score)s",
    "rule": "规则",
    "why": "原因",
    "points": "扣分",
    "No finding costs points: every requirement recorded is met.": (
        "没有扣分的发现项：已记录的各项要求均已满足。"
    ),
    "Variant: %(changes)s": "变体：%(changes)s",
    "Fit score %(base)s → %(variant)s": "适配评分 %(base)s → %(variant)s",
    "customer price %(change)s %(currency)s": "终端售价 %(change)s %(currency)s",
    "Resolved by the change": "变更后解决的问题",
    "Brought by the change": "变更后新增的问题",
    "Findings": "发现项",
    "Adaptation:": "建议调整：",
    "via %(market)s": "继承自 %(market)s",
    "Landed cost (%(currency)s)": "到岸成本（%(currency)s）",
    "line": "项目",
    "rate": "税率",
    "amount": "金额",
    "notes": "说明",
    "sources": "来源",
    "Sources": "来源",
    "unknown": "未知",
    "(incomplete: a rate is missing)": "（不完整：缺少某项税率）",
    "AutoAtlas assessment of %(model)s in %(market)s, valid date %(on)s; facts as the "
    "database held them when generated (%(generated)s). Every figure cites its source.": (
        "AutoAtlas 对 %(model)s 在 %(market)s 的评估，有效日期 %(on)s；事实为生成时"
        "（%(generated)s）数据库中的记录。每个数字均注明来源。"
    ),
    # severities, statuses, and why a penalty counts (scoring's words)
    "blocker": "阻断",
    "major": "重大",
    "minor": "轻微",
    "info": "信息",
    "ok": "符合",
    "fail": "不符合",
    "note": "提示",
    "unknown — no fact": "未知——无事实",
    # Source kinds (domain.facts.SOURCE_KINDS), as the source list names them.
    "law": "法律",
    "regulation": "法规",
    "official_statistics": "官方统计",
    "standard": "标准",
    "dataset": "数据集",
    "company_report": "企业报告",
    "report": "报告",
    "news": "新闻",
    "expert_judgement": "专家判断",
}


def by_severity(findings: Sequence[Finding]) -> list[tuple[Severity, list[Finding]]]:
    """Findings grouped by severity, heaviest first; in a group failures first, then
    unknowns, notes and passes, by rule. Empty groups are left out."""
    groups = []
    for severity in SEVERITIES:
        found = sorted(
            (f for f in findings if f.severity is severity),
            key=lambda f: (_STATUS_ORDER[f.status], f.rule),
        )
        if found:
            groups.append((severity, found))
    return groups


def _translator(language: Language) -> Callable[..., str]:
    """`t(text, **values)`: the report's text in `language`, with the values put in."""

    def t(text: str, **values: Any) -> str:
        if language == "zh":
            text = _ZH.get(text, text)
        return text % values if values else text

    return t


def market_name(row: MarketRow, language: Language) -> str:
    """The market's name as a report in `language` writes it."""
    return row.name_zh if language == "zh" and row.name_zh else row.name_en


def _check_language(language: str) -> Language:
    if language not in LANGUAGES:
        raise ValueError(f"a report is in en or zh, not {language!r}")
    return "zh" if language == "zh" else "en"


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("autoatlas.assess", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _citations(facts: Sequence[Fact], numbers: dict[str, int]) -> list[int]:
    return sorted({numbers[s.digest] for f in facts for s in f.sources if s.digest in numbers})


def _facts(facts: Sequence[Fact]) -> list[dict[str, Any]]:
    return [
        {
            "property": f.property,
            "value": f.value,
            "unit": f.unit,
            "qualifiers": ", ".join(f"{k}={v}" for k, v in f.qualifiers.items()),
            "market": f.market,
            "via": f.inherited_from,
        }
        for f in facts
    ]


def _finding(finding: Finding, numbers: dict[str, int], language: Language) -> dict[str, Any]:
    adaptation = finding.adaptation
    return {
        "rule": finding.rule,
        "description": describe(finding.rule, language),
        "status": str(finding.status),
        "severity": str(finding.severity),
        "message": finding.message.zh if language == "zh" else finding.message.en,
        "adaptation": (
            None if adaptation is None else adaptation.zh if language == "zh" else adaptation.en
        ),
        "facts": _facts(finding.facts),
        "cites": _citations(finding.facts, numbers),
    }


def _context(
    assessment: Assessment,
    comparison: VariantComparison | None,
    market_name: str | None,
    language: Language,
) -> dict[str, Any]:
    numbers: dict[str, int] = {}
    by_digest: dict[str, dict[str, Any]] = {}
    cited = [f for finding in assessment.findings for f in finding.facts]
    cited += [f for line in assessment.cost.lines for f in line.facts]
    for fact in cited:
        for source in fact.sources:
            if source.digest not in numbers:
                numbers[source.digest] = len(numbers) + 1
                by_digest[source.digest] = source.as_dict()
    groups = [
        {"severity": str(severity), "findings": [_finding(f, numbers, language) for f in found]}
        for severity, found in by_severity(assessment.findings)
    ]
    cost = assessment.cost
    return {
        "a": assessment,
        "model": assessment.model,
        "market_name": market_name or assessment.market,
        "groups": groups,
        "count": len(assessment.findings),
        "failed": sum(1 for f in assessment.findings if f.status is Status.FAIL),
        "unknown": sum(1 for f in assessment.findings if f.status is Status.UNKNOWN),
        "cost": cost,
        "cost_lines": [
            {
                "line": line,
                "label": cost_label(line.label, language),
                "note": cost_note(line.note, language),
                "cites": _citations(line.facts, numbers),
            }
            for line in cost.lines
        ],
        "customer_price": cost_label("Customer price", language),
        "penalties": [
            {"rule": rule, "description": describe(rule, language), "why": why, "points": points}
            for rule, why, points in assessment.penalties
        ],
        "variant": None
        if comparison is None
        else {
            "resolved": [_finding(f, numbers, language) for f in comparison.resolved],
            "introduced": [_finding(f, numbers, language) for f in comparison.introduced],
        },
        "chart": Markup(waterfall_svg(cost, language=language)),
        "sources": sorted(
            ({"n": n, **by_digest[d]} for d, n in numbers.items()), key=lambda s: s["n"]
        ),
        "comparison": comparison,
        "t": _translator(language),
        "language": language,
        "html_lang": "zh-Hans" if language == "zh" else "en",
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def render_html(
    assessment: Assessment,
    *,
    comparison: VariantComparison | None = None,
    market_name: str | None = None,
    language: str = "en",
) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG) in `language`."""
    template = _environment().get_template("report.html.j2")
    chosen = _check_language(language)
    return template.render(_context(assessment, comparison, market_name, chosen))


def render_pdf(
    assessment: Assessment,
    *,
    comparison: VariantComparison | None = None,
    market_name: str | None = None,
    language: str = "en",
) -> bytes:
    """The same report as PDF, in `language` (Chinese in the installed CJK font)."""
    from weasyprint import HTML  # imported here: it is slow to load and only PDFs need it

    html = render_html(
        assessment, comparison=comparison, market_name=market_name, language=language
    )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
