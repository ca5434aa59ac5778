"""Shared fixtures: every test gets its own RIVERRUN_HOME, and the two-mode switch.

**Every behaviour test of the engine, the client and blocks runs in both modes**:
``riverrun_mode`` parametrizes each test under ``tests/engine``, ``tests/client`` and
``tests/blocks`` (and any test marked ``both_modes``) as ``embedded`` (no server: the SQLite
file under RIVERRUN_HOME) and ``server-sqlite`` (``RIVERRUN_API_URL`` pointing at a real
``riverrun server start`` on loopback, auth on, with its API key). Tests marked ``postgres``
there, and the whole client suite, also run as ``server-postgres`` (a server on a scratch
PostgreSQL database). Each server starts once per session and its data is cleared before
each test. A test about one mode only (the embedded file's bytes, a server it starts itself)
says so with ``@pytest.mark.single_mode("why")`` and runs embedded.

Where a test writes events straight into the embedded file (``embedded_writer(path)
.ingest(...)``), server modes post them to ``/api/events`` instead, the remote recorders'
route.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

EMBEDDED, SERVER_SQLITE, SERVER_POSTGRES = "embedded", "server-sqlite", "server-postgres"
# Test directories whose every test runs in both modes.
_BOTH_MODES_DIRS = frozenset({"engine", "client", "blocks"})
# ...and also on PostgreSQL, every test.
_POSTGRES_DIRS = frozenset({"client"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_modes: run embedded and against a real server")
    config.addinivalue_line("markers", "single_mode(reason): a test of one mode only; runs once")


def _modes(definition: pytest.Function) -> list[Any]:
    path = Path(str(definition.path)).resolve()
    tests_dir = Path(__file__).parent.resolve()
    top = path.relative_to(tests_dir).parts[0] if path.is_relative_to(tests_dir) else ""
    if definition.get_closest_marker("single_mode") is not None:
        return [EMBEDDED]
    if top not in _BOTH_MODES_DIRS and definition.get_closest_marker("both_modes") is None:
        return [EMBEDDED]
    modes: list[Any] = [EMBEDDED, SERVER_SQLITE]
    if top in _POSTGRES_DIRS or definition.get_closest_marker("postgres") is not None:
        modes.append(pytest.param(SERVER_POSTGRES, marks=pytest.mark.postgres))
    return modes


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "riverrun_mode" not in metafunc.fixturenames:
        return
    modes = _modes(metafunc.definition)
    if len(modes) > 1:
        metafunc.parametrize("riverrun_mode", modes, indirect=True)


@pytest.fixture(autouse=True)
def riverrun_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh, empty RIVERRUN_HOME for each test, with no server configured."""
    home = tmp_path / "riverrun-home"
    monkeypatch.setenv("RIVERRUN_HOME", str(home))
    for name in list(os.environ):
        if name.startswith("RIVERRUN_") and name != "RIVERRUN_HOME":
            monkeypatch.delenv(name)
    yield home
    from riverrun._recording import flush_pending

    flush_pending(timeout=30)


@pytest.fixture(scope="session")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str, str]]:
    """A server on its own SQLite file, auth on, with one API key: (server, store URL, key)."""
    from riverrun._store.api_keys import create_api_key
    from riverrun._store.dialect import sqlite_url
    from riverrun._store.service import Store
    from riverrun.server.testing import ServerProcess

    home = tmp_path_factory.mktemp("server-sqlite-home")
    url = sqlite_url(home / "riverrun.db")
    store = Store(url)
    _key, key = create_api_key(store, "test-suite")
    store.dispose()
    with ServerProcess(home, auth=True) as server:
        yield server, url, key


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str, str]]:
    """A server on a scratch PostgreSQL database, auth off (loopback default)."""
    from riverrun.server.testing import ServerProcess, scratch_postgres

    home = tmp_path_factory.mktemp("server-pg-home")
    with scratch_postgres() as url, ServerProcess(home, url) as server:
        yield server, url, ""


class _HttpWriter:
    """Stands in for ``embedded_writer(path)`` in server modes: ingest goes over HTTP."""

    def __init__(self, api_url: str, key: str) -> None:
        from riverrun.client._http import HttpBackend

        self._backend = HttpBackend(SimpleNamespace(api_url=api_url, api_key=key))  # type: ignore[arg-type]

    def ingest(self, events: list[dict[str, Any]]) -> None:
        self._backend.ingest(list(events))


@pytest.fixture
def riverrun_mode(
    request: pytest.FixtureRequest, riverrun_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Where this test's runs are recorded: ``embedded``, ``server-sqlite`` or ``server-postgres``."""
    mode: str = getattr(request, "param", EMBEDDED)
    if mode == EMBEDDED:
        yield mode
        return
    from riverrun._store.service import close_stores
    from riverrun.server.testing import clear_data

    server, url, key = request.getfixturevalue(
        "sqlite_server" if mode == SERVER_SQLITE else "postgres_server"
    )
    clear_data(url)
    close_stores()
    monkeypatch.setenv("RIVERRUN_API_URL", server.api_url)
    if key:
        monkeypatch.setenv("RIVERRUN_API_KEY", key)
    if hasattr(request.module, "embedded_writer"):
        writer = _HttpWriter(server.api_url, key)
        monkeypatch.setattr(request.module, "embedded_writer", lambda *_a, **_k: writer)
    yield mode
    _close_remote_recorder()


@pytest.fixture(autouse=True)
def _recording_mode(riverrun_mode: str) -> str:
    """Puts every test under the switch (``pytest_generate_tests`` decides its modes)."""
    return riverrun_mode


def _close_remote_recorder() -> None:
    # Each test has its own RIVERRUN_HOME (so its own spool): the next test must get a new
    # remote recorder, not this one.
    from riverrun._recording import recorder as rec

    active = rec._active
    if active is not None and "://" in active.destination:
        active.close()
        rec._active = None


_PG_ADDRESS = ("127.0.0.1", 5432)
_pg_state: dict[str, bool] = {}


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``postgres`` fails at once, saying what to do, when nothing answers at
    127.0.0.1:5432 (never skips: CI must not pass without those tests)."""
    if item.get_closest_marker("postgres") is None:
        return
    if "answers" not in _pg_state:
        import socket

        try:
            socket.create_connection(_PG_ADDRESS, timeout=2).close()
            _pg_state["answers"] = True
        except OSError:
            _pg_state["answers"] = False
    if not _pg_state["answers"]:
        pytest.fail(
            "This test needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth), and "
            "nothing answers there. scripts/test starts a local cluster when it can; or start "
            "one yourself, or run the other tests with: scripts/test -m 'not postgres'.",
            pytrace=False,
        )
