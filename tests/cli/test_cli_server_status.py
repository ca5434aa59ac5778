"""`riverrun server status` against a real server on loopback, a dead port, and no server."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import Result

Invoke = Callable[..., Result]


def _dead_url() -> str:
    with socket.socket() as s:  # a port nothing listens on once this closes
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"


@pytest.fixture
def server_url(sqlite_server: tuple[Any, str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """RIVERRUN_API_URL (and key) of the session's real server on loopback."""
    server, _url, key = sqlite_server
    monkeypatch.setenv("RIVERRUN_API_URL", server.api_url)
    monkeypatch.setenv("RIVERRUN_API_KEY", key)
    return str(server.api_url)


def test_status_of_a_running_server_is_available_with_its_version(
    cli: Invoke, server_url: str
) -> None:
    result = cli("server", "status", "-o", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "available" and data["api_url"] == server_url
    assert data["server_version"]


def test_status_text_says_available(cli: Invoke, server_url: str) -> None:
    assert "Server is available." in cli("server", "status").output


def test_status_of_a_dead_port_is_unavailable_and_exits_1(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RIVERRUN_API_URL", _dead_url())
    result = cli("server", "status", "-o", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["status"] == "unavailable"


def test_status_wait_times_out(cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIVERRUN_API_URL", _dead_url())
    result = cli("server", "status", "--wait", "--timeout", "1", "-o", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["status"] == "timed_out"


def test_status_without_a_server_configured_says_how_to_set_one(cli: Invoke) -> None:
    result = cli("server", "status")
    assert result.exit_code == 1
    assert "No API URL configured. Set RIVERRUN_API_URL" in result.output
    assert "embedded store" in result.output
