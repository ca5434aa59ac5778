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
