"""Run log lines on the console: all of them, in order, before the program goes on."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from riverrun.logging.console import ConsoleHandler


def _run(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "main.py"
    script.write_text(textwrap.dedent(code))
    env = {**os.environ, "RIVERRUN_HOME": str(tmp_path / "home")}
    return subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )


def test_every_line_of_a_flow_is_on_stderr_before_the_flow_returns(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        """
        import sys
        from riverrun import flow, get_run_logger

        @flow
        def chatty():
            logger = get_run_logger()
            for i in range(500):
                logger.info("line %d", i)

        chatty()
        sys.stderr.write("AFTER THE FLOW\\n")
    """,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    logged = [line.rsplit(" - ", 1)[1] for line in lines if " - line " in line]
    assert logged == [f"line {i}" for i in range(500)]
    assert lines[-1] == "AFTER THE FLOW"
    assert "Finished in state Completed()" in lines[-2]


def test_a_line_logged_just_before_exit_is_written(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        """
        from riverrun.logging import get_logger
        from riverrun import task

        @task
        def noop():
            return 1

        noop()
        get_logger("mine").warning("last words")
    """,
    )
    assert result.returncode == 0, result.stderr
    assert "last words" in result.stderr.splitlines()[-1]


class _WatchedStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.written = threading.Event()

    def write(self, text: str) -> int:
        count = super().write(text)
        self.written.set()
        return count


def test_a_line_outside_any_run_reaches_the_stream_without_a_flush() -> None:
    stream = _WatchedStream()
    handler = ConsoleHandler(stream)
    logger = logging.getLogger("riverrun.tests.console")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("on its own")
        assert stream.written.wait(10)
        assert stream.getvalue() == "on its own\n"
    finally:
        logger.removeHandler(handler)


def test_a_closed_stream_does_not_break_logging() -> None:
    stream = io.StringIO()
    handler = ConsoleHandler(stream)
    handler.handle(logging.makeLogRecord({"msg": "one"}))
    stream.close()
    handler.flush()  # must not raise
    handler.handle(logging.makeLogRecord({"msg": "two"}))
    handler.flush()


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_does_not_write_its_parents_queued_lines() -> None:
    stream = io.StringIO()
    handler = ConsoleHandler(stream, linger_s=60)
    handler.handle(logging.makeLogRecord({"msg": "parent's line"}))
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        handler.flush()
        os._exit(len(stream.getvalue()))
    _, status = os.waitpid(pid, 0)
    handler.flush()
    assert os.waitstatus_to_exitcode(status) == 0
    assert stream.getvalue() == "parent's line\n"
