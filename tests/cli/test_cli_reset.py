"""`riverrun reset`: settings always; runs and results when confirmed; blocks only if asked."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

Invoke = Callable[..., Result]


def _flow() -> None:
    from riverrun import flow

    @flow(name="resettable")
    def resettable() -> None:
        return None

    resettable()


def _save_block_and_variable() -> None:
    from riverrun.blocks.system import Secret
    from riverrun.variables import Variable

    Secret(value="hunter2").save("db-password")
    Variable.set("answer", 42)


@pytest.fixture
def populated_home(riverrun_home: Path) -> Path:
    """A home with settings, one recorded run, a block, a variable and a stored result."""
    _flow()
    _save_block_and_variable()
    (riverrun_home / "profiles.toml").write_text('active = "default"\n[profiles.default]\n')
    (riverrun_home / "storage").mkdir()
    (riverrun_home / "storage" / "result.pickle").write_bytes(b"x")
    return riverrun_home


def _flow_runs(cli: Invoke) -> list[object]:
    result = cli("flow-run", "ls", "--json")
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout))


def test_reset_yes_deletes_settings_runs_and_results(cli: Invoke, populated_home: Path) -> None:
    result = cli("reset", "--yes")
    assert result.exit_code == 0, result.output
    assert not (populated_home / "profiles.toml").exists()
    assert not (populated_home / "storage").exists()
    assert _flow_runs(cli) == []


def test_reset_yes_keeps_blocks_and_variables(cli: Invoke, populated_home: Path) -> None:
    from riverrun.blocks.system import Secret
    from riverrun.variables import Variable

    assert cli("reset", "--yes").exit_code == 0
    assert Secret.load("db-password").get() == "hunter2"
    assert Variable.get("answer") == 42


def test_reset_lists_what_it_deletes_and_keeps(cli: Invoke, populated_home: Path) -> None:
    result = cli("reset", "--yes")
    assert "1 flow run," in result.stdout
    assert "It keeps 1 block, 1 variable (--include-blocks deletes them too)" in result.stdout


def test_reset_include_blocks_deletes_the_whole_database(cli: Invoke, populated_home: Path) -> None:
    result = cli("reset", "--yes", "--include-blocks")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in populated_home.iterdir()) == ["fernet.key"]
    assert "1 block" in result.stdout


def test_reset_without_a_terminal_keeps_the_runs_and_says_how(
    cli: Invoke, populated_home: Path
) -> None:
    result = cli("reset")
    assert result.exit_code == 0
    assert not (populated_home / "profiles.toml").exists()
    assert len(_flow_runs(cli)) == 1
    assert (populated_home / "storage" / "result.pickle").exists()
    assert "riverrun reset --yes" in result.stderr


def test_reset_asks_and_deletes_on_yes(
    cli: Invoke, populated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("riverrun._cli.reset._can_ask", lambda: True)
    result = cli("reset", input="y\n")
    assert result.exit_code == 0
    assert _flow_runs(cli) == []
    assert not (populated_home / "storage").exists()


def test_reset_asks_and_keeps_on_no(
    cli: Invoke, populated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("riverrun._cli.reset._can_ask", lambda: True)
    result = cli("reset", input="n\n")
    assert result.exit_code == 0
    assert len(_flow_runs(cli)) == 1
    assert not (populated_home / "profiles.toml").exists()


def test_reset_refuses_to_guess_in_an_unreadable_database(cli: Invoke, riverrun_home: Path) -> None:
    riverrun_home.mkdir(parents=True)
    (riverrun_home / "riverrun.db").write_bytes(b"not a database")
    result = cli("reset", "--yes")
    assert result.exit_code == 1
    assert "--include-blocks" in result.stderr
    assert cli("reset", "--yes", "--include-blocks").exit_code == 0
    assert not (riverrun_home / "riverrun.db").exists()


def test_reset_works_when_the_profiles_file_is_broken(cli: Invoke, riverrun_home: Path) -> None:
    riverrun_home.mkdir(parents=True)
    (riverrun_home / "profiles.toml").write_text("[[[ broken")
    result = cli("reset")
    assert result.exit_code == 0
    assert cli("config", "view").exit_code == 0


def test_reset_keeps_results_stored_outside_home(
    cli: Invoke, riverrun_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "my-results"
    outside.mkdir()
    monkeypatch.setenv("RIVERRUN_LOCAL_STORAGE_PATH", str(outside))
    result = cli("reset", "--yes")
    assert result.exit_code == 0
    assert outside.exists()
    assert str(outside) in result.stderr


def test_reset_on_an_empty_home_succeeds(cli: Invoke) -> None:
    result = cli("reset", "--yes")
    assert result.exit_code == 0
    assert "No run history or results to delete" in result.stdout
