"""`riverrun flow-run ...` and `riverrun flow ls` against runs recorded by real flows."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from typer.testing import Result

from riverrun import flow, get_run_logger, tags, task
from riverrun.client import get_client
from riverrun.context import get_run_context
from riverrun.schemas.filters import LogFilter, LogFilterFlowRunId

Invoke = Callable[..., Result]


@task(name="vtasks.backup.backup_files")
def backup_files() -> int:
    return 1


@task(name="vtasks.backup.copy")
def copy() -> int:
    return 2


@flow(name="vtasks.backup")
def backup() -> int:
    return backup_files() + copy()


@flow(name="vtasks")
def vtasks() -> int:
    get_run_logger().info("Starting the daily tasks")
    return backup()


@flow(name="greet")
def greet(name: str) -> str:
    get_run_logger().info(f"Hello {name}")
    return current_run_id()


# Parameters are copied on the way in, so the failing flow reports its ID through here.
BROKEN_RUN_IDS: list[str] = []


@flow(name="broken")
def broken() -> None:
    BROKEN_RUN_IDS.append(current_run_id())
    raise ValueError("boom")


def current_run_id() -> str:
    return str(get_run_context().flow_run.id)


def run_broken() -> str:
    broken(return_state=True)
    return BROKEN_RUN_IDS[-1]


def ls_json(cli: Invoke, *args: str) -> list[dict[str, Any]]:
    result = cli("flow-run", "ls", "--json", *args)
    assert result.exit_code == 0, result.output
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


def run_greet(name: str, *tag_names: str) -> str:
    with tags(*tag_names):
        return greet(name)


# -- ls ---------------------------------------------------------------------------------


def test_ls_lists_recorded_runs_newest_first(cli: Invoke) -> None:
    first = run_greet("John")
    second = run_greet("Sam")
    runs = ls_json(cli)
    assert [r["id"] for r in runs] == [second, first]
    assert runs[0]["flow_name"] == "greet"


def test_ls_table_shows_flow_name_and_state(cli: Invoke) -> None:
    run_id = run_greet("John")
    result = cli("flow-run", "ls")
    assert result.exit_code == 0
    line = next(line for line in result.stdout.splitlines() if run_id in line)
    assert "greet" in line
    assert "Completed" in line


def test_ls_on_an_empty_store_says_so(cli: Invoke) -> None:
    result = cli("flow-run", "ls")
    assert result.exit_code == 0
    assert "No flow runs" in result.stdout


def test_ls_flow_matches_flow_name_substring(cli: Invoke) -> None:
    vtasks()
    run_greet("John")
    names = {r["flow_name"] for r in ls_json(cli, "--flow", "backup")}
    assert names == {"vtasks.backup"}


def test_ls_flow_name_matches_whole_flow_names_only(cli: Invoke) -> None:
    vtasks()
    names = {r["flow_name"] for r in ls_json(cli, "--flow-name", "vtasks")}
    assert names == {"vtasks"}


def test_ls_name_does_not_match_flow_names(cli: Invoke) -> None:
    vtasks()
    assert ls_json(cli, "--name", "vtasks") == []


def test_ls_name_matches_run_name_substring(cli: Invoke) -> None:
    run_id = run_greet("John")
    run_greet("Sam")
    run_name = next(r["name"] for r in ls_json(cli) if r["id"] == run_id)
    assert [r["id"] for r in ls_json(cli, "--name", run_name)] == [run_id]


def test_ls_tags_must_all_match(cli: Invoke) -> None:
    both = run_greet("a", "env:pro", "type:greet")
    run_greet("b", "env:pro")
    assert [r["id"] for r in ls_json(cli, "--tag", "env:pro", "--tag", "type:greet")] == [both]


def test_ls_state_type_filter(cli: Invoke) -> None:
    run_greet("ok")
    failed = run_broken()
    assert [r["id"] for r in ls_json(cli, "--state", "failed")] == [failed]


def test_ls_several_states_match_any(cli: Invoke) -> None:
    run_greet("ok")
    run_broken()
    assert len(ls_json(cli, "--state", "Failed", "--state", "COMPLETED")) == 2


def test_ls_unknown_state_lists_valid_ones(cli: Invoke) -> None:
    result = cli("flow-run", "ls", "--state", "Finished")
    assert result.exit_code == 2
    assert "Unknown state 'Finished'" in result.output
    assert "Completed" in result.output and "Cached" in result.output


def test_ls_since_relative_includes_recent_runs(cli: Invoke) -> None:
    run_id = run_greet("John")
    assert [r["id"] for r in ls_json(cli, "--since", "1h")] == [run_id]


def test_ls_since_iso_date_in_future_excludes_everything(cli: Invoke) -> None:
    run_greet("John")
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).date().isoformat()
    assert ls_json(cli, "--since", tomorrow) == []


def test_ls_bad_since_explains_the_accepted_forms(cli: Invoke) -> None:
    result = cli("flow-run", "ls", "--since", "yesterday")
    assert result.exit_code == 2
    assert "30m, 1h, 2d, 1w" in result.output


def test_ls_limit(cli: Invoke) -> None:
    for name in "abc":
        run_greet(name)
    assert len(ls_json(cli, "--limit", "2")) == 2


def test_ls_tree_nests_subflows_and_task_runs(cli: Invoke) -> None:
    vtasks()
    result = cli("flow-run", "ls", "--tree")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("vtasks  (")
    assert "Completed" in lines[0]
    assert lines[1].startswith("└── vtasks.backup  (Completed")
    assert lines[2].startswith("    ├── vtasks.backup.backup_files-")
    assert lines[3].startswith("    └── vtasks.backup.copy-")
    assert len(lines) == 4


def test_ls_tree_json_is_nested(cli: Invoke) -> None:
    vtasks()
    [root] = json.loads(cli("flow-run", "ls", "--tree", "--json").stdout)
    assert root["flow_name"] == "vtasks"
    [sub] = root["children"]
    assert (sub["type"], sub["flow_name"], sub["state"]) == (
        "flow_run",
        "vtasks.backup",
        "Completed",
    )
    assert [c["type"] for c in sub["children"]] == ["task_run", "task_run"]


# -- inspect ----------------------------------------------------------------------------


def test_inspect_shows_fields_and_state_history(cli: Invoke) -> None:
    run_id = run_greet("John", "env:pro")
    data = json.loads(cli("flow-run", "inspect", run_id, "--json").stdout)
    assert data["id"] == run_id
    assert data["parameters"] == {"name": "John"}
    assert data["tags"] == ["env:pro"]
    assert data["state"]["name"] == "Completed"
    assert [s["name"] for s in data["state_history"]][-1] == "Completed"
    assert "Running" in [s["name"] for s in data["state_history"]]


def test_inspect_table_shows_the_state_history(cli: Invoke) -> None:
    run_id = run_greet("John")
    result = cli("flow-run", "inspect", run_id)
    assert result.exit_code == 0
    assert "State history" in result.stdout
    assert "Running" in result.stdout


def test_inspect_shows_the_failure_message(cli: Invoke) -> None:
    run_id = run_broken()
    result = cli("flow-run", "inspect", run_id)
    assert "boom" in result.stdout


def test_inspect_unknown_id_says_how_to_list_runs(cli: Invoke) -> None:
    missing = "0190a0a0-0000-7000-8000-000000000000"
    result = cli("flow-run", "inspect", missing)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: No flow run with id '{missing}'; `riverrun flow-run ls` lists them."
    )


def test_inspect_malformed_id_is_not_found(cli: Invoke) -> None:
    result = cli("flow-run", "inspect", "not-an-id")
    assert result.exit_code == 1
    assert "No flow run with id 'not-an-id'" in result.stderr


# -- logs -------------------------------------------------------------------------------


def test_logs_prints_the_run_logs(cli: Invoke) -> None:
    run_id = run_greet("John")
    result = cli("flow-run", "logs", run_id)
    assert result.exit_code == 0
    assert "INFO" in result.stdout
    assert "Hello John" in result.stdout


def test_logs_json_lines(cli: Invoke) -> None:
    run_id = run_greet("John")
    lines = cli("flow-run", "logs", run_id, "--json").stdout.splitlines()
    messages = [json.loads(line)["message"] for line in lines]
    assert "Hello John" in messages


def test_logs_unknown_id(cli: Invoke) -> None:
    result = cli("flow-run", "logs", "0190a0a0-0000-7000-8000-000000000000")
    assert result.exit_code == 1
    assert "riverrun flow-run ls" in result.stderr


def test_logs_follow_on_a_finished_run_returns(cli: Invoke) -> None:
    run_id = run_greet("John")
    result = cli("flow-run", "logs", run_id, "--follow")
    assert result.exit_code == 0
    assert "Hello John" in result.stdout


def test_logs_follow_prints_until_the_run_finishes(cli: Invoke) -> None:
    release = threading.Event()
    run_ids: queue.Queue[str] = queue.Queue()

    @flow(name="slow")
    def slow() -> None:
        logger = get_run_logger()
        run_ids.put(str(get_run_context().flow_run.id))
        logger.info("first line")
        assert release.wait(timeout=30)
        logger.info("last line")

    worker = threading.Thread(target=slow, kwargs={"return_state": True})
    worker.start()
    run_id = run_ids.get(timeout=30)

    def release_once_following() -> None:
        # Let the flow finish once the follower has seen its first line.
        client = get_client(sync_client=True)
        log_filter = LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id]))
        deadline = datetime.now() + timedelta(seconds=30)
        while datetime.now() < deadline and not client.read_logs(log_filter=log_filter):
            threading.Event().wait(0.02)
        release.set()

    releaser = threading.Thread(target=release_once_following)
    releaser.start()
    try:
        result = cli("flow-run", "logs", run_id, "--follow", "--poll-interval", "0.05")
    finally:
        release.set()
        worker.join(timeout=30)
        releaser.join(timeout=30)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("first line") < out.index("last line")


def test_logs_follow_gives_up_after_the_timeout(cli: Invoke) -> None:
    release = threading.Event()
    run_ids: queue.Queue[str] = queue.Queue()

    @flow(name="stuck")
    def stuck() -> None:
        run_ids.put(str(get_run_context().flow_run.id))
        release.wait(timeout=30)

    worker = threading.Thread(target=stuck, kwargs={"return_state": True})
    worker.start()
    try:
        run_id = run_ids.get(timeout=30)
        result = cli(
            "flow-run", "logs", run_id, "--follow", "--timeout", "0.2", "--poll-interval", "0.05"
        )
    finally:
        release.set()
        worker.join(timeout=30)
    assert result.exit_code == 1
    assert "Stopped following after 0.2s" in result.stderr


# -- delete, flow ls --------------------------------------------------------------------


def test_delete_removes_the_run(cli: Invoke) -> None:
    run_id = run_greet("John")
    result = cli("flow-run", "delete", run_id)
    assert result.exit_code == 0, result.output
    assert run_id in result.stdout
    assert ls_json(cli) == []
    assert cli("flow-run", "inspect", run_id).exit_code == 1


def test_delete_unknown_id(cli: Invoke) -> None:
    result = cli("flow-run", "delete", "0190a0a0-0000-7000-8000-000000000000")
    assert result.exit_code == 1
    assert "No flow run with id" in result.stderr


def test_flow_ls_lists_flows_by_name(cli: Invoke) -> None:
    vtasks()
    run_greet("John")
    data = json.loads(cli("flow", "ls", "--json").stdout)
    assert [f["name"] for f in data] == ["greet", "vtasks", "vtasks.backup"]
    assert "vtasks.backup" in cli("flow", "ls").stdout


@pytest.mark.parametrize("command", [["flow-run", "ls"], ["flow", "ls"]])
def test_listing_commands_work_on_an_empty_store(cli: Invoke, command: list[str]) -> None:
    assert cli(*command).exit_code == 0
