"""Every text of the templates has its Chinese translation, and the catalogues compile."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from autoatlas.web.i18n import translations

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "autoatlas" / "web" / "templates"
DYNAMIC = ["market", "property", "value", "source", "submitted", "approved", "rejected"]


def _messages() -> set[str]:
    found = set(DYNAMIC)
    options = {"**.html": {"extensions": "jinja2.ext.i18n"}}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(TEMPLATES), method_map=[("**.html", "jinja2")], options_map=options
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_template_text_is_translated_to_chinese() -> None:
    chinese = translations("zh")
    untranslated = sorted(m for m in _messages() if chinese.gettext(m) == m)
    assert untranslated == []


def test_english_catalogue_compiles_and_keeps_the_texts() -> None:
    assert translations("en").gettext("Search") == "Search"
