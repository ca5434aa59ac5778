"""With ``RIVERRUN_DATABASE_URL`` and no server, flow processes record into that database.

Each flow runs in a real process, as a user (or a worker's flow process) runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from riverrun._store.dialect import sqlite_url
from riverrun._store.service import Store
from riverrun.server.testing import create_pg_database, drop_pg_database, pg_url

TASKS = 5

PIPELINE = f"""
from riverrun import flow, task, get_run_logger

@task
def double(i: int) -> int:
    get_run_logger().info(f"doubling {{i}}")
    return 2 * i

@flow
def pipeline() -> int:
    return sum(double(i) for i in range({TASKS}))

print("result", pipeline())
"""


def _run_flow(home: Path, database_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "pipeline.py"
    script.write_text(textwrap.dedent(PIPELINE))
    env = {**os.environ, "RIVERRUN_HOME": str(home), "RIVERRUN_DATABASE_URL": database_url,
           "RIVERRUN_RECORDING_EXIT_WAIT_SECONDS": "2"}  # fmt: skip
    return subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def _recorded(store: Store) -> tuple[list[str | None], list[str | None], int]:
    """The flow runs' states, the task runs' states and the number of task logs."""
    flows = [r.state_name for r in store.read_flow_runs()]
    tasks = [r.state_name for r in store.read_task_runs()]
    logs = sum(1 for log in store.read_logs() if log.message.startswith("doubling"))
    return flows, tasks, logs


@pytest.mark.postgres
def test_a_flow_with_a_postgres_database_url_is_recorded_in_that_database(
    tmp_path: Path, riverrun_home: Path
) -> None:
    name = create_pg_database("riverrun_recording")
    store = Store(pg_url(name))
    try:
        done = _run_flow(riverrun_home, pg_url(name), tmp_path)
        assert done.returncode == 0 and "result 20" in done.stdout, done.stderr
        assert _recorded(store) == (["Completed"], ["Completed"] * TASKS, TASKS)
        assert not (riverrun_home / "riverrun.db").exists()
    finally:
        store.dispose()
        drop_pg_database(name)


def test_a_flow_with_a_sqlite_database_url_is_recorded_in_that_file(
    tmp_path: Path, riverrun_home: Path
) -> None:
    elsewhere = tmp_path / "elsewhere" / "runs.db"
    elsewhere.parent.mkdir()
    done = _run_flow(riverrun_home, sqlite_url(elsewhere), tmp_path)
    assert done.returncode == 0 and "result 20" in done.stdout, done.stderr
    store = Store(sqlite_url(elsewhere))
    try:
        assert _recorded(store) == (["Completed"], ["Completed"] * TASKS, TASKS)
    finally:
        store.dispose()
    assert not (riverrun_home / "riverrun.db").exists()


@pytest.mark.postgres
def test_runs_a_missing_database_refused_are_kept_and_written_by_the_next_process(
    tmp_path: Path, riverrun_home: Path
) -> None:
    name = f"riverrun_later_{uuid.uuid4().hex[:12]}"
    url = pg_url(name)
    first = _run_flow(riverrun_home, url, tmp_path)
    assert first.returncode == 0 and "result 20" in first.stdout, first.stderr
    assert "could not be written" in first.stderr and "wait in" in first.stderr, first.stderr

    create_pg_database_named(name)
    store = Store(url)
    try:
        second = _run_flow(riverrun_home, url, tmp_path)
        assert second.returncode == 0, second.stderr
        flows, tasks, logs = _recorded(store)
        assert (sorted(flows), tasks, logs) == (
            ["Completed", "Completed"], ["Completed"] * 2 * TASKS, 2 * TASKS,
        )  # fmt: skip
    finally:
        store.dispose()
        drop_pg_database(name)


def create_pg_database_named(name: str) -> None:
    import psycopg

    from riverrun.server.testing import PG_ADMIN

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
