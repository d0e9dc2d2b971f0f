"""docs/assessment.md stays true: its rule table is the registry's, every rule listed."""

from __future__ import annotations

from pathlib import Path

from autoatlas.assess.catalogue import BEGIN, END, rules_table
from autoatlas.rules.engine import RULES, _load_library

DOC = Path(__file__).resolve().parents[2] / "docs" / "assessment.md"


def test_every_rule_is_in_the_doc_with_what_it_reads() -> None:
    _load_library()
    text = DOC.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, "docs/assessment.md lost its rule-table markers"
    section = text[text.index(BEGIN) : text.index(END) + len(END)]
    missing = [rule for rule in RULES if f"| `{rule}` |" not in section]
    assert not missing, f"rules missing from docs/assessment.md: {', '.join(missing)}"
    assert section == rules_table(), (
        "docs/assessment.md is out of date: replace its rule table with the output of "
        "`python -m autoatlas.assess.catalogue`"
    )
