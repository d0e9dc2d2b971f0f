"""Search over markets, properties, values and sources, in English and Chinese: one interface
whatever database runs (see `index.py` for why it is not FTS5 / PostgreSQL full-text)."""

from autoatlas.search.index import Document, SearchIndex, SearchResult, index_for, search

__all__ = ["Document", "SearchIndex", "SearchResult", "index_for", "search"]
