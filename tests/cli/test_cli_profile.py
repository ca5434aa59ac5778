"""`riverrun profile ...` and `riverrun config validate` on the profiles file of RIVERRUN_HOME."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import Result

from riverrun.settings import get_current_settings

Invoke = Callable[..., Result]


def _names(cli: Invoke) -> list[tuple[str, bool]]:
    return [(p["name"], p["active"]) for p in json.loads(cli("profile", "ls", "-o", "json").output)]


def test_ls_on_a_new_home_shows_the_active_default(cli: Invoke) -> None:
    assert _names(cli) == [("default", True)]


def test_create_then_use_switches_the_active_profile(cli: Invoke) -> None:
    assert cli("profile", "create", "staging").exit_code == 0
    result = cli("profile", "use", "staging")
    assert "runs are recorded in the embedded store" in result.output
    assert _names(cli) == [("default", False), ("staging", True)]
    assert get_current_settings().profile_name == "staging"


def test_create_an_existing_profile_fails(cli: Invoke) -> None:
    cli("profile", "create", "staging")
    result = cli("profile", "create", "staging")
    assert result.exit_code == 1 and "Profile 'staging' already exists." in result.output


def test_create_from_copies_the_settings(cli: Invoke) -> None:
    cli("config", "set", "RIVERRUN_LOGGING_LEVEL=DEBUG")
    cli("profile", "create", "copy", "--from", "default")
    data = json.loads(cli("profile", "inspect", "copy", "-o", "json").output)
    assert data == {"RIVERRUN_LOGGING_LEVEL": "DEBUG"}


def test_inspect_defaults_to_the_active_profile(cli: Invoke) -> None:
    cli("config", "set", "RIVERRUN_LOGGING_LEVEL=WARNING")
    assert cli("profile", "inspect").output.strip() == "RIVERRUN_LOGGING_LEVEL='WARNING'"


def test_inspect_masks_secrets(cli: Invoke) -> None:
    cli("config", "set", "RIVERRUN_API_KEY=sekrit")
    assert "sekrit" not in cli("profile", "inspect").output


def test_use_of_an_unknown_profile_fails(cli: Invoke) -> None:
    result = cli("profile", "use", "nope")
    assert result.exit_code == 1 and "Profile 'nope' not found." in result.output


def test_use_of_a_profile_whose_server_is_down_fails(cli: Invoke) -> None:
    cli("profile", "create", "remote")
    cli("profile", "use", "remote")
    cli("config", "set", "RIVERRUN_API_URL=http://127.0.0.1:9/api")
    cli("profile", "use", "default")
    result = cli("profile", "use", "remote")
    assert (
        result.exit_code == 1
        and "Error connecting to riverrun server using profile 'remote'" in result.output
    )


def test_delete_of_the_active_profile_is_refused(cli: Invoke) -> None:
    result = cli("profile", "delete", "default")
    assert result.exit_code == 1 and "is the active profile" in result.output


def test_delete_removes_a_profile(cli: Invoke) -> None:
    cli("profile", "create", "old")
    assert cli("profile", "delete", "old").output.strip() == "Removed profile 'old'."
    assert _names(cli) == [("default", True)]


def test_rename_of_the_active_profile_keeps_it_active(cli: Invoke) -> None:
    cli("profile", "create", "a")
    cli("profile", "use", "a")
    assert cli("profile", "rename", "a", "b").output.strip() == "Renamed profile 'a' to 'b'."
    assert _names(cli) == [("default", False), ("b", True)]


def test_rename_onto_an_existing_name_fails(cli: Invoke) -> None:
    cli("profile", "create", "a")
    result = cli("profile", "rename", "a", "default")
    assert result.exit_code == 1 and "Profile 'default' already exists." in result.output


def test_populate_defaults_adds_local_and_keeps_user_profiles(
    cli: Invoke, riverrun_home: Path
) -> None:
    cli("profile", "create", "mine")
    assert cli("profile", "populate-defaults").exit_code == 0
    assert [n for n, _ in _names(cli)] == ["default", "mine", "local"]
    assert (riverrun_home / "profiles.toml.bak").exists()


def test_profiles_alias(cli: Invoke) -> None:
    assert cli("profiles", "ls", "-o", "json").exit_code == 0


def test_config_validate_accepts_a_valid_profile(cli: Invoke) -> None:
    cli("config", "set", "RIVERRUN_LOGGING_LEVEL=DEBUG")
    assert cli("config", "validate").output.strip() == "Configuration valid!"


def test_config_validate_names_a_bad_value(cli: Invoke, riverrun_home: Path) -> None:
    riverrun_home.mkdir(parents=True, exist_ok=True)
    (riverrun_home / "profiles.toml").write_text(
        'active = "default"\n[profiles.default]\nRIVERRUN_LOGGING_LEVEL = "LOUD"\n'
    )
    result = cli("config", "validate")
    assert result.exit_code == 1
    assert "RIVERRUN_LOGGING_LEVEL" in result.output and "'LOUD'" in result.output


def test_config_validate_names_an_unknown_setting(cli: Invoke, riverrun_home: Path) -> None:
    riverrun_home.mkdir(parents=True, exist_ok=True)
    (riverrun_home / "profiles.toml").write_text(
        'active = "default"\n[profiles.default]\nRIVERRUN_NOPE = 1\n'
    )
    result = cli("config", "validate")
    assert result.exit_code == 1 and "RIVERRUN_NOPE" in result.output


def test_root_profile_option_selects_a_profile_for_one_run(cli: Invoke) -> None:
    cli("profile", "create", "other")
    cli("profile", "use", "other")
    cli("config", "set", "RIVERRUN_LOGGING_LEVEL=ERROR")
    cli("profile", "use", "default")
    assert (
        cli("-p", "other", "profile", "inspect").output.strip() == "RIVERRUN_LOGGING_LEVEL='ERROR'"
    )
    assert cli("profile", "inspect").output.strip() == "Profile 'default' is empty."


def test_root_profile_option_of_an_unknown_profile_fails(cli: Invoke) -> None:
    result = cli("--profile", "nope", "profile", "ls")
    assert result.exit_code == 1 and "Profile 'nope' not found." in result.output
