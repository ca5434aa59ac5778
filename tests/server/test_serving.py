"""Serving real databases: local runs, many writers on SQLite, replicas on PostgreSQL, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from riverrun._internal.clock import now_us
from riverrun._store.dialect import sqlite_url
from riverrun._store.embedded import EmbeddedWriter
from riverrun._store.service import Store
from riverrun._store.testing import flow_run_event, log_event, task_run_lifecycle
from riverrun.server.testing import ServerProcess

_DAY = 86_400 * 1_000_000


def _count(api_url: str) -> int:
    return int(httpx.post(f"{api_url}/flow_runs/count", json={}, timeout=30).json())


def test_server_serves_runs_recorded_locally_before_it_started(home: Path) -> None:
    writer = EmbeddedWriter(home / "riverrun.db")
    run = flow_run_event(flow_name="local-before-server")
    writer.ingest([run])
    writer.close()
    with ServerProcess(home) as server:
        found = httpx.get(f"{server.api_url}/flow_runs/{run['id']}", timeout=10).json()
    assert found["flow_name"] == "local-before-server"


def test_retention_run_prints_what_it_removed(home: Path) -> None:
    store = Store(sqlite_url(home / "riverrun.db"))
    old = flow_run_event(flow_name="old", created=now_us() - 40 * _DAY)
    store.ingest([old, *task_run_lifecycle(old["id"], old["created"]),
                  log_event(old["id"], "x", timestamp=old["created"]), flow_run_event()])  # fmt: skip
    store.dispose()
    done = ServerProcess(home).cli("server", "retention", "run")
    assert done.returncode == 0, done.stderr
    assert "Removed 1 flow runs, 1 task runs, 1 logs, 0 artifacts older than 30 days" in done.stdout


def test_database_commands_downgrade_upgrade_and_reset(home: Path) -> None:
    from riverrun._store.migrate import HEAD_REVISION

    proc = ServerProcess(home)
    assert HEAD_REVISION in proc.cli("server", "database", "upgrade").stdout
    assert "0001_initial" in proc.cli("server", "database", "downgrade", "0001_initial").stdout
    assert HEAD_REVISION in proc.cli("server", "database", "upgrade").stdout
    done = proc.cli("server", "database", "reset", "--yes")
    assert done.returncode == 0 and "reset to an empty database" in done.stdout


_WRITER = """
import sys, httpx
from riverrun._store.testing import flow_run_event, task_run_lifecycle, log_event
url, batches = sys.argv[1], int(sys.argv[2])
with httpx.Client(timeout=60) as client:
    for _ in range(batches):
        events = []
        for _ in range(5):
            run = flow_run_event(flow_name="many-writers")
            events += [run, *task_run_lifecycle(run["id"], run["created"]), log_event(run["id"], "x")]
        response = client.post(url + "/events", json={"events": events})
        if response.status_code != 200:
            sys.exit(f"{response.status_code} {response.text}")
"""


@pytest.mark.slow
def test_twenty_writers_on_sqlite_lose_nothing(home: Path) -> None:
    batches = 20
    with ServerProcess(home) as server:
        procs = [subprocess.Popen([sys.executable, "-c", _WRITER, server.api_url, str(batches)],
                                  stderr=subprocess.PIPE, text=True) for _ in range(20)]  # fmt: skip
        errors = [p.communicate(timeout=240)[1] for p in procs]
        assert [p.returncode for p in procs] == [0] * 20, errors
        assert _count(server.api_url) == 20 * batches * 5
        assert "locked" not in server.log()


@pytest.mark.slow
@pytest.mark.postgres
def test_two_replicas_on_one_postgres_serve_each_others_writes(home: Path, pg_url: str) -> None:
    with ServerProcess(home / "a", pg_url) as a, ServerProcess(home / "b", pg_url) as b:
        first, second = flow_run_event(flow_name="replicas"), flow_run_event(flow_name="replicas")
        assert httpx.post(f"{a.api_url}/events", json={"events": [first]}).status_code == 200
        assert httpx.post(f"{b.api_url}/events", json={"events": [second]}).status_code == 200
        for server, run in ((b, first), (a, second)):
            got = httpx.get(f"{server.api_url}/flow_runs/{run['id']}", timeout=10)
            assert got.json()["id"] == run["id"]
        done = {"state": {"type": "COMPLETED"}}
        assert (
            httpx.post(f"{b.api_url}/flow_runs/{first['id']}/set_state", json=done).status_code
            == 200
        )
        again = httpx.post(f"{a.api_url}/flow_runs/{first['id']}/set_state",
                           json={"state": {"type": "RUNNING"}})  # fmt: skip
        assert again.status_code == 409
        assert _count(a.api_url) == _count(b.api_url) == 2
        assert json.loads(httpx.get(f"{a.api_url}/version").text)["database"] == "postgresql"
