"""Work pool tests: a store on SQLite and PostgreSQL, flows on disk, worker processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from riverrun._store.dialect import sqlite_url
from riverrun._store.service import Store
from riverrun.server.testing import scratch_postgres


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with scratch_postgres("riverrun_workers") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store on each backend."""
    if request.param == "sqlite":
        st = Store(sqlite_url(tmp_path / "store.db"))
    else:
        st = Store(request.getfixturevalue("pg_url"))
        from sqlalchemy import text

        with st.begin() as conn:
            conn.execute(
                text("TRUNCATE flow, deployment, flow_run, log, artifact, work_pool CASCADE")
            )
    try:
        yield st
    finally:
        st.dispose()


def wait_for(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


FLOWS = '''
import os
from pathlib import Path

from riverrun import flow, get_run_logger
from riverrun.runtime import flow_run


@flow
def record(out: str = "runs.txt"):
    """Append this run's ID to a file (one line, one write: atomic with O_APPEND)."""
    fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.write(fd, (str(flow_run.id) + "\\n").encode())
    os.close(fd)
    get_run_logger().info(f"FOO={os.environ.get('FOO')} cwd={os.getcwd()}")


@flow
def slow(marker: str):
    Path(marker).write_text("started")
    import time
    time.sleep(60)


@flow
def stubborn(marker: str):
    """Note each SIGTERM in ``marker``.term and go on: a run that will not stop."""
    import signal
    import time
    signal.signal(signal.SIGTERM, lambda *_: Path(marker + ".term").write_text("got it"))
    Path(marker).write_text("ignoring SIGTERM")
    time.sleep(60)


@flow
def hold(marker: str, gate: str = "", bound: float = 120.0):
    """Leave this process's PID in ``marker``; then wait for the file ``gate`` (if named)."""
    import time
    Path(marker).write_text(str(os.getpid()))
    deadline = time.monotonic() + bound
    while gate and not Path(gate).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
'''


@pytest.fixture
def flows_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with ``flows.py`` (record, slow), the working directory of the test."""
    (tmp_path / "flows.py").write_text(textwrap.dedent(FLOWS))
    (tmp_path / "broken.py").write_text(
        "import no_such_module_anywhere\n\nfrom riverrun import flow\n"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def start_worker(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """``riverrun worker start ARGS`` as a subprocess with this test's environment."""
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "riverrun"), "worker", "start", *args],
        env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def stop(process: subprocess.Popen[bytes]) -> str:
    """SIGTERM a worker, wait for it, and return its output."""
    if process.poll() is None:
        process.terminate()
    out, _ = process.communicate(timeout=60)
    return out.decode()
