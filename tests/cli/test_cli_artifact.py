"""`riverrun artifact ...`: list, inspect, delete artifacts made by real flows, both modes."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from typer.testing import Result

from riverrun import flow
from riverrun.artifacts import create_markdown_artifact

Invoke = Callable[..., Result]

pytestmark = pytest.mark.both_modes


@flow
def reporting() -> None:
    create_markdown_artifact("# first", key="report")
    create_markdown_artifact("# second", key="report")
    create_markdown_artifact("# other", key="summary")


def test_ls_shows_the_latest_version_of_each_key(cli: Invoke) -> None:
    reporting()
    rows = json.loads(cli("artifact", "ls", "-o", "json").output)
    assert sorted((r["key"], r["data"]) for r in rows) == [
        ("report", "# second"),
        ("summary", "# other"),
    ]


def test_ls_all_shows_every_version(cli: Invoke) -> None:
    reporting()
    rows = json.loads(cli("artifact", "ls", "--all", "-o", "json").output)
    assert len(rows) == 3


def test_inspect_lists_the_versions_of_a_key_newest_first(cli: Invoke) -> None:
    reporting()
    rows = json.loads(cli("artifact", "inspect", "report", "-o", "json").output)
    assert [r["data"] for r in rows] == ["# second", "# first"]


def test_inspect_of_an_unknown_key_fails(cli: Invoke) -> None:
    result = cli("artifact", "inspect", "nokey")
    assert result.exit_code == 1 and "Artifact 'nokey' not found." in result.output


def test_delete_by_key_removes_every_version(cli: Invoke) -> None:
    reporting()
    result = cli("artifact", "delete", "report")
    assert result.output.strip() == "Deleted 2 artifact(s) with key 'report'."
    rows = json.loads(cli("artifact", "ls", "--all", "-o", "json").output)
    assert [r["key"] for r in rows] == ["summary"]


def test_delete_by_id_removes_one_artifact(cli: Invoke) -> None:
    reporting()
    newest = json.loads(cli("artifact", "inspect", "report", "-o", "json").output)[0]
    assert cli("artifact", "delete", "--id", newest["id"]).exit_code == 0
    rows = json.loads(cli("artifact", "inspect", "report", "-o", "json").output)
    assert [r["data"] for r in rows] == ["# first"]


def test_delete_of_an_unknown_id_fails(cli: Invoke) -> None:
    result = cli("artifact", "delete", "--id", "00000000-0000-0000-0000-000000000000")
    assert result.exit_code == 1 and "not found" in result.output


def test_delete_needs_a_key_or_an_id(cli: Invoke) -> None:
    result = cli("artifact", "delete")
    assert result.exit_code == 1 and "Please provide a key or an artifact_id." in result.output
