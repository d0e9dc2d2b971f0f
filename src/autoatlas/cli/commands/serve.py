"""`autoatlas serve`: the HTTP API (and, later, the web app) with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from autoatlas.cli.output import err_console

__all__ = ["serve"]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the API at /api/v1 (OpenAPI at /api/v1/openapi.json).

    Example: `autoatlas serve --port 8000`
    """
    import uvicorn

    err_console.print(f"AutoAtlas on http://{host}:{port}/ (API: /api/v1, docs: /api/v1/docs)")
    uvicorn.run(
        "autoatlas.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
