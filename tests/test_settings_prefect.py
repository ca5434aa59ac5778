"""Prefect's forms of the settings: nested groups, setting objects, temporary_settings."""

from __future__ import annotations

import subprocess
import sys

import pytest

import riverrun.settings as settings_module
from riverrun.exceptions import ConfigurationError
from riverrun.settings import Setting, get_current_settings, temporary_settings


def test_nested_groups_read_the_flat_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIVERRUN_LOGGING_LEVEL", "DEBUG")
    monkeypatch.setenv("RIVERRUN_TASKS_DEFAULT_RETRIES", "2")
    s = get_current_settings()
    assert (s.logging.level, s.tasks.default_retries) == ("DEBUG", 2)
    assert (s.results.persist_by_default, s.results.default_serializer) == (False, "pickle")
    assert (s.flows.default_retries, s.logging.log_prints) == (0, False)


def test_nested_api_url_and_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIVERRUN_API_URL", "http://127.0.0.1:4200/api")
    assert get_current_settings().api.url == "http://127.0.0.1:4200/api"
    assert get_current_settings().api.key is None


def test_an_unknown_nested_setting_names_the_group() -> None:
    with pytest.raises(AttributeError, match="settings.logging has no setting 'nope'"):
        _ = get_current_settings().logging.nope


def test_setting_objects_have_name_value_and_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from riverrun.settings import RIVERRUN_API_URL, RIVERRUN_LOGGING_LEVEL

    assert isinstance(RIVERRUN_API_URL, Setting)
    assert RIVERRUN_API_URL.name == "RIVERRUN_API_URL" and RIVERRUN_API_URL.value() is None
    monkeypatch.setenv("RIVERRUN_LOGGING_LEVEL", "WARNING")
    assert RIVERRUN_LOGGING_LEVEL.value() == "WARNING"
    assert RIVERRUN_LOGGING_LEVEL.default() == "INFO"


def test_an_unknown_setting_object_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = settings_module.RIVERRUN_NOT_A_SETTING


def test_temporary_settings_with_setting_objects_as_keys() -> None:
    from riverrun.settings import RIVERRUN_LOGGING_LEVEL

    with temporary_settings({RIVERRUN_LOGGING_LEVEL: "ERROR"}):
        assert get_current_settings().logging.level == "ERROR"
    assert get_current_settings().logging.level == "INFO"


def test_temporary_settings_restore_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    from riverrun.settings import RIVERRUN_LOGGING_LEVEL

    monkeypatch.setenv("RIVERRUN_LOGGING_LEVEL", "DEBUG")
    with temporary_settings(restore_defaults={RIVERRUN_LOGGING_LEVEL}):
        assert RIVERRUN_LOGGING_LEVEL.value() == "INFO"


def test_temporary_settings_set_defaults_yields_to_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RIVERRUN_LOGGING_LEVEL", "DEBUG")
    with temporary_settings(
        set_defaults={"RIVERRUN_LOGGING_LEVEL": "ERROR", "RIVERRUN_TASKS_DEFAULT_RETRIES": 3}
    ):
        s = get_current_settings()
        assert (s.logging.level, s.tasks.default_retries) == ("DEBUG", 3)


def test_temporary_settings_refuses_an_unknown_setting() -> None:
    with (
        pytest.raises(ConfigurationError, match="Unknown setting"),
        temporary_settings({"RIVERRUN_NOPE": 1}),
    ):
        pass


def test_setting_objects_do_not_import_pydantic() -> None:
    code = "import sys; from riverrun.settings import RIVERRUN_API_URL; RIVERRUN_API_URL.value(); print('pydantic' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "False"
