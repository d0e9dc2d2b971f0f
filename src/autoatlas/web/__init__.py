"""Web pages for people at `/`: server-rendered (Jinja2), enhanced with htmx, in English and
Simplified Chinese. `router` is mounted by the app; `STATIC_DIR` holds the vendored files."""

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"

__all__ = ["STATIC_DIR", "router"]


def __getattr__(name: str) -> object:
    if name == "router":
        from autoatlas.web.routes import router

        return router
    raise AttributeError(name)
