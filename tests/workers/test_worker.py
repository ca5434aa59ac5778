"""``riverrun worker start`` as a real process: runs, job variables, bad input, shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from riverrun.client import get_client
from riverrun.client.schemas.actions import WorkPoolCreate
from riverrun.deployments import load_flow_from_entrypoint

from .conftest import start_worker, stop, wait_for

FINAL = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}


def _deploy(entrypoint: str, name: str = "d", **options: Any) -> str:
    flow: Any = load_flow_from_entrypoint(entrypoint)
    return str(flow.to_deployment(name, work_pool_name="p", **options).apply())


def _final(run_id: str) -> Any:
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
    return run if run.state_type is not None and run.state_type.value in FINAL else None


def _state_name(run_id: str) -> str | None:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(run_id).state_name


def _pool() -> None:
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="p", type="process"))


@pytest.mark.both_modes
@pytest.mark.slow
def test_a_worker_runs_a_deployment_run_with_its_job_variables(flows_dir: Path) -> None:
    _pool()
    dep = _deploy("flows.py:record", job_variables={"env": {"FOO": "bar"}})
    with get_client(sync_client=True) as client:
        run = client.create_flow_run_from_deployment(
            dep, parameters={"out": str(flows_dir / "runs.txt")}
        )
    worker = start_worker("--pool", "p", "--name", "w1")
    try:
        done = wait_for(lambda: _final(run.id), timeout=60, what="the run to finish")
    finally:
        output = stop(worker)
    assert done.state_name == "Completed", output
    with get_client(sync_client=True) as client:
        messages = [log.message for log in client.read_logs()]
        [seen] = client.read_workers_for_work_pool("p")
    assert any("FOO=bar" in m and "riverrun-run-" in m for m in messages)
    assert seen.name == "w1"
    assert (flows_dir / "runs.txt").read_text().split() == [run.id]


@pytest.mark.slow
def test_an_entrypoint_that_fails_to_import_crashes_the_run_and_the_worker_keeps_working(
    flows_dir: Path,
) -> None:
    _pool()
    good = _deploy("flows.py:record")
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name("broken")
        bad = client.create_deployment(flow_id, "b", work_pool_name="p", entrypoint="broken.py:nope",
                                       path=str(flows_dir))  # fmt: skip
        broken = client.create_flow_run_from_deployment(bad)
        later = client.create_flow_run_from_deployment(
            good, parameters={"out": str(flows_dir / "runs.txt")}
        )
    worker = start_worker("--pool", "p", "--limit", "1")
    try:
        crashed = wait_for(lambda: _final(broken.id), timeout=60, what="the broken run to end")
        finished = wait_for(lambda: _final(later.id), timeout=60, what="the next run to end")
    finally:
        output = stop(worker)
    assert crashed.state_name == "Crashed", output
    assert "no_such_module_anywhere" in (crashed.state.message or "")
    with get_client(sync_client=True) as client:
        logs = [log.message for log in client.read_logs() if str(log.flow_run_id) == broken.id]
    assert any("no_such_module_anywhere" in m for m in logs)
    assert finished.state_name == "Completed"


def test_a_worker_for_a_missing_pool_fails_clearly_without_create(flows_dir: Path) -> None:
    out = subprocess.run(
        [str(Path(sys.executable).parent / "riverrun"), "worker", "start", "--pool", "nope",
         "--no-create-pool-if-not-found", "--run-once"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 1
    assert "No work pool named 'nope'" in out.stderr and "work-pool create" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_worker_creates_its_missing_pool_by_default(flows_dir: Path) -> None:
    out = subprocess.run(
        [str(Path(sys.executable).parent / "riverrun"), "worker", "start", "--pool", "fresh", "--run-once"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    with get_client(sync_client=True) as client:
        assert client.read_work_pool("fresh").type == "process"


def test_a_worker_limit_of_zero_is_refused(flows_dir: Path) -> None:
    out = subprocess.run(
        [str(Path(sys.executable).parent / "riverrun"), "worker", "start", "--pool", "p", "--limit", "0"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 1
    assert "--limit must be at least 1" in out.stderr and "Traceback" not in out.stderr


def _a_run_on_a_worker(entrypoint: str, marker: Path) -> tuple[Any, subprocess.Popen[bytes]]:
    """A run of ``entrypoint`` (told to write ``marker``) on pool p, and a worker started for it."""
    _pool()
    dep = _deploy(entrypoint)
    with get_client(sync_client=True) as client:
        run = client.create_flow_run_from_deployment(dep, parameters={"marker": str(marker)})
    return run, start_worker("--pool", "p")


@pytest.mark.slow
def test_sigterm_stops_the_worker_and_marks_its_running_run_crashed(flows_dir: Path) -> None:
    marker = flows_dir / "started"
    run, worker = _a_run_on_a_worker("flows.py:slow", marker)
    try:
        wait_for(marker.exists, timeout=60, what="the flow body to start")
    finally:
        worker.send_signal(signal.SIGTERM)
        output = stop(worker)
    assert worker.returncode == 0, output
    done = _final(run.id)
    assert done is not None and done.state_name == "Crashed", output
    # The flow process records its own Crashed on the SIGTERM the worker passes on; the worker
    # marks it itself if the process died before saying so.
    assert "termination signal" in (done.state.message or "") or "shut down" in (
        done.state.message or ""
    )


@pytest.mark.slow
def test_a_second_sigterm_while_the_worker_stops_its_runs_does_not_kill_it(
    flows_dir: Path,
) -> None:
    marker = flows_dir / "started"
    run, worker = _a_run_on_a_worker("flows.py:stubborn", marker)
    try:
        wait_for(marker.exists, timeout=60, what="the flow body to start ignoring SIGTERM")
        worker.send_signal(signal.SIGTERM)
        # The run got the SIGTERM passed on and goes on: the worker now waits out its grace.
        wait_for((flows_dir / "started.term").exists, timeout=30, what="the run's SIGTERM")
        worker.send_signal(signal.SIGTERM)
    finally:
        output = stop(worker)
    assert worker.returncode == 0, output
    done = _final(run.id)
    assert done is not None and done.state_name == "Crashed", output


@pytest.mark.slow
def test_run_once_runs_what_is_due_and_exits(flows_dir: Path) -> None:
    _pool()
    dep = _deploy("flows.py:record")
    out_file = flows_dir / "runs.txt"
    with get_client(sync_client=True) as client:
        ids = [
            client.create_flow_run_from_deployment(dep, parameters={"out": str(out_file)}).id
            for _ in range(2)
        ]
    done = subprocess.run(
        [str(Path(sys.executable).parent / "riverrun"), "worker", "start", "--pool", "p", "--run-once"],
        capture_output=True, text=True, timeout=120, env=os.environ,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert sorted(out_file.read_text().split()) == sorted(ids)


def _span(run_id: str) -> tuple[Any, Any]:
    """When the run became Running and when it reached its final state (its history)."""
    with get_client(sync_client=True) as client:
        states = client.read_flow_run_states(run_id)
    [running] = [s.timestamp for s in states if s.name == "Running"]
    [final] = [s.timestamp for s in states if s.type.value in FINAL]
    return running, final


@pytest.mark.both_modes
@pytest.mark.slow
def test_a_deployment_concurrency_limit_of_one_keeps_its_runs_apart_on_a_worker(
    flows_dir: Path,
) -> None:
    _pool()
    dep = _deploy("flows.py:hold", concurrency_limit=1)
    gate = flows_dir / "go"
    with get_client(sync_client=True) as client:
        runs = [client.create_flow_run_from_deployment(
            dep, parameters={"marker": str(flows_dir / f"m{i}"), "gate": str(gate)}).id
            for i in range(2)]  # fmt: skip
    worker = start_worker("--pool", "p")
    try:
        # One run holds the slot until the gate opens; the other was claimed with it but left
        # waiting (without the limit it would be Running beside it by now).
        def waiting() -> bool:
            names = {_state_name(r) for r in runs}
            return "Running" in names and bool(names & {"AwaitingConcurrencySlot", "Pending"})

        wait_for(waiting, timeout=60, what="one run Running, the other waiting for the slot")
        assert {_state_name(r) for r in runs} == {"Running", "AwaitingConcurrencySlot"}
        gate.write_text("go")
        done = [wait_for(lambda r=r: _final(r), timeout=60, what="the runs to end") for r in runs]
    finally:
        output = stop(worker)
    assert [d.state_name for d in done] == ["Completed", "Completed"], output
    (_, first_end), (second_start, _) = sorted(_span(r) for r in runs)
    assert first_end <= second_start


@pytest.mark.both_modes
@pytest.mark.slow
def test_a_worker_run_records_pending_once(flows_dir: Path) -> None:
    _pool()
    dep = _deploy("flows.py:record")
    with get_client(sync_client=True) as client:
        run = client.create_flow_run_from_deployment(
            dep, parameters={"out": str(flows_dir / "runs.txt")}
        )
    worker = start_worker("--pool", "p")
    try:
        wait_for(lambda: _final(run.id), timeout=60, what="the run to finish")
    finally:
        output = stop(worker)
    with get_client(sync_client=True) as client:
        history = [s.name for s in client.read_flow_run_states(run.id)]
    assert history == ["Scheduled", "Pending", "Running", "Completed"], output
