"""`riverrun block ...`: listing, inspecting, creating, deleting and registering blocks."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from riverrun._cli.main import app
from riverrun.blocks.core import Block
from riverrun.blocks.notifications import SlackWebhook
from riverrun.blocks.system import Secret

Invoke = Callable[..., Result]
SECRET_URL = "https://hooks.slack.com/services/T0/B0/do-not-print-me"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Invoke:
    monkeypatch.setenv("COLUMNS", "240")

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(app, list(args), input=input)

    return invoke


def test_block_ls_lists_saved_blocks_by_slug_and_name(cli: Invoke) -> None:
    SlackWebhook(url=SECRET_URL).save("slack")

    result = cli("block", "ls")

    assert result.exit_code == 0, result.output
    assert "slack-webhook/slack" in result.output
    assert SECRET_URL not in result.output


def test_block_ls_json_masks_secrets(cli: Invoke) -> None:
    SlackWebhook(url=SECRET_URL).save("slack")

    result = cli("block", "ls", "--json")

    [doc] = json.loads(result.stdout)
    assert doc["block_type_slug"] == "slack-webhook"
    assert doc["data"]["url"] == "**********"
    assert SECRET_URL not in result.output


def test_block_inspect_masks_secrets(cli: Invoke) -> None:
    SlackWebhook(url=SECRET_URL).save("slack")

    result = cli("block", "inspect", "slack-webhook/slack")

    assert result.exit_code == 0, result.output
    assert "**********" in result.output
    assert SECRET_URL not in result.output


def test_block_inspect_of_a_missing_name_suggests_the_closest(cli: Invoke) -> None:
    SlackWebhook(url=SECRET_URL).save("slack")

    result = cli("block", "inspect", "slack-webhook/slak")

    assert result.exit_code == 1
    assert "did you mean 'slack'?" in result.output


def test_block_type_ls_lists_registered_types(cli: Invoke) -> None:
    Secret(value="x").save("s")

    result = cli("block", "type", "ls", "--json")

    assert [t["slug"] for t in json.loads(result.stdout)] == ["secret"]


def test_block_create_from_json(cli: Invoke) -> None:
    result = cli("block", "create", "secret", "--name", "token", "--json", '{"value": "abc"}')

    assert result.exit_code == 0, result.output
    assert Secret.load("token").get() == "abc"


def test_block_create_prompts_for_fields(cli: Invoke) -> None:
    result = cli("block", "create", "slack-webhook", input=f"slack\n{SECRET_URL}\n\n\n")

    assert result.exit_code == 0, result.output
    assert SlackWebhook.load("slack").url.get_secret_value() == SECRET_URL
    assert SECRET_URL not in result.output  # secret prompts do not echo


def test_block_create_with_invalid_values_names_the_field(cli: Invoke) -> None:
    result = cli(
        "block", "create", "slack-webhook", "--name", "s", "--json", '{"url": "x", "retries": -1}'
    )

    assert result.exit_code == 1
    assert "field 'retries'" in result.output


def test_block_delete(cli: Invoke) -> None:
    Secret(value="x").save("s")

    result = cli("block", "delete", "secret/s")

    assert result.exit_code == 0, result.output
    assert json.loads(cli("block", "ls", "--json").stdout) == []


def test_block_register_from_a_file(cli: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "my_blocks.py"
    path.write_text(
        textwrap.dedent(
            """
            from riverrun.blocks.core import Block

            class ProjectSettings(Block):
                region: str = "eu"
            """
        )
    )

    result = cli("block", "register", "-f", str(path))

    assert result.exit_code == 0, result.output
    types = json.loads(cli("block", "type", "ls", "--json").stdout)
    assert [t["slug"] for t in types] == ["projectsettings"]


def test_block_register_of_a_missing_module_says_so(cli: Invoke) -> None:
    result = cli("block", "register", "-m", "no_such_module_xyz")

    assert result.exit_code == 1
    assert "Cannot import module 'no_such_module_xyz'" in result.output


def test_block_create_of_a_type_only_known_to_the_store(cli: Invoke, tmp_path: Path) -> None:
    class Remote(Block):
        region: str

    Remote.register_type_and_schema()
    from riverrun.blocks import core

    del core._REGISTRY["remote"]

    result = cli("block", "create", "remote", "--name", "r", "--json", '{"region": "us"}')

    assert result.exit_code == 0, result.output
    assert json.loads(cli("block", "inspect", "remote/r", "--json").stdout)["data"] == {
        "region": "us"
    }
