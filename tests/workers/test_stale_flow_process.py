"""A flow process frozen past its lease is fenced end to end, as a user would see it.

A real worker claims the run and starts its flow process; the worker is killed with ``kill -9``
(so nothing renews the lease for it) and the flow process is frozen (SIGSTOP) past its 3 s
lease. The server's sweeper (remote) or the next worker (embedded) crashes the run; then the
frozen process is resumed (SIGCONT). On SQLite and PostgreSQL, embedded and against a server:

- the run's history has no state from the stale process after the takeover;
- the process hears it lost the lease (its renewal answers ``held=False``), stops the user's
  code and exits non-zero, saying why;
- every log line it emitted, before the freeze and after, is stored (none lost).

The flow process is the child of a small launcher (the deployment's ``command``), which the
``kill -9`` of the worker spares: it writes down the process's exit code and output.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from riverrun._store.leases import CRASHED_MESSAGE
from riverrun._store.service import close_stores
from riverrun.client import get_client
from riverrun.client.schemas.actions import WorkPoolCreate
from riverrun.client.schemas.filters import LogFilter, LogFilterFlowRunId
from riverrun.deployments import load_flow_from_entrypoint
from riverrun.server.testing import ServerProcess, clear_data, scratch_postgres

from .conftest import start_worker, stop, wait_for

pytestmark = pytest.mark.slow

LEASE_S = "3"
BOUND_S = 30.0  # resumed → exited; the watcher acts on its first renewal (~1 s), this is slack
BURST = 20

FLOW = '''
import os, time
from pathlib import Path

from riverrun import flow, get_run_logger


def emit(log, emitted, line):
    """Log ``line`` as the run's and note it in ``emitted`` (what the flow said it logged)."""
    log.info(line)
    with open(emitted, "a") as f:
        f.write(line + "\\n")


@flow
def frozen(marker: str, emitted: str, gate: str, burst: int = 20):
    log = get_run_logger()
    for i in range(burst):
        emit(log, emitted, f"before {i}")
    Path(marker).write_text(str(os.getpid()))
    while not Path(gate).exists():
        time.sleep(0.02)
    i = 0
    while True:  # resumed: the code runs on until the process stops it
        emit(log, emitted, f"after {i}")
        i += 1
        time.sleep(0.05)
