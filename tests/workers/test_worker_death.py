"""A worker killed with ``kill -9``: its runs' leases decide what happens to them.

Real ``riverrun worker start`` processes, embedded (the SQLite file under RIVERRUN_HOME) and
against a server on loopback, both with 3 s leases (``RIVERRUN_FLOWS_LEASE_SECONDS``) so a
test waits seconds, not the default half minute.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from riverrun._internal.clock import now_us
from riverrun._store.dialect import sqlite_url
from riverrun._store.leases import CRASHED_MESSAGE, RESCHEDULED_MESSAGE
from riverrun._store.service import Store, close_stores
from riverrun.client import get_client
from riverrun.client.schemas.actions import WorkPoolCreate
from riverrun.deployments import load_flow_from_entrypoint
from riverrun.server.testing import ServerProcess, clear_data

from .conftest import start_worker, stop, wait_for

LEASE_S = "3"
_FINAL = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}


@pytest.fixture(scope="module")
def short_lease_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A server whose leases last 3 s, swept every half second: (API URL, database URL)."""
    home = tmp_path_factory.mktemp("short-lease-server")
    env = {"RIVERRUN_FLOWS_LEASE_SECONDS": LEASE_S,
           "RIVERRUN_SERVER_SERVICES_LEASE_SWEEPER_LOOP_SECONDS": "0.5"}  # fmt: skip
    with ServerProcess(home, env=env) as server:
        yield server.api_url, sqlite_url(home / "riverrun.db")


