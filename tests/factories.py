"""Small builders of test input, shared by the test modules."""

from __future__ import annotations

from typing import Any

SOURCE = {
    "id": "src",
    "kind": "regulation",
    "title": "Test regulation 1/2024",
    "publisher": "Test Ministry",
    "url": "https://example.org/reg/1-2024",
    "published": "2024-01-15",
}


def bundle(*facts: dict[str, Any], sources: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A bundle of these facts, each citing the test source unless it names its own."""
    return {
        "sources": sources if sources is not None else [SOURCE],
        "facts": [{"sources": ["src"], **fact} for fact in facts],
    }
