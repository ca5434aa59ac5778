"""Fixtures for CLI tests: run `riverrun ...` in-process and read what it printed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from typer.testing import CliRunner, Result

from riverrun._cli.main import app

Invoke = Callable[..., Result]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """``cli("flow-run", "ls")`` runs the command and returns its result."""
    # Wide enough that tables never wrap the long IDs tests look for.
    monkeypatch.setenv("COLUMNS", "240")

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(app, list(args), input=input)

    return invoke
