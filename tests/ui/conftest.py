"""UI fixtures: a seeded store and the app in-process (the Chromium tests start real servers)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_seed import Fresh, Seed, add_sf_export, seed

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 here; its TestClient still works on httpx, which riverrun uses.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from riverrun._store.service import open_store
from riverrun.server.app import create_app
from riverrun.server.config import ServerConfig


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seed:
    """A store with the demo job and runs in several states (shared by a module's tests)."""
    return seed(tmp_path_factory.mktemp("ui-home"))


@pytest.fixture(scope="module")
def client(seeded: Seed) -> Iterator[TestClient]:
    """The whole app (API and UI) in-process on the seeded store, auth off."""
    with TestClient(create_app(ServerConfig(database_url=seeded.url))) as test_client:
        yield test_client


@pytest.fixture
def empty_client(tmp_path: Path) -> Iterator[TestClient]:
    """The app on a new, empty store."""
    from riverrun._store.dialect import sqlite_url

    with TestClient(
        create_app(ServerConfig(database_url=sqlite_url(tmp_path / "empty.db")))
    ) as test_client:
        yield test_client


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Fresh]:
    """A store of its own for a test that changes things (runs, schedules, automations)."""
    from riverrun._store.dialect import sqlite_url

    url = sqlite_url(tmp_path / "fresh.db")
    store = open_store(url)
    deployment = add_sf_export(store, tmp_path)
    with TestClient(create_app(ServerConfig(database_url=url))) as test_client:
        yield Fresh(test_client, store, deployment)
