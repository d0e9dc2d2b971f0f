"""The market catalogue: every ISO 3166 country and subdivision, plus the blocs of blocs.yaml.

English names come from pycountry (``common_name`` where it has one); Simplified Chinese names
from Babel's ``zh_Hans`` territory names for countries and pycountry's ``iso3166-2`` ``zh_CN``
translations for subdivisions (the English name where there is none); bloc names and dated
memberships from ``blocs.yaml`` beside this module. Build once per process with
:func:`load_market_catalogue`.
"""

from __future__ import annotations

import difflib
import functools
import gettext
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

import pycountry
import yaml
from babel import Locale

from autoatlas.domain.markets import (
    Market,
    MarketKind,
    Membership,
    blocs_of,
    members_of,
    normalise_code,
)

__all__ = [
    "BLOCS_FILE",
    "MarketCatalogue",
    "MarketDataError",
    "UnknownMarketError",
    "load_market_catalogue",
    "membership_table_markdown",
    "parse_blocs",
]

BLOCS_FILE = "blocs.yaml"

# Codes people often use that are not ISO 3166 codes (or mean another market).
_ALIASES: Mapping[str, str] = {
    "UK": "GB",  # ISO 3166-1 uses GB for the United Kingdom
    "EL": "GR",  # the EU's code for Greece
    "EAEC": "EAEU",
    "EAU": "EAEU",
    "EEU": "EAEU",
    "UNECE": "UNECE-1958",
    "WP29": "UNECE-1958",
    "MERCOSUL": "MERCOSUR",
}

# libyaml when present (several times faster), else the pure-Python safe loader.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_SOURCE_REQUIRED = ("id", "kind", "title", "publisher", "url")
_MEMBER_KEYS = {"member", "valid_from", "valid_to", "source", "valid_to_source", "note"}


class MarketDataError(ValueError):
    """blocs.yaml (or data given to :func:`parse_blocs`) is malformed; the message says where."""


class UnknownMarketError(KeyError):
    """No market has this code. The message suggests close matches."""

    def __init__(self, code: str, suggestions: list[str] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.suggestions = list(suggestions or [])
        hint = f": did you mean {' or '.join(self.suggestions)}?" if self.suggestions else ""
        self.message = f"unknown market {code!r}{hint}"

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, eq=False)
class MarketCatalogue:
    """All known markets, bloc memberships and the sources behind them. Treat as read-only."""

    markets: dict[str, Market]
    memberships: list[Membership]
    sources: dict[str, dict[str, Any]]

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, str):
            return False
        try:
            return normalise_code(code) in self.markets
        except ValueError:
            return False

    def get(self, code: str) -> Market:
        """The market with this code (any case). Raises :class:`UnknownMarketError`.

        The error suggests likely codes: ``UK`` -> ``GB``, ``EL`` -> ``GR``, a country's name
        in English or Chinese (``Germany``, ``德国``) -> its code, and close spellings.
        """
        try:
            key = normalise_code(code)
        except ValueError:
            key = code.strip()
        market = self.markets.get(key)
        if market is None:
            raise UnknownMarketError(key, self._suggest(code, key))
        return market

    def of_kind(self, kind: MarketKind) -> list[Market]:
        """Markets of one kind, sorted by code."""
        return sorted((m for m in self.markets.values() if m.kind == kind), key=_by_code)

    def subdivisions_of(self, country: str) -> list[Market]:
        """Subdivisions whose parent is ``country``, sorted by code."""
        parent = self.get(country).code
        return sorted((m for m in self.markets.values() if m.parent == parent), key=_by_code)

    def blocs_of(self, code: str, on: date) -> list[str]:
        """Blocs the market directly belongs to on ``on``."""
        return blocs_of(self.get(code).code, on, self.memberships)

    def members_of(self, bloc: str, on: date) -> list[str]:
        """Direct members of ``bloc`` on ``on``."""
        return members_of(self.get(bloc).code, on, self.memberships)

    def _suggest(self, raw: str, key: str) -> list[str]:
        markets = self.markets
        found: list[str] = []
        alias = _ALIASES.get(key)
        if alias is not None and alias in markets:
            found.append(alias)
        found.extend(_names_index(self).get(raw.strip().casefold(), []))
        head = key.split("-")[0]
        if "-" in key and head in markets:
            # "CN-CQQ" or "EU-27": that country's subdivisions, then the country or bloc itself.
            pool = [c for c in markets if c.startswith(head + "-")]
            found.extend(difflib.get_close_matches(key, pool, n=2, cutoff=0.6))
            found.append(head)
        else:
            pool = [c for c, m in markets.items() if m.kind is not MarketKind.SUBDIVISION]
            found.extend(difflib.get_close_matches(key, pool, n=3, cutoff=0.6))
        unique = list(dict.fromkeys(found))[:3]
        return [f"{c} ({markets[c].name_en})" for c in unique]


