"""Settings: environment over the active profile over defaults, each with its source."""

from __future__ import annotations

from pathlib import Path

import pytest

from riverrun.exceptions import ConfigurationError
from riverrun.settings import (
    DEFINITIONS,
    display_value,
    find_setting,
    get_current_settings,
    parse_setting_value,
    read_profiles,
    temporary_settings,
    update_profile,
    write_profiles,
)


def write_profile(home: Path, values: dict[str, object], name: str = "default") -> None:
    write_profiles(home / "profiles.toml", {"active": name, "profiles": {name: values}})


def test_defaults_apply_when_nothing_is_set() -> None:
    settings = get_current_settings()
    assert settings.logging_level == "INFO"
    assert settings.source_of("logging_level") == "default"


def test_home_comes_from_the_environment(riverrun_home: Path) -> None:
    settings = get_current_settings()
    assert settings.home == riverrun_home
    assert settings.database_path == riverrun_home / "riverrun.db"


def test_profile_overrides_default(riverrun_home: Path) -> None:
    write_profile(riverrun_home, {"RIVERRUN_SERVER_PORT": 4300})
    settings = get_current_settings()
    assert settings.server_port == 4300
    assert settings.source_of("server_port") == "profile 'default'"


def test_environment_overrides_profile(
    riverrun_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_profile(riverrun_home, {"RIVERRUN_SERVER_PORT": 4300})
    monkeypatch.setenv("RIVERRUN_SERVER_PORT", "4400")
    settings = get_current_settings()
    assert settings.server_port == 4400
    assert settings.source_of("server_port") == "env"


def test_an_environment_change_after_a_read_is_seen_by_the_next_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert get_current_settings().logging_level == "INFO"
    monkeypatch.setenv("RIVERRUN_LOGGING_LEVEL", "DEBUG")
    assert get_current_settings().logging_level == "DEBUG"
    monkeypatch.delenv("RIVERRUN_LOGGING_LEVEL")
    assert get_current_settings().logging_level == "INFO"


def test_riverrun_profile_env_selects_the_profile(
    riverrun_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_profiles(
        riverrun_home / "profiles.toml",
        {
            "active": "default",
            "profiles": {"default": {}, "prod": {"RIVERRUN_API_URL": "http://prod/api"}},
        },
    )
    monkeypatch.setenv("RIVERRUN_PROFILE", "prod")
    settings = get_current_settings()
    assert settings.api_url == "http://prod/api"
    assert settings.source_of("api_url") == "profile 'prod'"


def test_temporary_settings_override_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIVERRUN_RETENTION_DAYS", "5")
    with temporary_settings(retention_days=9) as settings:
        assert settings.retention_days == 9
    assert get_current_settings().retention_days == 5


def test_changed_profile_file_is_read_again(riverrun_home: Path) -> None:
    assert get_current_settings().retention_days == 30
    update_profile(set_values={"RIVERRUN_RETENTION_DAYS": 7})
    assert get_current_settings().retention_days == 7


def test_invalid_environment_value_names_the_setting_and_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RIVERRUN_SERVER_PORT", "eighty")
    with pytest.raises(ConfigurationError) as caught:
        get_current_settings()
    message = str(caught.value)
    assert "RIVERRUN_SERVER_PORT" in message
    assert "the environment" in message
    assert "expected a whole number" in message
    assert "riverrun config set" in message


def test_invalid_boolean_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIVERRUN_SERVER_AUTH", "maybe")
    with pytest.raises(ConfigurationError, match="expected true or false"):
        get_current_settings()


def test_value_outside_its_choices_lists_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIVERRUN_LOGGING_LEVEL", "LOUD")
    with pytest.raises(ConfigurationError, match="DEBUG, INFO, WARNING, ERROR, CRITICAL"):
        get_current_settings()


def test_choices_are_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIVERRUN_LOGGING_LEVEL", "debug")
    assert get_current_settings().logging_level == "DEBUG"


def test_negative_retries_are_rejected(riverrun_home: Path) -> None:
    write_profile(riverrun_home, {"RIVERRUN_TASKS_DEFAULT_RETRIES": -1})
    with pytest.raises(ConfigurationError, match="profile 'default'"):
        get_current_settings()


def test_zero_is_rejected_where_only_a_positive_value_means_anything(
    riverrun_home: Path,
) -> None:
    write_profile(riverrun_home, {"RIVERRUN_RETENTION_INTERVAL_SECONDS": 0})
    with pytest.raises(ConfigurationError) as caught:
        get_current_settings()
    message = str(caught.value)
    assert "RIVERRUN_RETENTION_INTERVAL_SECONDS from profile 'default'" in message
    assert "expected a number > 0" in message and "riverrun config set" in message


def test_a_number_setting_rejects_nan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIVERRUN_STORE_BUSY_TIMEOUT_SECONDS", "nan")
    with pytest.raises(ConfigurationError, match="expected a finite number"):
        get_current_settings()


def test_unknown_setting_in_profile_is_an_error(riverrun_home: Path) -> None:
    write_profile(riverrun_home, {"RIVERRUN_NOPE": 1})
    with pytest.raises(ConfigurationError, match="RIVERRUN_NOPE"):
        get_current_settings()


def test_unreadable_profiles_file_says_how_to_fix_it(riverrun_home: Path) -> None:
    riverrun_home.mkdir(parents=True)
    (riverrun_home / "profiles.toml").write_text("active = [unclosed\n")
    with pytest.raises(ConfigurationError, match="cannot be read.*riverrun reset"):
        get_current_settings()


def test_malformed_profiles_file_is_an_error(riverrun_home: Path) -> None:
    riverrun_home.mkdir(parents=True)
    (riverrun_home / "profiles.toml").write_text('profiles = "oops"\n')
    with pytest.raises(ConfigurationError, match="malformed"):
        read_profiles(riverrun_home / "profiles.toml")


def test_find_setting_accepts_names_with_or_without_prefix() -> None:
    assert find_setting("api_url") is DEFINITIONS["api_url"]
    assert find_setting("RIVERRUN_API_URL") is DEFINITIONS["api_url"]
    assert find_setting("riverrun_api_url") is DEFINITIONS["api_url"]


def test_find_setting_suggests_close_names() -> None:
    with pytest.raises(ConfigurationError, match="did you mean RIVERRUN_API_URL"):
        find_setting("api_ur")


def test_parse_setting_value_converts_to_the_setting_type() -> None:
    assert parse_setting_value(DEFINITIONS["server_port"], "4300") == 4300
    assert parse_setting_value(DEFINITIONS["server_auth"], "yes") is True


def test_home_cannot_be_stored_in_a_profile() -> None:
    with pytest.raises(ConfigurationError, match="environment"):
        parse_setting_value(DEFINITIONS["home"], "/tmp/x")


def test_api_key_is_masked_for_display() -> None:
    assert display_value(DEFINITIONS["api_key"], "pnu_secret") == "********"


def test_database_url_shows_everything_but_the_password() -> None:
    shown = display_value(DEFINITIONS["database_url"], "postgresql://app:hunter2@db:5432/riverrun")
    assert shown == "postgresql://app:********@db:5432/riverrun"


def test_update_current_profile_with_a_bad_value_writes_nothing(riverrun_home: Path) -> None:
    from riverrun.settings import load_current_profile, update_current_profile

    update_current_profile({"RIVERRUN_RETENTION_DAYS": 3})
    with pytest.raises(ConfigurationError, match="RIVERRUN_RETENTION_DAYS"):
        update_current_profile({"RIVERRUN_RETENTION_DAYS": "three"})
    assert load_current_profile().to_environment_variables() == {"RIVERRUN_RETENTION_DAYS": "3"}


def test_update_current_profile_writes_the_profile_riverrun_profile_names(
    riverrun_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from riverrun.settings import get_current_settings, load_profile, update_current_profile

    monkeypatch.setenv("RIVERRUN_PROFILE", "dev")
    assert update_current_profile({"retention_days": 9}).name == "dev"
    assert load_profile("dev").to_environment_variables() == {"RIVERRUN_RETENTION_DAYS": "9"}
    assert get_current_settings().retention_days == 9
