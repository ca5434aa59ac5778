"""`riverrun variable ...`: Prefect's variable commands, embedded and against a real server."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from typer.testing import Result

from riverrun.variables import Variable

Invoke = Callable[..., Result]

pytestmark = pytest.mark.both_modes


def test_set_stores_a_json_value_and_get_prints_it_as_json(cli: Invoke) -> None:
    assert cli("variable", "set", "cfg", '{"a": 1}').output.strip() == "Set variable 'cfg'."
    assert Variable.get("cfg") == {"a": 1}
    assert cli("variable", "get", "cfg").output.strip() == '{"a": 1}'


def test_set_keeps_text_that_is_not_json_as_a_string(cli: Invoke) -> None:
    cli("variable", "set", "host", "db.internal")
    assert Variable.get("host") == "db.internal"


def test_set_an_existing_variable_needs_overwrite(cli: Invoke) -> None:
    cli("variable", "set", "n", "1")
    refused = cli("variable", "set", "n", "2")
    assert refused.exit_code == 1
    assert "Variable 'n' already exists. Use `--overwrite` to update it." in refused.output
    assert cli("variable", "set", "n", "2", "--overwrite", "--tag", "prod").exit_code == 0
    assert Variable.get("n") == 2


def test_ls_json_lists_name_value_and_tags(cli: Invoke) -> None:
    cli("variable", "set", "n", "3", "--tag", "x")
    rows = json.loads(cli("variable", "ls", "-o", "json").output)
    assert [(r["name"], r["value"], r["tags"]) for r in rows] == [("n", 3, ["x"])]


def test_ls_table_shows_the_value(cli: Invoke) -> None:
    cli("variable", "set", "greeting", "hello")
    out = cli("variable", "ls").output
    assert "greeting" in out and '"hello"' in out


def test_inspect_json_has_the_fields(cli: Invoke) -> None:
    cli("variable", "set", "n", "4")
    data = json.loads(cli("variable", "inspect", "n", "--output", "json").output)
    assert {"id", "name", "value", "tags", "created", "updated"} <= set(data)
    assert data["value"] == 4


def test_get_of_a_missing_variable_fails_naming_it(cli: Invoke) -> None:
    result = cli("variable", "get", "nope")
    assert result.exit_code == 1
    assert "Variable 'nope' not found." in result.output


def test_unset_removes_and_a_second_unset_fails(cli: Invoke) -> None:
    cli("variable", "set", "gone", "1")
    assert cli("variable", "unset", "gone").output.strip() == "Unset variable 'gone'."
    assert Variable.get("gone") is None
    again = cli("variable", "unset", "gone")
    assert again.exit_code == 1 and "Variable 'gone' not found." in again.output


def test_an_unsupported_output_format_is_refused_naming_json(cli: Invoke) -> None:
    result = cli("variable", "ls", "-o", "yaml")
    assert result.exit_code == 2
    assert "only 'json' is supported" in result.output
