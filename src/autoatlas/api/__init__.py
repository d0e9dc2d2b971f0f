"""The HTTP API (FastAPI): thin routes over the library, problems for every error."""

from autoatlas.api.app import API_PREFIX, create_app

__all__ = ["API_PREFIX", "create_app"]