@pytest.fixture(params=["embedded", "server"])
def database(
    request: pytest.FixtureRequest, riverrun_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Short leases for this test and its workers; the URL of the database they record in."""
    monkeypatch.setenv("RIVERRUN_FLOWS_LEASE_SECONDS", LEASE_S)
    if request.param == "embedded":
        yield sqlite_url(riverrun_home / "riverrun.db")
        return
    api_url, url = request.getfixturevalue("short_lease_server")
    clear_data(url)
    close_stores()
    monkeypatch.setenv("RIVERRUN_API_URL", api_url)
    yield url


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes] | int]]:
    """Workers and PIDs a test started: whatever still runs at the end is killed."""
    started: list[subprocess.Popen[bytes] | int] = []
    yield started
    for item in started:
        if isinstance(item, int):
            _kill(item)
        else:
            _kill_worker(item)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _deploy(entrypoint: str, **options: Any) -> str:
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="p", type="process"))
    flow: Any = load_flow_from_entrypoint(entrypoint)
    return str(flow.to_deployment("d", work_pool_name="p", **options).apply())


def _run(deployment_id: str, **parameters: Any) -> str:
    with get_client(sync_client=True) as client:
        return str(client.create_flow_run_from_deployment(deployment_id, parameters=parameters).id)


def _state(run_id: str) -> Any:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(run_id)


def _final(run_id: str) -> Any:
    run = _state(run_id)
    return run if run.state_type is not None and run.state_type.value in _FINAL else None


def _history(run_id: str) -> list[str]:
    with get_client(sync_client=True) as client:
        return [s.name for s in client.read_flow_run_states(run_id)]


def _lease_expires(url: str, run_id: str) -> int | None:
    """The run's ``lease_expires`` (epoch µs) as the database has it."""
    import sqlalchemy as sa

    from riverrun._store import tables as t

    store = Store(url)
    try:
        with store.connect() as conn:
            value = conn.execute(sa.select(t.flow_run.c.lease_expires)
                                 .where(t.flow_run.c.id == run_id)).scalar()  # fmt: skip
    finally:
        store.dispose()
    return None if value is None else int(value)


def _pid(marker: Path) -> int:
    """The PID a ``hold`` run left in its marker, once it is there."""
    text = wait_for(lambda: marker.exists() and marker.read_text(), what=f"{marker.name}")
    return int(text)


def _kill_worker(worker: subprocess.Popen[bytes]) -> None:
    """``kill -9`` the worker (its children keep its output pipe open: not read here)."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    if worker.stdout is not None:
        worker.stdout.close()


@pytest.mark.slow
def test_a_run_outlives_its_killed_worker_because_its_flow_process_renews_the_lease(
    flows_dir: Path, database: str, processes: list[Any]
) -> None:
    dep = _deploy("flows.py:hold")
    gate = flows_dir / "go"
    run_id = _run(dep, marker=str(flows_dir / "held"), gate=str(gate))
    worker = start_worker("--pool", "p")
    processes.append(worker)
    processes.append(_pid(flows_dir / "held"))
    wait_for(lambda: _state(run_id).state_name == "Running", what="the run to be Running")
    _kill_worker(worker)
    held_until = _lease_expires(database, run_id)
    assert held_until is not None
    # Only the flow process is left to renew: the lease moves past what the worker left it,
    # and the run is still Running once the worker's lease would have run out.
    wait_for(lambda: (_lease_expires(database, run_id) or 0) > held_until,
             what="the flow process to renew its lease")  # fmt: skip
    wait_for(lambda: now_us() > held_until, what="the worker's last lease to run out")
    assert _state(run_id).state_name == "Running"
    gate.write_text("go")
    done = wait_for(lambda: _final(run_id), what="the run to end")
    assert done.state_name == "Completed", _history(run_id)
    assert "Crashed" not in _history(run_id)


@pytest.mark.slow
def test_a_pending_run_of_a_killed_worker_goes_back_to_scheduled_and_runs_once(
    flows_dir: Path, database: str, processes: list[Any]
) -> None:
    # The job's command holds the first claim Pending (it never starts the flow), and runs
    # the flow as the default command does for any later one.
    launcher = flows_dir / "launch.py"
    launcher.write_text(
        "import os, pathlib, sys, time\n"
        f"first = pathlib.Path({str(flows_dir / 'first-claim')!r})\n"
        "if not first.exists():\n"
        "    first.write_text(str(os.getpid()))\n"
        "    time.sleep(120)\n"
        "    sys.exit(1)\n"
        "os.execv(sys.executable, [sys.executable, '-m', 'riverrun.deployments._execute',\n"
        "                          os.environ['RIVERRUN__FLOW_RUN_ID'], 'crash'])\n"
    )
    dep = _deploy("flows.py:record",
                  job_variables={"command": f"{sys.executable} {launcher}"})  # fmt: skip
    out = flows_dir / "runs.txt"
    run_id = _run(dep, out=str(out))
    first = start_worker("--pool", "p", "--name", "first")
    processes.append(first)
    processes.append(_pid(flows_dir / "first-claim"))
    assert _state(run_id).state_name == "Pending"
    _kill_worker(first)
    _kill(processes[-1])
    second = start_worker("--pool", "p", "--name", "second")
    processes.append(second)
    done = wait_for(lambda: _final(run_id), what="the run to end on the second worker")
    output = stop(second)
    assert done.state_name == "Completed", output
    history = _history(run_id)
    assert history[:4] == ["Scheduled", "Pending", "Scheduled", "Pending"], history
    with get_client(sync_client=True) as client:
        rescheduled = client.read_flow_run_states(run_id)[2]
    assert rescheduled.message == RESCHEDULED_MESSAGE
    assert out.read_text().split() == [run_id]


@pytest.mark.slow
def test_a_running_run_whose_worker_and_flow_process_are_killed_crashes_and_frees_its_slot(
    flows_dir: Path, database: str, processes: list[Any]
) -> None:
    dep = _deploy("flows.py:hold", concurrency_limit=1)
    first_run = _run(dep, marker=str(flows_dir / "first"), gate=str(flows_dir / "never"))
    first = start_worker("--pool", "p", "--name", "first")
    processes.append(first)
    flow_pid = _pid(flows_dir / "first")
    processes.append(flow_pid)
    wait_for(lambda: _state(first_run).state_name == "Running", what="the run to be Running")
    # The deployment's one slot is held: the second worker cannot start the next run yet.
    next_run = _run(dep, marker=str(flows_dir / "next"))
    second = start_worker("--pool", "p", "--name", "second")
    processes.append(second)
    _kill_worker(first)
    _kill(flow_pid)
    crashed = wait_for(lambda: _final(first_run), timeout=30, what="the killed run to end")
    assert crashed.state_name == "Crashed"
    message = crashed.state.message or ""
    assert message == CRASHED_MESSAGE or message.startswith("process gone"), message
    done = wait_for(lambda: _final(next_run), timeout=30, what="the next run to get the slot")
    output = stop(second)
    assert done.state_name == "Completed", output


@pytest.mark.slow
def test_a_worker_killed_while_its_claim_is_parked_is_handed_no_run(
    flows_dir: Path, short_lease_server: tuple[str, str], monkeypatch: pytest.MonkeyPatch,
    processes: list[Any],
) -> None:  # fmt: skip
    api_url, url = short_lease_server
    clear_data(url)
    close_stores()
    monkeypatch.setenv("RIVERRUN_API_URL", api_url)
    monkeypatch.setenv("RIVERRUN_FLOWS_LEASE_SECONDS", LEASE_S)
    dep = _deploy("flows.py:record")

    def polled() -> bool:
        with get_client(sync_client=True) as client:
            return any(q.last_polled is not None for q in client.read_work_queues("p"))

    parked = start_worker("--pool", "p", "--name", "parked")
    processes.append(parked)
    wait_for(polled, what="the worker's first claim (its long poll parks after it)")
    _kill_worker(parked)
    run_id = _run(dep, out=str(flows_dir / "runs.txt"))
    processes.append(start_worker("--pool", "p", "--name", "live"))
    done = wait_for(lambda: _final(run_id), what="the run to end on the live worker")
    assert done.state_name == "Completed"
    # Claimed once, by the live worker: not first by the dead one's poll, then swept back.
    history = _history(run_id)
    assert history.count("Scheduled") == 1 and history[-2:] == ["Running", "Completed"], history


@pytest.mark.slow
def test_a_worker_renews_a_pending_runs_lease_until_it_is_killed(
    flows_dir: Path, database: str, processes: list[Any]
) -> None:
    # The entrypoint is slow to import (it waits for a gate): the run's flow process lives but
    # has not started the run, so only the worker renews the lease of the Pending run.
    pid_file, gate = flows_dir / "importing", flows_dir / "never"
    (flows_dir / "slow_import.py").write_text(
        "import os, pathlib, time\n"
        "if os.environ.get('RIVERRUN__FLOW_RUN_ID'):  # slow only in the run's process\n"
        f"    pathlib.Path({str(pid_file)!r}).write_text(str(os.getpid()))\n"
        "    deadline = time.monotonic() + 120\n"
        f"    while not pathlib.Path({str(gate)!r}).exists() and time.monotonic() < deadline:\n"
        "        time.sleep(0.02)\n"
        "from riverrun import flow\n"
        "@flow\n"
        "def record(out: str) -> None:\n"
        "    pathlib.Path(out).write_text('ran')\n"
    )
    dep = _deploy("slow_import.py:record")
    run_id = _run(dep, out=str(flows_dir / "runs.txt"))
    worker = start_worker("--pool", "p")
    processes.append(worker)
    processes.append(_pid(pid_file))
    assert _state(run_id).state_name == "Pending"
    claimed_until = _lease_expires(database, run_id)
    assert claimed_until is not None
    # Two whole leases later the run is still Pending, on a lease the worker moved forward.
    wait_for(lambda: now_us() > claimed_until + 2 * int(float(LEASE_S) * 1e6), timeout=30,
             what="two lease periods to pass")  # fmt: skip
    assert _state(run_id).state_name == "Pending"
    assert (_lease_expires(database, run_id) or 0) > now_us()
    _kill_worker(worker)

    def swept() -> bool:
        if "RIVERRUN_API_URL" not in os.environ:  # embedded: as the next worker's sweep does
            store = Store(database)
            try:
                store.expire_run_leases()
            finally:
                store.dispose()
        return _state(run_id).state_name == "Scheduled"

    wait_for(swept, timeout=30, what="the run of the killed worker to go back to Scheduled")
    with get_client(sync_client=True) as client:
        assert client.read_flow_run_states(run_id)[-1].message == RESCHEDULED_MESSAGE
