"""Languages of the web pages: English and Simplified Chinese.

Interface texts live in Babel message catalogues (`locales/<locale>/LC_MESSAGES/*.po`, one file
per group of pages, merged in name order); they are compiled in memory on first use (no manual
`pybabel compile` step, no .mo in git).
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


def catalogue_dir(language: str) -> str:
    return f"locales/{LOCALES[language]}/LC_MESSAGES"


@cache
def translations(language: str) -> gettext.GNUTranslations:
    """The compiled catalogue of `language`: every .po of its directory, compiled once per process.

    A text defined in two files is an error, so one page group cannot silently re-translate
    another's words.
    """
    folder = resources.files("autoatlas.web").joinpath(catalogue_dir(language))
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".po")), key=lambda f: f.name)
    merged = None
    origin: dict[str, str] = {}
    for file in files:
        catalog = read_po(BytesIO(file.read_bytes()), locale=LOCALES[language])
        if merged is None:
            merged = catalog
            origin = {str(m.id): file.name for m in catalog if m.id}
            continue
        for message in catalog:
            if not message.id:
                continue
            key = str(message.id)
            if key in origin:
                raise ValueError(f"{file.name}: {key!r} is already translated in {origin[key]}")
            origin[key] = file.name
            merged.add(message.id, message.string)
    if merged is None:
        raise FileNotFoundError(f"no .po catalogue in {catalogue_dir(language)}")
    compiled = BytesIO()
    write_mo(compiled, merged)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
