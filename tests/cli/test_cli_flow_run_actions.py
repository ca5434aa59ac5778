"""`riverrun flow-run retry` and `watch`, on runs of real flows (watch in a real subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from riverrun import flow
from riverrun.client import get_client
from riverrun.context import get_run_context
from riverrun.states import Completed, Failed

Invoke = Callable[..., Result]

FLOW_FILE = """
import os
from riverrun import flow

@flow
def flaky(n: int = 1) -> int:
    if os.environ.get("FAIL_IT"):
        raise ValueError("boom")
    return n * 2

if __name__ == "__main__":
    flaky(3)
"""


@pytest.fixture
def failed_run(tmp_path: Path) -> tuple[str, Path]:
    """(ID of a failed run of flows.py:flaky with n=3, the directory holding flows.py)."""
    (tmp_path / "flows.py").write_text(FLOW_FILE)
    env = {**os.environ, "FAIL_IT": "1"}
    subprocess.run(
        [sys.executable, "flows.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    runs = get_client(sync_client=True).read_flow_runs(limit=1)
    assert runs and runs[0].state.type == "FAILED"
    return runs[0].id, tmp_path


def test_retry_without_deployment_needs_an_entrypoint(
    cli: Invoke, failed_run: tuple[str, Path]
) -> None:
    run_id, _ = failed_run
    result = cli("flow-run", "retry", run_id)
    assert result.exit_code == 1
    assert "does not have an associated deployment. Please provide an --entrypoint" in result.output


def test_retry_with_entrypoint_reruns_the_same_run_here(
    cli: Invoke, failed_run: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id, directory = failed_run
    monkeypatch.chdir(directory)
    result = cli("flow-run", "retry", run_id, "--entrypoint", "flows.py:flaky")
    assert result.exit_code == 0, result.output
    assert f"Flow run '{run_id}' completed successfully." in result.output
    client = get_client(sync_client=True)
    history = [s.name for s in client.read_flow_run_states(run_id)]
    assert history == [
        "Pending",
        "Running",
        "Failed",
        "Scheduled",
        "Pending",
        "Running",
        "Completed",
    ]
    assert client.read_flow_run(run_id).parameters == {"n": 3}


def test_retry_of_a_deployment_run_schedules_it(cli: Invoke) -> None:
    client = get_client(sync_client=True)
    flow_id = client.create_flow_from_name("deployed")
    deployment_id = client.create_deployment(flow_id, "nightly", entrypoint="flows.py:deployed")
    run = client.create_flow_run_from_deployment(deployment_id)
    client.set_flow_run_state(run.id, Failed(), force=True)
    result = cli("flow-run", "retry", run.id)
    assert result.exit_code == 0, result.output
    assert "has been scheduled for retry" in result.output
    state = client.read_flow_run(run.id).state
    assert (state.type, state.message) == ("SCHEDULED", "Retried via CLI")


def test_retry_of_a_run_that_is_not_final_is_refused(cli: Invoke) -> None:
    client = get_client(sync_client=True)
    deployment_id = client.create_deployment(client.create_flow_from_name("deployed"), "later")
    run = client.create_flow_run_from_deployment(deployment_id)
    result = cli("flow-run", "retry", run.id)
    assert result.exit_code == 1 and "cannot be retried" in result.output


def test_retry_finds_a_run_by_name(cli: Invoke, failed_run: tuple[str, Path]) -> None:
    run_id, _ = failed_run
    name = get_client(sync_client=True).read_flow_run(run_id).name
    result = cli("flow-run", "retry", name)
    assert "does not have an associated deployment" in result.output  # found, then refused


@flow
def finished_flow() -> str:
    return str(get_run_context().flow_run.id)


def test_watch_of_a_completed_run_exits_0(cli: Invoke) -> None:
    run_id = finished_flow()
    result = cli("flow-run", "watch", run_id)
    assert result.exit_code == 0 and "Flow run already finished in 'Completed'." in result.output


def test_watch_of_a_failed_run_exits_1(cli: Invoke) -> None:
    run_id = finished_flow()
    get_client(sync_client=True).set_flow_run_state(run_id, Failed(), force=True)
    result = cli("flow-run", "watch", run_id)
    assert result.exit_code == 1 and "already finished in state 'Failed'" in result.output


started = threading.Event()
release = threading.Event()
run_ids: list[str] = []


@flow
def waiting_flow() -> None:
    run_ids.append(str(get_run_context().flow_run.id))
    started.set()
    assert release.wait(60)


def test_watch_follows_a_running_run_until_it_completes() -> None:
    started.clear(), release.clear(), run_ids.clear()
    worker = threading.Thread(target=waiting_flow)
    worker.start()
    try:
        assert started.wait(60)
        get_client(sync_client=True).read_flow_run(run_ids[0])  # flushes the Running state
        watcher = subprocess.Popen(
            [str(Path(sys.executable).parent / "riverrun"), "flow-run", "watch", run_ids[0], "--timeout", "60"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert watcher.stdout is not None
        first = watcher.stdout.readline()  # blocks until watch has seen the run Running
        assert "entered state 'Running'" in first, watcher.stderr.read() if watcher.stderr else ""
    finally:
        release.set()
        worker.join(60)
    out, err = watcher.communicate(timeout=60)
    assert watcher.returncode == 0, err
    assert "Flow run finished successfully in 'Completed'." in out


def test_watch_gives_up_after_the_timeout(cli: Invoke) -> None:
    client = get_client(sync_client=True)
    run = client.create_flow_run_from_deployment(
        client.create_deployment(client.create_flow_from_name("deployed"), "stuck")
    )
    result = cli("flow-run", "watch", run.id, "--timeout", "1")
    assert result.exit_code == 1 and "did not finish within 1s" in result.output


def test_flow_runs_alias_lists_runs(cli: Invoke) -> None:
    run_id = finished_flow()
    client = get_client(sync_client=True)
    client.set_flow_run_state(run_id, Completed(), force=True)
    rows = json.loads(cli("flow-runs", "ls", "--json").output)
    assert [r["id"] for r in rows] == [run_id]
