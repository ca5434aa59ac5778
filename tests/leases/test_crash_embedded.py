"""Embedded crash detection: the next process that opens the store marks dead runs Crashed."""

from __future__ import annotations

import signal
from pathlib import Path

from ._procs import flow_process, inspect, read_ready, row, wait_until


def _started(home: Path, run_id: str) -> bool:
    found = row(home, run_id)
    return found is not None and found["pid"] is not None and found["state_type"] == "RUNNING"


def test_a_killed_flow_process_is_crashed_by_the_next_cli_call(
    tmp_path: Path, riverrun_home: Path
) -> None:
    with flow_process(tmp_path / "w", riverrun_home) as proc:
        run_id = read_ready(proc)
        wait_until(lambda: _started(riverrun_home, run_id), "the run to record its process")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    shown = inspect(riverrun_home, run_id)
    assert shown["state_type"] == "CRASHED"
    assert "process gone" in str(shown)


def test_a_live_flow_process_is_left_running(tmp_path: Path, riverrun_home: Path) -> None:
    with flow_process(tmp_path / "w", riverrun_home) as proc:
        run_id = read_ready(proc)
        wait_until(lambda: _started(riverrun_home, run_id), "the run to record its process")
        assert inspect(riverrun_home, run_id)["state_type"] == "RUNNING"


def test_sigterm_crashes_the_run_at_once_with_prefects_message(
    tmp_path: Path, riverrun_home: Path
) -> None:
    with flow_process(tmp_path / "w", riverrun_home) as proc:
        run_id = read_ready(proc)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    found = row(riverrun_home, run_id)
    assert found is not None
    assert (found["state_type"], found["state_message"]) == (
        "CRASHED", "Execution was aborted by a termination signal.",
    )  # fmt: skip
