"""The installed `riverrun` script against runs a separate Python process recorded."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from riverrun import get_client

RIVERRUN = Path(sys.executable).with_name("riverrun")

SCRIPT = textwrap.dedent(
    """
    import sys
    from riverrun import flow, task

    @task(name="vtasks.backup.copy")
    def copy() -> int:
        return 1

    @flow(name="vtasks.backup")
    def backup() -> int:
        return copy()

    @flow(name="vtasks")
    def vtasks() -> int:
        return backup()

    for _ in range(int(sys.argv[1])):
        vtasks()
    """
)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RIVERRUN_LOGGING_TO_CONSOLE": "false", "COLUMNS": "200"}
    return subprocess.run(list(args), capture_output=True, text=True, timeout=120, env=env, cwd=cwd)


def record_runs(tmp_path: Path, count: int) -> None:
    script = tmp_path / "main.py"
    script.write_text(SCRIPT)
    result = run(sys.executable, str(script), str(count), cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_script_lists_runs_recorded_by_another_process(tmp_path: Path) -> None:
    record_runs(tmp_path, 1)
    result = run(str(RIVERRUN), "flow-run", "ls", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(r["flow_name"] for r in json.loads(result.stdout)) == ["vtasks", "vtasks.backup"]


def test_script_shows_the_run_tree(tmp_path: Path) -> None:
    record_runs(tmp_path, 1)
    result = run(str(RIVERRUN), "flow-run", "ls", "--tree", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].startswith("└── vtasks.backup  (Completed")


@pytest.mark.slow
def test_ls_works_on_thousands_of_runs(tmp_path: Path) -> None:
    record_runs(tmp_path, 1500)  # 3000 flow runs, 1500 task runs
    for args in (["flow-run", "ls"], ["flow-run", "ls", "--tree"], ["flow", "ls"]):
        result = run(str(RIVERRUN), *args, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "vtasks" in result.stdout


WAITING_FLOW = textwrap.dedent(
    """
    import sys
    import time
    from pathlib import Path
    from riverrun import flow, get_run_logger
    from riverrun.context import get_run_context

    release = Path(sys.argv[1])

    @flow(name="waiting")
    def waiting() -> None:
        print(get_run_context().flow_run.id, flush=True)
        get_run_logger().info("waiting for release")
        for _ in range(600):  # bounded: 60 s at most
            if release.exists():
                return
            time.sleep(0.1)  # the flow's own "work", not a test waiting

    waiting()
    """
)


def test_logs_follow_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    script = tmp_path / "waiting.py"
    script.write_text(WAITING_FLOW)
    release = tmp_path / "release"
    env = {**os.environ, "RIVERRUN_LOGGING_TO_CONSOLE": "false"}
    flow_process = subprocess.Popen(
        [sys.executable, str(script), str(release)], stdout=subprocess.PIPE, text=True, env=env
    )
    follower = None
    try:
        assert flow_process.stdout is not None
        run_id = flow_process.stdout.readline().strip()
        follower = subprocess.Popen(
            [str(RIVERRUN), "flow-run", "logs", run_id, "--follow", "--poll-interval", "0.05"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert follower.stdout is not None
        # The follower is running once it has printed the flow's first log line.
        first = follower.stdout.readline()
        while first and "waiting for release" not in first:
            first = follower.stdout.readline()
        assert "waiting for release" in first
        follower.send_signal(signal.SIGINT)
        _, stderr = follower.communicate(timeout=30)
        assert follower.returncode == 130
        assert f"Stopped following flow run {run_id}." in stderr
        assert "Traceback" not in stderr
    finally:
        release.touch()
        if follower is not None and follower.poll() is None:
            follower.kill()
        flow_process.communicate(timeout=60)


def test_demo_job_completes_every_time_with_its_retry(tmp_path: Path) -> None:
    demo = Path(__file__).parents[2] / "examples" / "demo.py"
    for _ in range(3):
        result = run(sys.executable, str(demo), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    listed = run(str(RIVERRUN), "flow-run", "ls", "--json", "--flow", "vtasks", cwd=tmp_path)
    runs = json.loads(listed.stdout)
    assert [r["state_name"] for r in runs if r["flow_name"] == "vtasks"] == ["Completed"] * 3
    with get_client(sync_client=True) as client:
        task_runs = client.read_task_runs()
    retried = [t for t in task_runs if t.name.startswith("vtasks.backup.clean_backups")]
    assert [t.run_count for t in retried] == [2, 2, 2]