'''

LAUNCHER = """
import json, os, subprocess, sys
done = subprocess.run(
    [sys.executable, "-m", "riverrun.deployments._execute", os.environ["RIVERRUN__FLOW_RUN_ID"],
     "crash"], capture_output=True, text=True)
with open(sys.argv[1] + ".tmp", "w") as f:
    json.dump({"code": done.returncode, "output": done.stdout + done.stderr}, f)
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
"""


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    with scratch_postgres("riverrun_stale") as url:
        yield url


@pytest.fixture(
    params=[
        "embedded-sqlite",
        pytest.param("embedded-postgres", marks=pytest.mark.postgres),
        "server-sqlite",
        pytest.param("server-postgres", marks=pytest.mark.postgres),
    ]
)
def mode(
    request: pytest.FixtureRequest, riverrun_home: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:  # fmt: skip
    """3 s leases, on this database, embedded or against a server; the mode's name."""
    monkeypatch.setenv("RIVERRUN_FLOWS_LEASE_SECONDS", LEASE_S)
    kind, database = request.param.split("-")
    url = request.getfixturevalue("pg_database") if database == "postgres" else None
    if url is not None:
        clear_data(url)
    if kind == "embedded":
        if url is not None:
            monkeypatch.setenv("RIVERRUN_DATABASE_URL", url)
        yield request.param
        close_stores()
        return
    env = {"RIVERRUN_FLOWS_LEASE_SECONDS": LEASE_S,
           "RIVERRUN_SERVER_SERVICES_LEASE_SWEEPER_LOOP_SECONDS": "0.5"}  # fmt: skip
    with ServerProcess(tmp_path / "server", url, env=env) as server:
        monkeypatch.setenv("RIVERRUN_API_URL", server.api_url)
        yield request.param
    close_stores()


@pytest.fixture
def pids() -> Iterator[list[int]]:
    """Processes a test froze or started: resumed and killed at the end."""
    started: list[int] = []
    yield started
    for pid in started:
        for sig in (signal.SIGCONT, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass


# A launcher that freezes the first claim's flow process at once, before it has done
# anything, and lets any later claim run as the default command does.
FROZEN_FIRST_LAUNCHER = """
import json, os, pathlib, signal, subprocess, sys
command = [sys.executable, "-m", "riverrun.deployments._execute",
           os.environ["RIVERRUN__FLOW_RUN_ID"], "crash"]
first = pathlib.Path(sys.argv[1] + ".pid")
if first.exists():
    os.execv(sys.executable, command)
child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
os.kill(child.pid, signal.SIGSTOP)
first.write_text(str(child.pid))
output, _ = child.communicate()
with open(sys.argv[1] + ".tmp", "w") as f:
    json.dump({"code": child.returncode, "output": output}, f)
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
"""


def _deploy(project: Path, entrypoint: str, launcher: str) -> str:
    (project / "stale_flows.py").write_text(FLOW)
    (project / "launch.py").write_text(launcher)
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="p", type="process"))
    flow: Any = load_flow_from_entrypoint(entrypoint)
    command = f"{sys.executable} {project / 'launch.py'} {project / 'result.json'}"
    return str(flow.to_deployment("d", work_pool_name="p",
                                  job_variables={"command": command}).apply())  # fmt: skip


def _kill_worker(worker: Any) -> None:
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    if worker.stdout is not None:
        worker.stdout.close()


def _read(run_id: str) -> Any:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(run_id)


def test_a_flow_process_frozen_past_its_lease_is_fenced_when_it_resumes(
    flows_dir: Path, mode: str, pids: list[int]
) -> None:
    dep = _deploy(flows_dir, "stale_flows.py:frozen", LAUNCHER)
    marker, emitted, gate = flows_dir / "pid", flows_dir / "emitted.txt", flows_dir / "go"
    with get_client(sync_client=True) as client:
        run_id = str(client.create_flow_run_from_deployment(dep, parameters={
            "marker": str(marker), "emitted": str(emitted), "gate": str(gate), "burst": BURST,
        }).id)  # fmt: skip
    worker = start_worker("--pool", "p", "--name", "first")
    try:
        flow_pid = int(wait_for(lambda: marker.exists() and marker.read_text(), timeout=120,
                                what="the flow body to start"))  # fmt: skip
        pids.append(flow_pid)
        wait_for(lambda: _read(run_id).state_name == "Running", what="the run to be Running")
    finally:
        _kill_worker(worker)
    if mode.startswith("embedded"):
        # Frozen while idle: a process stopped inside a SQLite write would stop every writer.
        wait_for(lambda: len(_logs(run_id, "before ")) == BURST, what="the burst to be stored")
    os.kill(flow_pid, signal.SIGSTOP)
    # Embedded, the next process to open the store (a worker) sweeps the expired lease.
    sweeper = start_worker("--pool", "p", "--name", "next") if mode.startswith("embedded") else None
    try:
        crashed = wait_for(lambda: (r := _read(run_id)).state_name == "Crashed" and r,
                           timeout=60, what="the frozen run to be crashed")  # fmt: skip
    finally:
        if sweeper is not None:
            stop(sweeper)
    assert crashed.state.message == CRASHED_MESSAGE
    history_at_takeover = _history(run_id)

    gate.write_text("go")  # the code goes on as soon as it runs again
    _resume_and_expect_lost(flow_pid, flows_dir / "result.json")
    # Its states (the Crashed it proposed on losing the lease) were refused.
    assert _history(run_id) == history_at_takeover
    assert history_at_takeover[-1] == "Crashed" and history_at_takeover.count("Crashed") == 1
    assert _read(run_id).state.message == CRASHED_MESSAGE
    # Every line it logged is kept, and it says when it lost the lease.
    said = emitted.read_text().split("\n")[:-1]
    stored = [log.message for log in _logs(run_id, "")]
    assert [m for m in stored if m.startswith(("before ", "after "))] == said
    assert any("lost its lease" in m for m in stored)
    assert len(said) >= BURST


def _resume_and_expect_lost(pid: int, result_file: Path) -> None:
    """SIGCONT the frozen process; it exits non-zero within the bound, saying it lost its lease."""
    os.kill(pid, signal.SIGCONT)
    wait_for(result_file.exists, timeout=BOUND_S, what="the resumed flow process to exit")
    result = json.loads(result_file.read_text())
    assert result["code"] != 0, result["output"]
    assert "lost its lease" in result["output"], result["output"]


def _history(run_id: str) -> list[str]:
    with get_client(sync_client=True) as client:
        return [s.name for s in client.read_flow_run_states(run_id)]


def _logs(run_id: str, prefix: str) -> list[Any]:
    with get_client(sync_client=True) as client:
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
    return [log for log in logs if log.message.startswith(prefix)]


def test_a_flow_process_frozen_before_its_run_started_never_runs_it_once_another_did(
    flows_dir: Path, mode: str, pids: list[int]
) -> None:
    dep = _deploy(flows_dir, "flows.py:record", FROZEN_FIRST_LAUNCHER)
    out = flows_dir / "runs.txt"
    with get_client(sync_client=True) as client:
        run_id = str(client.create_flow_run_from_deployment(dep, parameters={"out": str(out)}).id)
    first = start_worker("--pool", "p", "--name", "first")
    try:
        pid_file = flows_dir / "result.json.pid"
        stale_pid = int(wait_for(lambda: pid_file.exists() and pid_file.read_text(),
                                 timeout=120, what="the first claim's process"))  # fmt: skip
        pids.append(stale_pid)
    finally:
        _kill_worker(first)
    # Its lease expires: the run goes back to Scheduled and the next worker runs it.
    second = start_worker("--pool", "p", "--name", "second")
    try:
        done = wait_for(lambda: (r := _read(run_id)).state_name in ("Completed", "Crashed",
                        "Failed") and r, timeout=120, what="the run to end on the next worker")  # fmt: skip
    finally:
        output = stop(second)
    assert done.state_name == "Completed", output
    history = _history(run_id)
    assert history[:3] == ["Scheduled", "Pending", "Scheduled"], history

    _resume_and_expect_lost(stale_pid, flows_dir / "result.json")
    assert _history(run_id) == history
    assert out.read_text().split() == [run_id]  # the flow ran once, on the next worker
