"""The search index: markets, properties, values and sources, in English and Chinese.

One interface (`search`) whatever database runs. The index is built from the store's public
reads (markets, current facts, cited sources) plus the vocabulary's labels, kept in memory per
database and rebuilt when the public scope's version, the vocabulary or the day changes.

Why not FTS5 / PostgreSQL full-text: half the texts are Chinese, which has no spaces between
words. FTS5's unicode61 tokenizer takes a whole run of Han characters as one token and its
trigram tokenizer cannot match two-character words (德国, 关税); PostgreSQL's parsers do no
better without an extension. A case-folded substring scan over ~11,000 short documents
answers in 20-40 ms on the starter data (checked over HTTP in tests/web/test_browser.py; figures
in docs/web.md), in both languages, on both databases.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.engine import Connection

from autoatlas.domain.facts import Fact
from autoatlas.store import queries
from autoatlas.store.catalog import cited_sources, scope_versions
from autoatlas.store.queries import FactFilter, MarketRow
from autoatlas.vocabulary import Vocabulary

__all__ = ["Document", "SearchIndex", "SearchResult", "index_for", "search"]

KINDS = ("market", "property", "value", "source")
ValueText = Callable[[Fact, str], str]


@dataclass(frozen=True, slots=True)
class Document:
    kind: str  # market, property, value, source
    key: str  # market code, property id, fact id, source id
    title_en: str
    title_zh: str
    detail_en: str
    detail_zh: str
    market: str | None
    dimension: str | None
    url: str | None
    haystack: str = field(repr=False)

    def as_dict(self, language: str) -> dict[str, Any]:
        zh = language == "zh"
        return {
            "kind": self.kind,
            "key": self.key,
            "title": self.title_zh if zh else self.title_en,
            "detail": self.detail_zh if zh else self.detail_en,
            "market": self.market,
            "dimension": self.dimension,
            "url": self.url,
        }


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    total: int
    hits: list[Document]
    by_kind: dict[str, int]
    by_dimension: dict[str, int]
    by_market: dict[str, int]


def _doc(
    kind: str,
    key: str,
    titles: tuple[str, str],
    details: tuple[str, str],
    *,
    market: str | None = None,
    dimension: str | None = None,
    url: str | None = None,
    extra: Iterable[str] = (),
) -> Document:
    text = " ".join([key, *titles, *details, *(e for e in extra if e)]).casefold()
    return Document(kind, key, *titles, *details, market, dimension, url, text)


class SearchIndex:
    """Documents in a fixed order (markets, properties, values, sources); scanned per query."""

    def __init__(
        self, documents: list[Document], markets: dict[str, MarketRow], facts: list[Fact]
    ) -> None:
        self.documents = documents
        self.markets = markets
        self.facts = facts  # every current public record, any valid time

    def recent(
        self,
        today: date,
        *,
        skip: Collection[str] = (),
        limit: int = 12,
        window_days: int = 400,
    ) -> list[Fact]:
        """What changed lately: records taking effect within `window_days` around today (a
        tariff step, a new incentive), nearest first, then the latest recorded. Properties in
        `skip` (yearly statistics) are left out."""

        def distance(fact: Fact) -> int:
            start = fact.period.start
            return abs((start - today).days) if start is not None else 10**6

        facts = [f for f in self.facts if f.property not in skip]
        dated = [f for f in facts if distance(f) <= window_days]
        dated.sort(key=lambda f: (distance(f), -f.id))
        if len(dated) < limit:
            rest = sorted(facts, key=lambda f: (f.recorded_at, f.id), reverse=True)
            dated += [f for f in rest if f not in dated][: limit - len(dated)]
        return dated[:limit]

    def search(
        self,
        query: str,
        *,
        dimension: str | None = None,
        market: str | None = None,
        kind: str | None = None,
        limit: int = 50,
    ) -> SearchResult:
        terms = [t for t in query.casefold().split() if t][:8]
        if not terms:
            return SearchResult(query, 0, [], {}, {}, {})
        found = [d for d in self.documents if all(t in d.haystack for t in terms)]
        by_dimension = Counter(d.dimension for d in found if d.dimension)
        by_market = Counter(d.market for d in found if d.market)
        if dimension:
            found = [d for d in found if d.dimension == dimension]
        if market:
            found = [d for d in found if d.market == market]
        by_kind = Counter(d.kind for d in found)
        if kind:
            found = [d for d in found if d.kind == kind]
        whole = query.strip().casefold()
        found.sort(key=lambda d: (_rank(d, whole), KINDS.index(d.kind)))
        return SearchResult(
            query,
            len(found),
            found[:limit],
            dict(by_kind),
            dict(by_dimension.most_common(12)),
            dict(by_market.most_common(12)),
        )


def _rank(document: Document, whole: str) -> int:
    """Exact codes and names first, then titles that start with the query, then the rest."""
    titles = (document.key.casefold(), document.title_en.casefold(), document.title_zh.casefold())
    if whole in titles:
        return 0
    if any(t.startswith(whole) for t in titles):
        return 1
    if any(whole in t for t in titles):
        return 2
    return 3


def build_index(
    connection: Connection, vocabulary: Vocabulary, value_text: ValueText, today: date
) -> SearchIndex:
    markets = {row.code: row for row in queries.list_markets(connection)}
    documents = [
        _doc(
            "market",
            row.code,
            (row.name_en, row.name_zh),
            (row.kind, row.kind),
            market=row.code,
            url=f"/markets/{row.code}",
        )
        for row in markets.values()
    ]
    for prop in vocabulary.properties.values():
        dim = vocabulary.dimensions[prop.dimension].label
        documents.append(
            _doc(
                "property",
                prop.id,
                (prop.label.en, prop.label.zh),
                (f"{dim.en}: {prop.description.en}", f"{dim.zh}：{prop.description.zh}"),
                dimension=prop.dimension,
                url=f"/map?property={prop.id}",
                extra=[f"{v.en} {v.zh}" for v in prop.value_labels.values()],
            )
        )
    facts = queries.facts(connection, FactFilter())
    for fact in facts:
        if not fact.period.contains(today):
            continue
        defined = vocabulary.properties.get(fact.property)
        if defined is None:
            continue
        row = markets.get(fact.market)
        names = (row.name_en, row.name_zh) if row else (fact.market, fact.market)
        documents.append(
            _doc(
                "value",
                str(fact.id),
                (f"{names[0]}: {defined.label.en}", f"{names[1]}：{defined.label.zh}"),
                (value_text(fact, "en"), value_text(fact, "zh")),
                market=fact.market,
                dimension=defined.dimension,
                url=f"/markets/{fact.market}#{fact.property}",
                extra=[fact.property, fact.note or "", *fact.qualifiers.values()],
            )
        )
    after = 0
    while True:
        page = cited_sources(connection, viewer_org_id=None, after_id=after, limit=1000)
        for item in page:
            source = item.source
            detail = " · ".join(x for x in (source.publisher, source.locator) if x)
            documents.append(
                _doc(
                    "source",
                    str(item.id),
                    (source.title, source.title),
                    (detail, detail),
                    url=source.url,
                    extra=[source.url or "", source.kind],
                )
            )
        if len(page) < 1000:
            break
        after = page[-1].id
    return SearchIndex(documents, markets, facts)


_LOCK = threading.Lock()
_CACHE: dict[str, tuple[tuple[Any, ...], SearchIndex]] = {}


def index_for(connection: Connection, vocabulary: Vocabulary, value_text: ValueText) -> SearchIndex:
    """The index of this database, rebuilt only when public facts, vocabulary or day change."""
    today = datetime.now(UTC).date()
    version = scope_versions(connection, ["public"]).get("public")
    key = (version, vocabulary.version, today)
    name = connection.engine.url.render_as_string(hide_password=True)
    with _LOCK:
        cached = _CACHE.get(name)
        if cached is not None and cached[0] == key:
            return cached[1]
        index = build_index(connection, vocabulary, value_text, today)
        _CACHE[name] = (key, index)
        return index


def search(
    connection: Connection,
    vocabulary: Vocabulary,
    query: str,
    *,
    value_text: ValueText,
    dimension: str | None = None,
    market: str | None = None,
    kind: str | None = None,
    limit: int = 50,
) -> SearchResult:
    """Markets, properties, values and sources matching every word of `query` (any case, any
    of the two languages); counts per kind, dimension and market for the facets."""
    index = index_for(connection, vocabulary, value_text)
    return index.search(query, dimension=dimension, market=market, kind=kind, limit=limit)
