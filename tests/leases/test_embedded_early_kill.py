"""Embedded crash detection of a process killed in its run's first milliseconds (issue 14).

The run's process is recorded in the transaction that writes its Running state, so there is
no moment when the file holds the run Running with no process to check.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from ._procs import cli, env_for, inspect, row

# The body writes what the recorder holds (the run, Running) and kills its own process
# at once: before the run watcher's first look could record the process, most of the time.
EARLY_KILL = textwrap.dedent(
    """
    import os, signal
    from riverrun import flow
    from riverrun._recording.recorder import flush_active
    from riverrun.runtime import flow_run

    @flow(name="killed-early")
    def job():
        print("RUN", flow_run.id, flush=True)
        flush_active()
        os.kill(os.getpid(), signal.SIGKILL)

    job()
    """
)


def _kill_early(workdir: Path, home: Path) -> str:
    workdir.mkdir(parents=True, exist_ok=True)
    script = workdir / "job.py"
    script.write_text(EARLY_KILL)
    done = subprocess.run([sys.executable, str(script)], env=env_for(home), capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == -signal.SIGKILL, done.stderr
    return done.stdout.split()[1]


def test_a_process_killed_right_after_its_run_starts_is_on_record_with_the_running_state(
    tmp_path: Path, riverrun_home: Path
) -> None:
    run_id = _kill_early(tmp_path / "w", riverrun_home)
    found = row(riverrun_home, run_id)
    assert found is not None and found["state_type"] == "RUNNING"
    assert found["pid"] is not None and found["hostname"] is not None


def test_a_process_killed_right_after_its_run_starts_is_crashed_by_the_next_cli_call(
    tmp_path: Path, riverrun_home: Path
) -> None:
    run_id = _kill_early(tmp_path / "w", riverrun_home)
    shown = inspect(riverrun_home, run_id)
    assert shown["state_type"] == "CRASHED"
    assert "process gone" in str(shown)


def test_a_cli_call_on_a_write_locked_file_still_answers_and_the_next_one_marks_the_run(
    tmp_path: Path, riverrun_home: Path
) -> None:
    run_id = _kill_early(tmp_path / "w", riverrun_home)
    lock = sqlite3.connect(riverrun_home / "riverrun.db", isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    try:
        shown = cli(riverrun_home, "flow-run", "inspect", run_id, "--json",
                    store_busy_timeout_seconds="0.5")  # fmt: skip
        assert shown.returncode == 0, shown.stderr
        assert '"RUNNING"' in shown.stdout
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert inspect(riverrun_home, run_id)["state_type"] == "CRASHED"
