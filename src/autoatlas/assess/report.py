"""Reports of an assessment: HTML (Jinja2) and PDF (WeasyPrint, from the same HTML).

The report shows the fit score and what cost it points, the findings grouped by severity,
the landed-cost table and its waterfall chart (inline SVG), a variant's changes when there
is one, and the numbered list of every source that a finding or a cost line relied on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from autoatlas.assess.assessment import Assessment
from autoatlas.assess.chart import waterfall_svg
from autoatlas.assess.variants import VariantComparison
from autoatlas.domain.facts import Fact
from autoatlas.rules.engine import Finding, Severity, Status

__all__ = ["render_html", "render_pdf"]

SEVERITIES = (Severity.BLOCKER, Severity.MAJOR, Severity.MINOR, Severity.INFO)
_STATUS_ORDER = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.NOTE: 2, Status.OK: 3}


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


def _finding(finding: Finding, numbers: dict[str, int]) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "status": str(finding.status),
        "severity": str(finding.severity),
        "message": finding.message,
        "adaptation": finding.adaptation,
        "facts": _facts(finding.facts),
        "cites": _citations(finding.facts, numbers),
    }


def _context(
    assessment: Assessment,
    comparison: VariantComparison | None,
    market_name: str | None,
    languages: Sequence[str],
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
    groups = []
    for severity in SEVERITIES:
        found = sorted(
            (f for f in assessment.findings if f.severity is severity),
            key=lambda f: (_STATUS_ORDER[f.status], f.rule),
        )
        if found:
            groups.append(
                {"severity": str(severity), "findings": [_finding(f, numbers) for f in found]}
            )
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
            {"line": line, "cites": _citations(line.facts, numbers)} for line in cost.lines
        ],
        "chart": Markup(waterfall_svg(cost)),
        "sources": sorted(
            ({"n": n, **by_digest[d]} for d, n in numbers.items()), key=lambda s: s["n"]
        ),
        "comparison": comparison,
        "zh": "zh" in languages,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def render_html(
    assessment: Assessment,
    *,
    comparison: VariantComparison | None = None,
    market_name: str | None = None,
    languages: Sequence[str] = ("en", "zh"),
) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG)."""
    template = _environment().get_template("report.html.j2")
    return template.render(_context(assessment, comparison, market_name, languages))


def render_pdf(
    assessment: Assessment,
    *,
    comparison: VariantComparison | None = None,
    market_name: str | None = None,
    languages: Sequence[str] = ("en",),
) -> bytes:
    """The same report as PDF. English only by default: Chinese needs a CJK font installed."""
    from weasyprint import HTML  # imported here: it is slow to load and only PDFs need it

    html = render_html(
        assessment, comparison=comparison, market_name=market_name, languages=languages
    )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
