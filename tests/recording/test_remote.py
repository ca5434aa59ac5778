"""Remote recording against a real server: runs survive an unreachable or vanishing server."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from riverrun.server.testing import ServerProcess, free_port

pytestmark = pytest.mark.slow

FLOW = textwrap.dedent(
    """
    import pathlib, sys, time
    from riverrun import flow, task, get_run_logger

    gate = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else None

    @task
    def step(i):
        get_run_logger().info(f"line {i}")
        return i

    @flow(name="remote-job")
    def job(n: int = 20):
        for i in range(n // 2):
            step(i)
        if gate is not None:
            (gate.parent / "halfway").write_text("yes")
            deadline = time.monotonic() + 60
            while not gate.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        for i in range(n // 2, n):
            step(i)
        return n

    print("result", job())
    """
)


def _start_flow(tmp_path: Path, api_url: str, gate: Path | None = None) -> subprocess.Popen[str]:
    script = tmp_path / "job.py"
    script.write_text(FLOW)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIVERRUN_")}
    env["RIVERRUN_HOME"] = str(tmp_path / "client-home")
    env["RIVERRUN_API_URL"] = api_url
    args = [sys.executable, str(script)] + ([str(gate)] if gate else [])
    return subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_for(path: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def _recorded(api_url: str) -> dict[str, Any]:
    with httpx.Client(base_url=api_url + "/", timeout=30) as api:
        runs = api.post("flow_runs/filter", json={}).json()
        tasks = api.post("task_runs/filter", json={}).json()
        logs = api.post("logs/filter", json={}).json()
        states = {t["id"]: api.get(f"task_runs/{t['id']}/states").json() for t in tasks}
    return {"runs": runs, "tasks": tasks, "logs": logs, "states": states}


def _assert_everything_exactly_once(api_url: str, n: int = 20) -> None:
    recorded = _recorded(api_url)
    [run] = recorded["runs"]
    assert run["state_type"] == "COMPLETED"
    assert len(recorded["tasks"]) == n
    assert all(t["state_type"] == "COMPLETED" for t in recorded["tasks"])
    assert all(
        [s["name"] for s in states] == ["Pending", "Running", "Completed"]
        for states in recorded["states"].values()
    )
    lines = Counter(
        log["message"] for log in recorded["logs"] if log["message"].startswith("line ")
    )
    assert lines == Counter({f"line {i}": 1 for i in range(n)})


def test_a_flow_records_its_runs_and_logs_on_the_server(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "server-home") as server:
        proc = _start_flow(tmp_path, server.api_url)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "result 20" in out
        _assert_everything_exactly_once(server.api_url)


def test_an_unreachable_server_spools_and_spool_flush_delivers_later(tmp_path: Path) -> None:
    port = free_port()
    server = ServerProcess(tmp_path / "server-home", port=port)
    proc = _start_flow(tmp_path, server.api_url)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "result 20" in out
    assert err.count("the riverrun server is not answering") == 1
    assert list((tmp_path / "client-home" / "spool").glob("*.json"))
    with server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RIVERRUN_")}
        env.update(RIVERRUN_HOME=str(tmp_path / "client-home"), RIVERRUN_API_URL=server.api_url)
        flushed = subprocess.run(
            [str(Path(sys.executable).parent / "riverrun"), "spool", "flush"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert flushed.returncode == 0, flushed.stderr
        assert "0 still waiting" in flushed.stdout
        _assert_everything_exactly_once(server.api_url)


def test_a_server_killed_mid_run_gets_every_event_exactly_once_after_restart(
    tmp_path: Path,
) -> None:
    port = free_port()
    gate = tmp_path / "gate"
    server = ServerProcess(tmp_path / "server-home", port=port).start()
    try:
        proc = _start_flow(tmp_path, server.api_url, gate)
        _wait_for(tmp_path / "halfway", proc)
        server.stop()
        gate.write_text("go")
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "result 20" in out
        server.start()
        # The next run of any flow delivers what the last one spooled, before its own events.
        second = _start_flow(tmp_path, server.api_url)
        second.communicate(timeout=120)
        recorded = _recorded(server.api_url)
        assert len(recorded["runs"]) == 2
        lines = Counter(
            log["message"] for log in recorded["logs"] if log["message"].startswith("line ")
        )
        assert lines == Counter({f"line {i}": 2 for i in range(20)})
        assert all(run["state_type"] == "COMPLETED" for run in recorded["runs"])
    finally:
        server.stop()


def test_spooled_events_are_delivered_in_the_background_when_the_server_returns(
    tmp_path: Path,
) -> None:
    port = free_port()
    gate = tmp_path / "gate"
    server = ServerProcess(tmp_path / "server-home", port=port)
    proc = _start_flow(tmp_path, server.api_url, gate)
    _wait_for(tmp_path / "halfway", proc)
    with server:
        with httpx.Client(base_url=server.api_url + "/", timeout=30) as api:
            deadline = time.monotonic() + 60
            while not api.post("flow_runs/filter", json={}).json():
                assert time.monotonic() < deadline, "spooled events were never delivered"
                time.sleep(0.05)
        gate.write_text("go")
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "server answers again" in err
        _assert_everything_exactly_once(server.api_url)


def test_twenty_flow_processes_record_to_one_server_without_losing_anything(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "server-home") as server:
        procs = []
        for i in range(20):
            home = tmp_path / f"client-{i}"
            home.mkdir()
            procs.append(_start_flow(home, server.api_url))
        results = [p.communicate(timeout=180) for p in procs]
        assert [p.returncode for p in procs] == [0] * 20, [err for _, err in results if err]
        assert not any("locked" in err or "not answering" in err for _, err in results)
        with httpx.Client(base_url=server.api_url + "/", timeout=30) as api:
            assert api.post("flow_runs/count", json={}).json() == 20
            assert api.post("task_runs/count", json={}).json() == 400
