"""Server fixtures: real ``riverrun server start`` subprocesses on free loopback ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from riverrun.server.testing import ServerProcess, scratch_postgres


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server on its own SQLite file, auth off (loopback default), shared by a module."""
    with ServerProcess(tmp_path_factory.mktemp("server-home")) as proc:
        yield proc


@pytest.fixture
def api(server: ServerProcess) -> Iterator[httpx.Client]:
    """An httpx client on the module's server API."""
    with httpx.Client(base_url=server.api_url + "/", timeout=30) as client:
        yield client


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A scratch PostgreSQL database for one test."""
    with scratch_postgres() as url:
        yield url


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A fresh RIVERRUN_HOME for a server of one test."""
    return tmp_path / "server-home"
