"""Recording: everything reaches the store by process exit, even on errors and interrupts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from riverrun.states import StateType


def _script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(body))
    return path


def _run(script: Path, home: Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RIVERRUN_HOME": str(home)}
    return subprocess.run(
        [sys.executable, str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def test_every_task_run_is_on_disk_when_the_script_exits(
    tmp_path: Path, riverrun_home: Path, client: Any
) -> None:
    script = _script(
        tmp_path,
        """
        from riverrun import flow, task

        @task
        def noop(i):
            return i

        @flow
        def many():
            for i in range(1000):
                noop(i)

        many()
        """,
    )
    assert _run(script, riverrun_home).returncode == 0
    assert len(client.read_task_runs()) == 1000


def test_runs_are_on_disk_when_the_script_dies_after_the_flow(
    tmp_path: Path, riverrun_home: Path, client: Any
) -> None:
    script = _script(
        tmp_path,
        """
        from riverrun import flow, get_run_logger

        @flow
        def ok():
            get_run_logger().info("logged before the crash")

        ok()
        raise SystemExit(3)
        """,
    )
    assert _run(script, riverrun_home).returncode == 3
    [run] = client.read_flow_runs()
    assert run.state_type == StateType.COMPLETED
    assert "logged before the crash" in [log.message for log in client.read_logs()]


@pytest.mark.single_mode("faults of the embedded file")
def test_unwritable_home_warns_once_and_the_flow_still_returns(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    script = _script(
        tmp_path,
        """
        from riverrun import flow, task

        @task
        def t():
            return 21

        @flow
        def f():
            return t() * 2

        print("result", f())
        """,
    )
    result = _run(script, blocker / "home")
    assert result.returncode == 0
    assert "result 42" in result.stdout
    assert result.stderr.count("runs are not being recorded") == 1
    assert "RIVERRUN_HOME" in result.stderr


@pytest.mark.single_mode("faults of the embedded file")
def test_corrupt_database_warns_and_the_flow_still_returns(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "riverrun.db").write_bytes(b"this is not sqlite" * 500)
    script = _script(
        tmp_path,
        """
        from riverrun import flow

        @flow
        def f():
            return "fine"

        print(f())
        """,
    )
    result = _run(script, home)
    assert result.returncode == 0
    assert "fine" in result.stdout
    assert "corrupt" in result.stderr


@pytest.mark.slow
def test_ctrl_c_during_a_flow_records_it_crashed(
    tmp_path: Path, riverrun_home: Path, client: Any
) -> None:
    ready = tmp_path / "ready"
    script = _script(
        tmp_path,
        f"""
        import pathlib, time
        from riverrun import flow

        @flow
        def forever():
            pathlib.Path({str(ready)!r}).write_text("go")
            while True:
                time.sleep(0.01)

        forever()
        """,
    )
    env = {**os.environ, "RIVERRUN_HOME": str(riverrun_home)}
    proc = subprocess.Popen(
        [sys.executable, str(script)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert time.monotonic() < deadline, "the flow never started"
        assert proc.poll() is None, "the flow exited before it was interrupted"
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    [run] = client.read_flow_runs()
    assert run.state_type == StateType.CRASHED


@pytest.mark.slow
@pytest.mark.single_mode(
    "ten processes writing one SQLite file; many processes against a server: test_runtime_commands"
)
def test_ten_processes_record_into_one_file_without_losing_anything(
    tmp_path: Path, riverrun_home: Path, client: Any
) -> None:
    script = _script(
        tmp_path,
        """
        from riverrun import flow, task, get_run_logger

        @task
        def t(i):
            get_run_logger().info(f"line {i}")
            return i

        @flow
        def worker():
            for i in range(200):
                t(i)

        worker()
        """,
    )
    env = {**os.environ, "RIVERRUN_HOME": str(riverrun_home)}
    procs = [
        subprocess.Popen(
            [sys.executable, str(script)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(10)
    ]
    errors = [p.communicate(timeout=180)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 10
    assert not any("locked" in e for e in errors)
    assert client.count_flow_runs() == 10
    assert len(client.read_task_runs()) == 2000
    assert len(client.read_logs()) >= 2000
