"""``riverrun flow-run logs`` with Prefect's ``--head``, ``--tail``, ``-n``, ``--reverse`` and
``-o json``, and ``flow-run ls --state-type`` / ``-o json`` (flags measured on Prefect 3.9.1)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from typer.testing import Result

from riverrun import flow, get_run_logger
from riverrun.context import get_run_context

Invoke = Callable[..., Result]


@flow(name="counting")
def counting() -> str:
    logger = get_run_logger()
    for i in range(5):
        logger.info("line %d", i)
    return str(get_run_context().flow_run.id)


def _lines(cli: Invoke, *args: str) -> list[str]:
    result = cli("flow-run", "logs", *args)
    assert result.exit_code == 0, result.stderr
    return [line.rsplit(" - ", 1)[1] for line in result.stdout.splitlines() if " - line " in line]


def _counted(messages: list[str]) -> list[str]:
    return [m for m in messages if m.startswith("line ")]


def test_logs_head_shows_the_first_lines(cli: Invoke) -> None:
    run_id = counting()
    result = cli("flow-run", "logs", run_id, "--head", "-n", "2", "-o", "json")
    messages = [entry["message"] for entry in json.loads(result.stdout)]
    assert messages[0].startswith("Beginning flow run") and messages[1] == "line 0"


def test_logs_tail_shows_the_last_lines_oldest_first(cli: Invoke) -> None:
    run_id = counting()
    result = cli("flow-run", "logs", run_id, "--tail", "-n", "3", "-o", "json")
    messages = [entry["message"] for entry in json.loads(result.stdout)]
    assert messages[:2] == ["line 3", "line 4"] and messages[2].startswith("Finished")


def test_logs_reverse_prints_newest_first(cli: Invoke) -> None:
    run_id = counting()
    assert _lines(cli, run_id, "--reverse") == ["line 4", "line 3", "line 2", "line 1", "line 0"]


def test_logs_output_json_is_one_array_of_logs(cli: Invoke) -> None:
    run_id = counting()
    logs: list[dict[str, Any]] = json.loads(cli("flow-run", "logs", run_id, "-o", "json").stdout)
    assert _counted([entry["message"] for entry in logs]) == [f"line {i}" for i in range(5)]
    assert {entry["flow_run_id"] for entry in logs} == {run_id}


def test_logs_head_and_tail_together_are_refused(cli: Invoke) -> None:
    run_id = counting()
    result = cli("flow-run", "logs", run_id, "--head", "--tail")
    assert result.exit_code == 1
    assert "either a `head` or `tail` option but not both" in result.stderr


def test_logs_follow_with_tail_is_refused_naming_both(cli: Invoke) -> None:
    run_id = counting()
    result = cli("flow-run", "logs", run_id, "--follow", "--tail")
    assert result.exit_code == 1
    assert "--follow" in result.stderr and "--tail" in result.stderr


def test_ls_state_type_and_output_json(cli: Invoke) -> None:
    run_id = counting()
    result = cli("flow-run", "ls", "--state-type", "COMPLETED", "-o", "json")
    assert [r["id"] for r in json.loads(result.stdout)] == [run_id]
    result = cli("flow-run", "ls", "--state-type", "FAILED", "-o", "json")
    assert json.loads(result.stdout) == []


def test_inspect_output_json(cli: Invoke) -> None:
    run_id = counting()
    assert json.loads(cli("flow-run", "inspect", run_id, "-o", "json").stdout)["id"] == run_id


def test_an_output_format_other_than_json_is_refused(cli: Invoke) -> None:
    run_id = counting()
    result = cli("flow-run", "logs", run_id, "-o", "yaml")
    assert result.exit_code != 0
    assert "only 'json' is supported" in result.stderr
