"""Shared fixtures: every test gets its own RIVERRUN_HOME, so tests never share a store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


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
