"""`riverrun config view / set / unset`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from riverrun.settings import get_current_settings, read_profiles

Invoke = Callable[..., Result]


def profile_values(home: Path) -> dict[str, object]:
    profiles = read_profiles(home / "profiles.toml")
    return dict(profiles["profiles"][profiles["active"]])


def test_view_lists_every_setting_with_its_value(cli: Invoke) -> None:
    result = cli("config", "view")
    assert result.exit_code == 0
    assert "RIVERRUN_LOGGING_LEVEL" in result.stdout
    assert "INFO" in result.stdout


def test_view_show_sources_says_where_each_value_came_from(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("config", "set", "RIVERRUN_RETENTION_DAYS=7")
    monkeypatch.setenv("RIVERRUN_LOGGING_LEVEL", "DEBUG")
    data = json.loads(cli("config", "view", "--show-sources", "--json").stdout)["settings"]
    assert data["RIVERRUN_LOGGING_LEVEL"] == {"value": "DEBUG", "source": "env"}
    assert data["RIVERRUN_RETENTION_DAYS"] == {"value": 7, "source": "profile 'default'"}
    assert data["RIVERRUN_SERVER_PORT"] == {"value": 4200, "source": "default"}


def test_view_lists_the_server_limits_with_their_defaults(cli: Invoke) -> None:
    data = json.loads(cli("config", "view", "--show-sources", "--json").stdout)["settings"]
    assert data["RIVERRUN_SERVER_MAX_BODY_BYTES"] == {"value": 10485760, "source": "default"}
    assert data["RIVERRUN_RETENTION_INTERVAL_SECONDS"] == {"value": 3600.0, "source": "default"}


def test_view_show_sources_prints_a_source_column(cli: Invoke) -> None:
    cli("config", "set", "RIVERRUN_RETENTION_DAYS=7")
    line = next(
        line
        for line in cli("config", "view", "--show-sources").stdout.splitlines()
        if line.startswith("RIVERRUN_RETENTION_DAYS")
    )
    assert line.split()[1:] == ["7", "profile", "'default'"]


def test_view_masks_the_api_key(cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIVERRUN_API_KEY", "pnu_topsecret")
    result = cli("config", "view")
    assert "pnu_topsecret" not in result.stdout
    assert "********" in result.stdout
    assert "pnu_topsecret" not in cli("config", "view", "--json").stdout


def test_set_writes_the_active_profile(cli: Invoke, riverrun_home: Path) -> None:
    result = cli("config", "set", "RIVERRUN_SERVER_PORT=4300")
    assert result.exit_code == 0, result.output
    assert profile_values(riverrun_home) == {"RIVERRUN_SERVER_PORT": 4300}
    assert get_current_settings().server_port == 4300


def test_set_accepts_names_without_the_prefix(cli: Invoke, riverrun_home: Path) -> None:
    cli("config", "set", "logging_level=debug", "server_auth=true")
    assert profile_values(riverrun_home) == {
        "RIVERRUN_LOGGING_LEVEL": "DEBUG",
        "RIVERRUN_SERVER_AUTH": True,
    }


def test_set_unknown_name_lists_close_matches(cli: Invoke, riverrun_home: Path) -> None:
    result = cli("config", "set", "RIVERRUN_LOGING_LEVEL=DEBUG")
    assert result.exit_code == 1
    assert "did you mean RIVERRUN_LOGGING_LEVEL" in result.stderr
    assert not (riverrun_home / "profiles.toml").exists()


def test_set_invalid_value_is_rejected_and_nothing_written(
    cli: Invoke, riverrun_home: Path
) -> None:
    result = cli("config", "set", "RIVERRUN_RETENTION_DAYS=3", "RIVERRUN_SERVER_PORT=http")
    assert result.exit_code == 1
    assert "RIVERRUN_SERVER_PORT" in result.stderr
    assert "expected a whole number" in result.stderr
    assert not (riverrun_home / "profiles.toml").exists()


def test_set_without_equals_sign_says_the_expected_form(cli: Invoke) -> None:
    result = cli("config", "set", "RIVERRUN_SERVER_PORT")
    assert result.exit_code == 1
    assert "NAME=VALUE" in result.stderr


def test_set_home_is_refused(cli: Invoke) -> None:
    result = cli("config", "set", "RIVERRUN_HOME=/elsewhere")
    assert result.exit_code == 1
    assert "environment" in result.stderr


def test_set_notes_when_the_environment_wins(cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIVERRUN_SERVER_PORT", "4500")
    result = cli("config", "set", "RIVERRUN_SERVER_PORT=4300")
    assert result.exit_code == 0
    assert "environment, which takes precedence" in result.stderr


def test_unset_removes_the_setting(cli: Invoke, riverrun_home: Path) -> None:
    cli("config", "set", "RIVERRUN_SERVER_PORT=4300", "RIVERRUN_RETENTION_DAYS=3")
    result = cli("config", "unset", "server_port")
    assert result.exit_code == 0
    assert profile_values(riverrun_home) == {"RIVERRUN_RETENTION_DAYS": 3}


def test_unset_removes_a_setting_riverrun_no_longer_knows(cli: Invoke, riverrun_home: Path) -> None:
    riverrun_home.mkdir(parents=True)
    (riverrun_home / "profiles.toml").write_text(
        'active = "default"\n[profiles.default]\nRIVERRUN_OLD_THING = 1\n'
    )
    assert cli("config", "view").exit_code == 1
    assert cli("config", "unset", "RIVERRUN_OLD_THING").exit_code == 0
    assert cli("config", "view").exit_code == 0


def test_unset_unknown_name_is_an_error(cli: Invoke) -> None:
    result = cli("config", "unset", "RIVERRUN_NOPE")
    assert result.exit_code == 1
    assert "Unknown setting" in result.stderr


def test_unreadable_profiles_file_is_one_clear_error(cli: Invoke, riverrun_home: Path) -> None:
    riverrun_home.mkdir(parents=True)
    (riverrun_home / "profiles.toml").write_text("this is = = not toml")
    result = cli("config", "view")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: The profiles file")
    assert "riverrun reset" in result.stderr
    assert "Traceback" not in result.output