def _by_code(market: Market) -> str:
    return market.code


def _names_index(catalogue: MarketCatalogue) -> dict[str, list[str]]:
    """English and Chinese names (case-folded) to codes, for suggestions."""
    index: dict[str, list[str]] = {}
    for market in catalogue.markets.values():
        if market.kind is MarketKind.SUBDIVISION:
            continue
        for name in (market.name_en, market.name_zh):
            index.setdefault(name.casefold(), []).append(market.code)
    return index


# --- building ----------------------------------------------------------------------------------


@functools.cache
def load_market_catalogue() -> MarketCatalogue:
    """Build the catalogue once per process (about a quarter of a second)."""
    text = resources.files("autoatlas.vocabulary").joinpath(BLOCS_FILE).read_text("utf-8")
    data = yaml.load(text, Loader=_YAML_LOADER)
    markets = {m.code: m for m in _countries()}
    for sub in _subdivisions():
        markets[sub.code] = sub
    blocs, memberships, sources = parse_blocs(data, known=markets.keys(), where=BLOCS_FILE)
    for bloc in blocs:
        if bloc.code in markets:
            raise MarketDataError(f"{BLOCS_FILE}: bloc code {bloc.code} is already an ISO code")
        markets[bloc.code] = bloc
    return MarketCatalogue(markets=markets, memberships=memberships, sources=sources)


def _countries() -> Iterable[Market]:
    zh_names = Locale.parse("zh_Hans").territories
    fallback = _translation("iso3166-1")
    for country in pycountry.countries:
        code = country.alpha_2
        name_en = getattr(country, "common_name", None) or country.name
        name_zh = zh_names.get(code) or fallback.gettext(country.name)
        yield Market(code, MarketKind.COUNTRY, name_en, name_zh, None)


def _subdivisions() -> Iterable[Market]:
    zh = _translation("iso3166-2")
    for sub in pycountry.subdivisions:
        yield Market(
            sub.code, MarketKind.SUBDIVISION, sub.name, zh.gettext(sub.name), sub.country_code
        )


def _translation(domain: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)


def parse_blocs(
    data: Any, *, known: Iterable[str], where: str = BLOCS_FILE
) -> tuple[list[Market], list[Membership], dict[str, dict[str, Any]]]:
    """Validate the blocs.yaml structure and turn it into markets, memberships and sources.

    ``known`` are the codes members may have besides the blocs themselves. Raises
    :class:`MarketDataError` naming the file and the entry at fault.
    """
    if not isinstance(data, dict):
        raise MarketDataError(f"{where}: expected a mapping with 'sources' and 'blocs'")
    sources = _parse_sources(data.get("sources"), where)
    raw_blocs = data.get("blocs")
    if not isinstance(raw_blocs, list) or not raw_blocs:
        raise MarketDataError(f"{where}: 'blocs' must be a non-empty list")
    blocs = [_parse_bloc(raw, f"{where}: blocs[{i}]") for i, raw in enumerate(raw_blocs)]
    codes = [b.code for b in blocs]
    if len(set(codes)) != len(codes):
        raise MarketDataError(f"{where}: duplicate bloc codes in {codes}")
    member_codes = set(known) | set(codes)
    memberships: list[Membership] = []
    for i, raw in enumerate(raw_blocs):
        for j, item in enumerate(raw.get("members") or []):
            at = f"{where}: blocs[{i}] ({codes[i]}) members[{j}]"
            memberships.append(_parse_member(item, codes[i], at, member_codes, sources))
    _check_overlaps(memberships, where)
    return blocs, memberships, sources


def _parse_sources(raw: Any, where: str) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise MarketDataError(f"{where}: 'sources' must be a non-empty list")
    sources: dict[str, dict[str, Any]] = {}
    for i, source in enumerate(raw):
        at = f"{where}: sources[{i}]"
        if not isinstance(source, dict):
            raise MarketDataError(f"{at}: expected a mapping")
        missing = [k for k in _SOURCE_REQUIRED if not source.get(k)]
        if missing:
            raise MarketDataError(f"{at}: missing {', '.join(missing)}")
        if not str(source["url"]).startswith("https://"):
            raise MarketDataError(f"{at} ({source['id']}): url must start with https://")
        if source["id"] in sources:
            raise MarketDataError(f"{at}: duplicate source id {source['id']!r}")
        sources[source["id"]] = dict(source)
    return sources


