"""serve() forks each run from its fork server: back to back, and with the fork server killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from riverrun.client import get_client
from riverrun.deployments import run_deployment
from workers._forks import WHERE_FLOW, fork_servers_of, gone, where_lines
from workers.conftest import wait_for

pytestmark = [pytest.mark.both_modes, pytest.mark.slow]
NAME = "where/d"


def _deployment_exists() -> bool:
    try:
        get_client(sync_client=True).read_deployment_by_name(NAME)
        return True
    except Exception:  # noqa: BLE001 - not created yet
        return False


@pytest.fixture
def served(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``where.serve(name="d", limit=2)`` in a subprocess, once its deployment exists."""
    script = WHERE_FLOW + '\n\nif __name__ == "__main__":\n    where.serve(name="d", limit=2)\n'
    (tmp_path / "served.py").write_text(script)
    with (tmp_path / "serve.log").open("wb") as log:
        process = subprocess.Popen([sys.executable, "served.py"], cwd=tmp_path,
                                   env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        wait_for(_deployment_exists, timeout=120, what="the deployment")
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=60)


def _trigger(count: int, **parameters: Any) -> list[str]:
    return [str(run_deployment(NAME, parameters=parameters, timeout=0).id) for _ in range(count)]


def _states(run_ids: list[str]) -> list[str | None]:
    with get_client(sync_client=True) as client:
        return [client.read_flow_run(run_id).state_name for run_id in run_ids]


def _all_completed(run_ids: list[str]) -> bool:
    return _states(run_ids) == ["Completed"] * len(run_ids)


def test_served_runs_back_to_back_each_run_once_in_their_own_fork(
    served: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    out = tmp_path / "where.txt"
    ids = _trigger(6, out=str(out))
    wait_for(lambda: _all_completed(ids), timeout=120, what="6 runs to complete")
    [server] = fork_servers_of(served.pid)
    lines = where_lines(out)
    assert Counter(run_id for run_id, _, _ in lines) == Counter(ids)
    assert len({pid for _, pid, _ in lines}) == 6
    assert {ppid for _, _, ppid in lines} == {server}


def test_a_killed_fork_server_is_replaced_and_served_runs_still_run_once(
    served: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    out, gate = tmp_path / "where.txt", tmp_path / "gate"
    ids = _trigger(5, out=str(out), gate=str(gate))
    wait_for(lambda: len(where_lines(out)) == 2, timeout=120, what="two runs to start")
    [first] = fork_servers_of(served.pid)
    os.kill(first, signal.SIGKILL)
    gate.touch()
    wait_for(lambda: _all_completed(ids), timeout=180, what="5 runs to complete")
    [second] = fork_servers_of(served.pid)
    assert second != first
    assert Counter(run_id for run_id, _, _ in where_lines(out)) == Counter(ids)


def test_sigterm_stops_a_forked_run_and_marks_it_crashed(
    served: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    out = tmp_path / "where.txt"
    [run_id] = _trigger(1, out=str(out), gate=str(tmp_path / "never"))
    [(_, pid, _)] = wait_for(lambda: where_lines(out), timeout=120, what="the run to start")
    served.send_signal(signal.SIGTERM)
    served.wait(timeout=60)
    assert _states([run_id]) == ["Crashed"]
    wait_for(lambda: gone(pid), timeout=30, what="the run's process to end")
