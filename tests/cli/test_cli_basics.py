"""The root command: help, errors, version, lazy loading."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

Invoke = Callable[..., Result]

RIVERRUN = Path(sys.executable).with_name("riverrun")


def run_script(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RIVERRUN), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_help_lists_every_command(cli: Invoke) -> None:
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("flow-run", "flow", "config", "reset", "version", "block"):
        assert command in result.stdout


def test_no_arguments_shows_help(cli: Invoke) -> None:
    result = cli()
    assert "Commands" in result.output


def test_unknown_command_fails_with_a_suggestion(cli: Invoke) -> None:
    result = cli("flow-rn")
    assert result.exit_code == 2
    assert "flow-run" in result.output


def test_version_shows_versions_and_the_embedded_store(cli: Invoke, riverrun_home: Path) -> None:
    result = cli("version")
    assert result.exit_code == 0
    assert "0.1.0" in result.stdout
    assert sys.version.split()[0] in result.stdout
    assert str(riverrun_home / "riverrun.db") in result.stdout
    assert "embedded" in result.stdout


def test_version_json_shows_the_api_url(cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIVERRUN_API_URL", "http://example.test/api")
    result = cli("version", "--json")
    assert json.loads(result.stdout)["api"] == "http://example.test/api"


def test_configuration_error_is_one_line_without_traceback(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RIVERRUN_SERVER_PORT", "eighty")
    result = cli("version")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Setting RIVERRUN_SERVER_PORT")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_console_script_help_imports_nothing_heavy() -> None:
    code = (
        "import sys; sys.argv = ['riverrun', '--help']\n"
        "from riverrun._cli.main import app\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('rich', 'pydantic', 'sqlalchemy', 'httpx') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    last = out.stdout.strip().splitlines()[-1]
    assert last == "HEAVY []", last


def test_console_script_runs_as_a_subprocess(riverrun_home: Path) -> None:
    result = run_script("--help")
    assert result.returncode == 0, result.stderr
    assert "flow-run" in result.stdout


def test_console_script_reports_user_errors_with_exit_code_1(riverrun_home: Path) -> None:
    result = run_script("config", "set", "RIVERRUN_NOPE=1")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: Unknown setting 'RIVERRUN_NOPE'; `riverrun config view` lists every setting."
    )
