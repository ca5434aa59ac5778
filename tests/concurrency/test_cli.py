"""``riverrun global-concurrency-limit`` and ``riverrun concurrency-limit``, in-process."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner, Result

from riverrun._cli.main import app


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "240")

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(app, list(args))

    return invoke


def test_gcl_create_then_inspect_as_json(cli) -> None:  # type: ignore[no-untyped-def]
    created = cli("global-concurrency-limit", "create", "db", "--limit", "3")
    assert (
        created.exit_code == 0
        and "Created global concurrency limit with name 'db'" in created.stdout
    )
    shown = json.loads(cli("gcl", "inspect", "db", "-o", "json").stdout)
    assert (shown["name"], shown["limit"], shown["active"]) == ("db", 3, True)


def test_gcl_create_with_limit_zero_fails_naming_the_deadlock(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("gcl", "create", "db", "--limit", "0")
    assert result.exit_code == 1 and "deadlock" in result.stderr


def test_gcl_disable_then_enable(cli) -> None:  # type: ignore[no-untyped-def]
    cli("gcl", "create", "db", "--limit", "1")
    assert "Disabled" in cli("gcl", "disable", "db").stdout
    assert json.loads(cli("gcl", "inspect", "db", "-o", "json").stdout)["active"] is False
    cli("gcl", "enable", "db")
    assert json.loads(cli("gcl", "inspect", "db", "-o", "json").stdout)["active"] is True


def test_gcl_update_changes_the_limit(cli) -> None:  # type: ignore[no-untyped-def]
    cli("gcl", "create", "db", "--limit", "1")
    assert cli("gcl", "update", "db", "--limit", "7").exit_code == 0
    assert json.loads(cli("gcl", "inspect", "db", "-o", "json").stdout)["limit"] == 7


def test_gcl_update_without_arguments_says_what_to_give(cli) -> None:  # type: ignore[no-untyped-def]
    cli("gcl", "create", "db", "--limit", "1")
    result = cli("gcl", "update", "db")
    assert result.exit_code == 1 and "--limit" in result.stderr


def test_gcl_ls_lists_limits(cli) -> None:  # type: ignore[no-untyped-def]
    cli("gcl", "create", "db", "--limit", "1")
    cli("gcl", "create", "api", "--limit", "2")
    names = [x["name"] for x in json.loads(cli("gcl", "ls", "-o", "json").stdout)]
    assert names == ["api", "db"]


def test_gcl_delete_of_unknown_limit_fails_clearly(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("gcl", "delete", "nope")
    assert result.exit_code == 1 and "'nope' not found" in result.stderr


def test_concurrency_limit_create_inspect_delete(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("concurrency-limit", "create", "database", "5").exit_code == 0
    shown = json.loads(cli("concurrency-limit", "inspect", "database", "-o", "json").stdout)
    assert (shown["tag"], shown["concurrency_limit"], shown["active_slots"]) == ("database", 5, [])
    assert "Deleted" in cli("concurrency-limit", "delete", "database").stdout
    assert cli("concurrency-limit", "inspect", "database").exit_code == 1


def test_concurrency_limit_ls_shows_the_tag(cli) -> None:  # type: ignore[no-untyped-def]
    cli("concurrency-limit", "create", "database", "5")
    assert "database" in cli("concurrency-limit", "ls").stdout


def test_concurrency_limit_reset_of_unknown_tag_fails(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("concurrency-limit", "reset", "nope")
    assert result.exit_code == 1 and "No concurrency limit found for the tag" in result.stderr
