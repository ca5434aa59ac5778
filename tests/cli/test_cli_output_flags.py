"""Prefect's CLI flags riverrun accepts beside its own (measured on Prefect 3.9.1):
``-o/--output json``, ``config view``'s ``--show-defaults`` / ``--show-secrets`` /
``--hide-sources``, and ``config unset --yes``."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from typer.testing import Result

from riverrun import flow

Invoke = Callable[..., Result]


def _config_json(cli: Invoke, *flags: str) -> dict[str, dict[str, str]]:
    result = cli("config", "view", "-o", "json", *flags)
    assert result.exit_code == 0, result.stderr
    return {entry.pop("name"): entry for entry in json.loads(result.stdout)["settings"]}


def test_config_view_output_json_lists_what_is_set_with_its_source(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RIVERRUN_LOGGING_LEVEL", "DEBUG")
    cli("config", "set", "RIVERRUN_RETENTION_DAYS=7")
    settings = _config_json(cli)
    assert settings["RIVERRUN_LOGGING_LEVEL"] == {"value": "DEBUG", "source": "env"}
    assert settings["RIVERRUN_RETENTION_DAYS"] == {"value": "7", "source": "profile"}
    assert "RIVERRUN_SERVER_PORT" not in settings


def test_config_view_show_defaults_includes_defaults_as_prefect_names_them(cli: Invoke) -> None:
    settings = _config_json(cli, "--show-defaults")
    assert settings["RIVERRUN_SERVER_PORT"] == {"value": "4200", "source": "defaults"}


def test_config_view_hide_sources_leaves_sources_out(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RIVERRUN_LOGGING_LEVEL", "DEBUG")
    assert _config_json(cli, "--hide-sources")["RIVERRUN_LOGGING_LEVEL"] == {"value": "DEBUG"}


def test_config_view_masks_secrets_unless_show_secrets(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RIVERRUN_API_KEY", "pnu_topsecret")
    assert _config_json(cli)["RIVERRUN_API_KEY"]["value"] == "********"
    assert _config_json(cli, "--show-secrets")["RIVERRUN_API_KEY"]["value"] == "pnu_topsecret"
    assert "pnu_topsecret" in cli("config", "view", "--show-secrets").stdout


def test_config_view_hide_defaults_leaves_defaults_out_of_the_table(cli: Invoke) -> None:
    table = cli("config", "view", "--hide-defaults").stdout
    assert "RIVERRUN_SERVER_PORT" not in table
    assert "RIVERRUN_SERVER_PORT" in cli("config", "view").stdout


def test_config_unset_accepts_yes(cli: Invoke) -> None:
    cli("config", "set", "RIVERRUN_RETENTION_DAYS=7")
    result = cli("config", "unset", "RIVERRUN_RETENTION_DAYS", "--yes")
    assert result.exit_code == 0, result.stderr
    assert "RIVERRUN_RETENTION_DAYS" not in _config_json(cli)


@flow(name="listed-by-output")
def listed() -> None:
    return None


def test_flow_ls_output_json(cli: Invoke) -> None:
    listed()
    result = cli("flow", "ls", "-o", "json")
    assert [f["name"] for f in json.loads(result.stdout)] == ["listed-by-output"]


def test_block_ls_and_type_ls_output_json(cli: Invoke) -> None:
    assert json.loads(cli("block", "ls", "-o", "json").stdout) == []
    assert isinstance(json.loads(cli("block", "type", "ls", "-o", "json").stdout), list)
