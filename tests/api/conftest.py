"""Fixtures of the API tests: a seeded world and an in-process client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_world import World, client_for, seed
from fastapi.testclient import TestClient

from autoatlas.atlas import Atlas


@pytest.fixture
def world(atlas: Atlas, tmp_path: Path) -> World:
    return seed(atlas, tmp_path)


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    yield from client_for(world.atlas)
