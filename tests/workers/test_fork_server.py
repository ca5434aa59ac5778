"""A process worker forks each run from its fork server: back to back, killed, cancelled."""

from __future__ import annotations

import os
import signal
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from riverrun.client import get_client
from riverrun.client.schemas.actions import WorkPoolCreate
from riverrun.deployments import load_flow_from_entrypoint
from riverrun.states import Cancelling

from ._forks import WHERE_FLOW, fork_servers_of, gone, where_lines
from .conftest import start_worker, stop, wait_for

FINAL = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}
pytestmark = [pytest.mark.both_modes, pytest.mark.slow]


@pytest.fixture
def where(flows_dir: Path) -> str:
    """A deployment of the ``where`` flow on pool ``p``; returns its ID."""
    (flows_dir / "forked.py").write_text(WHERE_FLOW)
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="p", type="process"))
    flow: Any = load_flow_from_entrypoint("forked.py:where")
    return str(flow.to_deployment("d", work_pool_name="p").apply())


def _runs(deployment_id: str, count: int, **parameters: Any) -> list[str]:
    with get_client(sync_client=True) as client:
        return [client.create_flow_run_from_deployment(deployment_id, parameters=parameters).id
                for _ in range(count)]  # fmt: skip


def _states(run_ids: list[str]) -> list[str | None]:
    with get_client(sync_client=True) as client:
        return [client.read_flow_run(run_id).state_name for run_id in run_ids]


def _all_final(run_ids: list[str]) -> bool:
    with get_client(sync_client=True) as client:
        runs = [client.read_flow_run(run_id) for run_id in run_ids]
    return all(r.state_type is not None and r.state_type.value in FINAL for r in runs)


def _cancel_while_running(
    run_id: str, started: Callable[[], Any], env: dict[str, str]
) -> list[str | None]:
    """Start a worker, cancel the run once ``started()`` gives its PID; the run's final state
    once that process has ended."""
    worker = start_worker("--pool", "p", env=env)
    try:
        pid = int(wait_for(started, timeout=120, what="the run's process to start"))
        with get_client(sync_client=True) as client:
            client.set_flow_run_state(run_id, Cancelling())
        wait_for(lambda: _all_final([run_id]), timeout=60, what="the run to end")
        wait_for(lambda: gone(pid), timeout=30, what="its process to end")
    finally:
        output = stop(worker)
    states = _states([run_id])
    assert states == ["Cancelled"], output
    return states


def test_back_to_back_runs_each_run_once_in_their_own_fork_of_one_fork_server(
    flows_dir: Path, where: str
) -> None:
    out = flows_dir / "where.txt"
    ids = _runs(where, 8, out=str(out))
    worker = start_worker("--pool", "p", "--limit", "4")
    try:
        wait_for(lambda: _all_final(ids), timeout=120, what="8 runs to finish")
        [server] = fork_servers_of(worker.pid)
    finally:
        output = stop(worker)
    assert _states(ids) == ["Completed"] * 8, output
    lines = where_lines(out)
    assert Counter(run_id for run_id, _, _ in lines) == Counter(ids)
    assert len({pid for _, pid, _ in lines}) == 8  # a process per run
    assert {ppid for _, _, ppid in lines} == {server}


def test_a_killed_fork_server_is_replaced_and_every_run_still_runs_once(
    flows_dir: Path, where: str
) -> None:
    out, gate = flows_dir / "where.txt", flows_dir / "gate"
    ids = _runs(where, 6, out=str(out), gate=str(gate))
    worker = start_worker("--pool", "p", "--limit", "2")
    try:
        wait_for(lambda: len(where_lines(out)) == 2, timeout=120, what="two runs to start")
        [first] = fork_servers_of(worker.pid)
        os.kill(first, signal.SIGKILL)  # mid-stream: two runs it forked are running
        gate.touch()
        wait_for(lambda: _all_final(ids), timeout=180, what="6 runs to finish")
        [second] = fork_servers_of(worker.pid)
    finally:
        output = stop(worker)
    assert _states(ids) == ["Completed"] * 6, output
    lines = where_lines(out)
    assert Counter(run_id for run_id, _, _ in lines) == Counter(ids)
    assert second != first
    assert {ppid for _, _, ppid in lines[2:]} <= {second, worker.pid}  # forked, or a cold start


def test_cancelling_a_run_stops_its_forked_process_and_the_run_ends_cancelled(
    flows_dir: Path, where: str
) -> None:
    out = flows_dir / "where.txt"
    [run_id] = _runs(where, 1, out=str(out), gate=str(flows_dir / "never"))
    started = lambda: where_lines(out) and where_lines(out)[0][1]  # noqa: E731
    assert _cancel_while_running(run_id, started, {}) == ["Cancelled"]


def test_a_renewal_answering_cancelling_makes_the_worker_kill_the_run_process(
    flows_dir: Path, where: str
) -> None:
    # A custom command that never renews the lease itself: only the worker can stop it.
    marker = flows_dir / "pid"
    script = f"import os, pathlib, time; pathlib.Path({str(marker)!r}).write_text(str(os.getpid())); time.sleep(120)"  # noqa: E501
    flow: Any = load_flow_from_entrypoint("forked.py:where")
    command = {"command": f"{sys.executable} -c {script!r}"}
    custom = str(flow.to_deployment("c", work_pool_name="p", job_variables=command).apply())
    [run_id] = _runs(custom, 1, out=str(flows_dir / "where.txt"))
    started = lambda: marker.exists() and int(marker.read_text() or 0)  # noqa: E731
    env = {"RIVERRUN_FLOWS_LEASE_SECONDS": "3"}  # the worker renews every second
    assert _cancel_while_running(run_id, started, env) == ["Cancelled"]


def test_with_the_fork_server_off_each_run_is_a_fresh_interpreter(
    flows_dir: Path, where: str
) -> None:
    out = flows_dir / "where.txt"
    ids = _runs(where, 2, out=str(out))
    worker = start_worker("--pool", "p", env={"RIVERRUN_RUNNER_FORK_SERVER": "false"})
    try:
        wait_for(lambda: _all_final(ids), timeout=120, what="2 runs to finish")
        servers = fork_servers_of(worker.pid)
    finally:
        output = stop(worker)
    assert _states(ids) == ["Completed"] * 2, output
    assert servers == []
    assert {ppid for _, _, ppid in where_lines(out)} == {worker.pid}
