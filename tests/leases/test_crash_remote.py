"""Crash detection against a real server: the sweeper service, a killed flow, a restarted server."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from riverrun._internal.clock import now_us
from riverrun._store.dialect import sqlite_url
from riverrun._store.leases import CRASHED_MESSAGE
from riverrun._store.service import Store
from riverrun.server.testing import ServerProcess, scratch_postgres
from riverrun.states import Pending

from ._procs import flow_process, read_ready, wait_until

# Short leases so a test waits seconds, not the default half minute.
LEASE = {"RIVERRUN_FLOWS_LEASE_SECONDS": "3",
         "RIVERRUN_SERVER_SERVICES_LEASE_SWEEPER_LOOP_SECONDS": "0.5"}  # fmt: skip


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The server's database URL: a SQLite file, or a scratch PostgreSQL database."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "server-home" / "riverrun.db")
    else:
        with scratch_postgres("riverrun_leases_remote") as url:
            yield url


@pytest.fixture
def server(tmp_path: Path, database: str) -> Iterator[ServerProcess]:
    with ServerProcess(tmp_path / "server-home", database, env=LEASE) as srv:
        yield srv


def _settings(srv: ServerProcess) -> dict[str, str]:
    return {"api_url": srv.api_url, "flows_lease_seconds": "3"}


def _leased(database: str, run_id: str) -> bool:
    import sqlalchemy as sa

    from riverrun._store import tables as t

    store = Store(database)
    try:
        with store.connect() as conn:
            owner = conn.execute(sa.select(t.flow_run.c.lease_owner)
                                 .where(t.flow_run.c.id == run_id)).scalar()  # fmt: skip
    except Exception:
        return False
    finally:
        store.dispose()
    return owner is not None


def _state(database: str, run_id: str) -> str | None:
    store = Store(database)
    try:
        run = store.read_flow_run(run_id)
    except Exception:
        return None
    finally:
        store.dispose()
    return None if run.state_type is None else run.state_type.value


@pytest.mark.slow
def test_a_killed_flow_process_is_crashed_by_the_server(
    tmp_path: Path, server: ServerProcess, database: str
) -> None:
    home = tmp_path / "flow-home"
    with flow_process(tmp_path / "w", home, **_settings(server)) as proc:
        run_id = read_ready(proc)
        wait_until(lambda: _leased(database, run_id), "the flow process to take its lease")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    took = wait_until(lambda: _state(database, run_id) == "CRASHED", "the run to be Crashed", 60)
    store = Store(database)
    run = store.read_flow_run(run_id)
    store.dispose()
    assert run.state is not None and run.state.message == CRASHED_MESSAGE
    assert took < 3 + 0.5 + 5  # the lease, a sweep, and slack for a loaded machine


@pytest.mark.slow
def test_a_live_run_outlives_a_server_restart_and_keeps_every_event(
    tmp_path: Path, database: str
) -> None:
    server = ServerProcess(tmp_path / "server-home", database, env=LEASE).start()
    home, work = tmp_path / "flow-home", tmp_path / "w"
    try:
        with flow_process(work, home, "wait-file", **_settings(server)) as proc:
            run_id = read_ready(proc)
            wait_until(lambda: _leased(database, run_id), "the flow process to take its lease")
            os.kill(server.pid or 0, signal.SIGKILL)
            server.stop()
            # Down for longer than a lease: on its clock every lease has expired.
            down_until = now_us() + 4_000_000
            wait_until(lambda: now_us() > down_until, "a lease period to pass", 10)
            server = ServerProcess(tmp_path / "server-home", database, env=LEASE,
                                   port=server.port).start()  # fmt: skip
            (work / "go").write_text("go")
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
    finally:
        server.stop()
    store = Store(database)
    run = store.read_flow_run(run_id)
    lines = {log.message for log in store.read_logs() if log.flow_run_id == run_id}
    history = [s.type.value for s in store.read_flow_run_states(run_id)]
    store.dispose()
    assert run.state_type is not None and run.state_type.value == "COMPLETED"
    assert "CRASHED" not in history
    assert {f"before {i}" for i in range(20)} | {f"after {i}" for i in range(20)} <= lines


def test_a_pending_run_whose_claimer_died_goes_back_to_scheduled(
    server: ServerProcess, database: str
) -> None:
    store = Store(database)
    try:
        flow_id = store.create_flow_from_name("claimed")
        run = store.create_flow_run_from_deployment(store.create_deployment(flow_id, "d"))
        store.set_flow_run_state(run.id, Pending())
        with store.begin() as conn:
            store.grant_run_lease(conn, run.id, "worker:gone", 500_000, now_us())
    finally:
        store.dispose()
    wait_until(lambda: _state(database, run.id) == "SCHEDULED", "the run to be rescheduled", 30)
