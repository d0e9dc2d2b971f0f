"""Languages of the web pages: English and Simplified Chinese.

Interface texts live in Babel message catalogues (`locales/<locale>/LC_MESSAGES/messages.po`);
they are compiled in memory on first use (no manual `pybabel compile` step, no .mo in git).
Vocabulary labels come from the vocabulary itself, which carries both languages.
"""

from __future__ import annotations

import gettext
from functools import cache
from importlib import resources
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = [
    "COOKIE",
    "DEFAULT",
    "LANGUAGES",
    "LOCALES",
    "choose_language",
    "translations",
]

LANGUAGES = ("en", "zh")
DEFAULT = "en"
COOKIE = "autoatlas_lang"
LOCALES = {"en": "en", "zh": "zh_Hans"}  # page language -> catalogue directory
HTML_LANG = {"en": "en", "zh": "zh-Hans"}


def _normalise(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lower()
    if value.startswith("zh"):
        return "zh"
    if value.startswith("en"):
        return "en"
    return None


def choose_language(query: str | None, cookie: str | None, accept: str | None) -> str:
    """`?lang=` wins, then the cookie the switch set, then the browser's first known choice."""
    for candidate in (query, cookie):
        chosen = _normalise(candidate)
        if chosen:
            return chosen
    for part in (accept or "").split(","):
        chosen = _normalise(part.split(";")[0])
        if chosen:
            return chosen
    return DEFAULT


def catalogue_path(language: str) -> str:
    return f"locales/{LOCALES[language]}/LC_MESSAGES/messages.po"


@cache
def translations(language: str) -> gettext.GNUTranslations:
    """The compiled catalogue of `language` (compiled from the .po once per process)."""
    text = resources.files("autoatlas.web").joinpath(catalogue_path(language)).read_bytes()
    catalog = read_po(BytesIO(text), locale=LOCALES[language])
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
