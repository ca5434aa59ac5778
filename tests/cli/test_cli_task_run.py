"""`riverrun task-run ...`: task runs of real flows, embedded and against a real server."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from typer.testing import Result

from riverrun import flow, get_run_logger, task

Invoke = Callable[..., Result]

pytestmark = pytest.mark.both_modes


@task
def say(word: str) -> str:
    logger = get_run_logger()
    for i in range(3):
        logger.info("%s %d", word, i)
    return word


@task
def explode() -> None:
    raise ValueError("boom")


@flow
def chatty() -> None:
    say("hello")
    say("bye")
    explode(return_state=True)


def _runs(cli: Invoke, *args: str) -> list[dict]:
    return json.loads(cli("task-run", "ls", "-o", "json", *args).output)


def test_ls_lists_the_task_runs(cli: Invoke) -> None:
    chatty()
    assert sorted(r["name"].rsplit("-", 1)[0] for r in _runs(cli)) == ["explode", "say", "say"]


def test_ls_state_type_filters(cli: Invoke) -> None:
    chatty()
    assert [r["name"].rsplit("-", 1)[0] for r in _runs(cli, "--state-type", "FAILED")] == [
        "explode"
    ]


def test_ls_limit(cli: Invoke) -> None:
    chatty()
    assert len(_runs(cli, "--limit", "2")) == 2


def test_ls_with_no_runs_says_so(cli: Invoke) -> None:
    assert cli("task-run", "ls").output.strip() == "No task runs found."


def test_inspect_json_has_the_state_history(cli: Invoke) -> None:
    chatty()
    failed = _runs(cli, "--state-type", "FAILED")[0]
    data = json.loads(cli("task-run", "inspect", failed["id"], "-o", "json").output)
    assert data["id"] == failed["id"]
    assert [s["name"] for s in data["state_history"]][-1] == "Failed"


def test_inspect_unknown_id_fails(cli: Invoke) -> None:
    result = cli("task-run", "inspect", "00000000-0000-0000-0000-000000000000")
    assert result.exit_code == 1 and "not found" in result.output


def test_logs_prints_the_task_runs_lines_in_order(cli: Invoke) -> None:
    chatty()
    first_say = next(r for r in _runs(cli) if r["name"] == "say-0")  # say("hello")
    lines = cli("task-run", "logs", first_say["id"]).output.strip().splitlines()
    assert [line.rsplit(" - ", 1)[1] for line in lines] == ["hello 0", "hello 1", "hello 2"]


def test_logs_tail_and_reverse(cli: Invoke) -> None:
    chatty()
    run = _runs(cli, "--state-type", "COMPLETED")[0]
    lines = cli(
        "task-run", "logs", run["id"], "--tail", "-n", "2", "--reverse", "--json"
    ).output.splitlines()
    messages = [json.loads(line)["message"] for line in lines]
    assert [m[-1] for m in messages] == ["2", "1"]


def test_logs_unknown_id_fails(cli: Invoke) -> None:
    result = cli("task-run", "logs", "nope")
    assert result.exit_code == 1 and "task run 'nope' not found!" in result.output


def test_plural_alias_task_runs(cli: Invoke) -> None:
    assert cli("task-runs", "ls").output.strip() == "No task runs found."