def _parse_bloc(raw: Any, at: str) -> Market:
    if not isinstance(raw, dict):
        raise MarketDataError(f"{at}: expected a mapping")
    try:
        code = normalise_code(str(raw.get("code", "")))
    except ValueError as exc:
        raise MarketDataError(f"{at}: {exc}") from None
    name = raw.get("name")
    if not isinstance(name, dict) or not name.get("en") or not name.get("zh"):
        raise MarketDataError(f"{at} ({code}): name needs 'en' and 'zh'")
    if not isinstance(raw.get("members"), list) or not raw["members"]:
        raise MarketDataError(f"{at} ({code}): 'members' must be a non-empty list")
    return Market(code, MarketKind.BLOC, str(name["en"]), str(name["zh"]), None)


def _parse_member(
    item: Any, bloc: str, at: str, member_codes: set[str], sources: Mapping[str, Any]
) -> Membership:
    if not isinstance(item, dict):
        raise MarketDataError(f"{at}: expected a mapping")
    unknown = set(item) - _MEMBER_KEYS
    if unknown:
        raise MarketDataError(f"{at}: unknown keys {sorted(unknown)}")
    raw_member = item.get("member")
    if not isinstance(raw_member, str):
        raise MarketDataError(
            f"{at}: member must be a code in quotes where YAML could misread it "
            f"(NO is read as false), got {raw_member!r}"
        )
    member = raw_member.strip().upper()
    if member not in member_codes or member == bloc:
        raise MarketDataError(f"{at}: member {member!r} is not a known country or other bloc")
    for key in ("source", "valid_to_source"):
        if key in item and item[key] not in sources:
            raise MarketDataError(f"{at} ({member}): {key} {item[key]!r} is not in 'sources'")
    if "source" not in item:
        raise MarketDataError(f"{at} ({member}): 'source' is required")
    valid_from, valid_to = item.get("valid_from"), item.get("valid_to")
    if valid_from is None:
        raise MarketDataError(f"{at} ({member}): 'valid_from' is required (a sourced date)")
    for key, value in (("valid_from", valid_from), ("valid_to", valid_to)):
        if value is not None and not isinstance(value, date):
            raise MarketDataError(f"{at} ({member}): {key} must be a date YYYY-MM-DD")
    try:
        return Membership(bloc, member, valid_from, valid_to, str(item["source"]))
    except ValueError as exc:
        raise MarketDataError(f"{at}: {exc}") from None


def _check_overlaps(memberships: list[Membership], where: str) -> None:
    by_pair: dict[tuple[str, str], list[Membership]] = {}
    for m in memberships:
        by_pair.setdefault((m.bloc, m.member), []).append(m)
    for (bloc, member), periods in by_pair.items():
        periods.sort(key=lambda m: m.valid_from or date.min)
        for earlier, later in itertools.pairwise(periods):
            end = earlier.valid_to or date.max
            if later.valid_from is None or later.valid_from < end:
                raise MarketDataError(f"{where}: overlapping memberships of {member} in {bloc}")


# --- documentation -----------------------------------------------------------------------------


def membership_table_markdown(catalogue: MarketCatalogue) -> str:
    """The bloc membership tables of docs/markets.md, generated from blocs.yaml."""
    lines: list[str] = []
    for bloc in catalogue.of_kind(MarketKind.BLOC):
        rows = sorted(
            (m for m in catalogue.memberships if m.bloc == bloc.code),
            key=lambda m: (m.valid_from or date.min, m.member),
        )
        lines += [f"### {bloc.code}: {bloc.name_en} ({bloc.name_zh})", ""]
        lines += ["| Member | Name | 中文名 | From | Until (exclusive) | Source |"]
        lines += ["|---|---|---|---|---|---|"]
        for m in rows:
            market = catalogue.markets[m.member]
            until = m.valid_to.isoformat() if m.valid_to else ""
            since = m.valid_from.isoformat() if m.valid_from else ""
            lines.append(
                f"| {m.member} | {market.name_en} | {market.name_zh} | {since} | {until} "
                f"| {m.source} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
