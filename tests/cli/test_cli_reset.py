"""`riverrun reset`: settings always; database and results only when confirmed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

Invoke = Callable[..., Result]


@pytest.fixture
def populated_home(riverrun_home: Path) -> Path:
    riverrun_home.mkdir(parents=True)
    (riverrun_home / "profiles.toml").write_text('active = "default"\n[profiles.default]\n')
    for name in ("riverrun.db", "riverrun.db-wal", "riverrun.db-shm"):
        (riverrun_home / name).write_bytes(b"x")
    (riverrun_home / "storage").mkdir()
    (riverrun_home / "storage" / "result.pickle").write_bytes(b"x")
    return riverrun_home


def test_reset_yes_deletes_settings_database_and_results(
    cli: Invoke, populated_home: Path
) -> None:
    result = cli("reset", "--yes")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in populated_home.iterdir()) == []


def test_reset_without_a_terminal_keeps_the_database_and_says_how(
    cli: Invoke, populated_home: Path
) -> None:
    result = cli("reset")
    assert result.exit_code == 0
    assert not (populated_home / "profiles.toml").exists()
    assert (populated_home / "riverrun.db").exists()
    assert (populated_home / "storage" / "result.pickle").exists()
    assert "riverrun reset --yes" in result.stderr


def test_reset_asks_and_deletes_on_yes(
    cli: Invoke, populated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("riverrun._cli.reset._can_ask", lambda: True)
    result = cli("reset", input="y\n")
    assert result.exit_code == 0
    assert not (populated_home / "riverrun.db-wal").exists()
    assert not (populated_home / "storage").exists()


def test_reset_asks_and_keeps_on_no(
    cli: Invoke, populated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("riverrun._cli.reset._can_ask", lambda: True)
    result = cli("reset", input="n\n")
    assert result.exit_code == 0
    assert (populated_home / "riverrun.db").exists()
    assert not (populated_home / "profiles.toml").exists()


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
    assert "No run database" in result.stdout
