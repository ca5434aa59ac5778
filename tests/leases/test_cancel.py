"""Cancellation of a running flow process, embedded and against a server, and the CLI's cancel."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from riverrun._store.dialect import sqlite_url
from riverrun._store.service import Store
from riverrun.server.testing import ServerProcess
from riverrun.states import Cancelling, Completed, Scheduled

from ._procs import cli, flow_process, read_ready, row, wait_until


def _recorded(home: Path, run_id: str) -> bool:
    found = row(home, run_id)
    return found is not None and found["pid"] is not None and found["state_type"] == "RUNNING"


def test_cli_cancel_stops_an_embedded_run_within_two_seconds(
    tmp_path: Path, riverrun_home: Path
) -> None:
    work = tmp_path / "w"
    with flow_process(work, riverrun_home) as proc:
        run_id = read_ready(proc)
        wait_until(lambda: _recorded(riverrun_home, run_id), "the run to record its process")
        done = cli(riverrun_home, "flow-run", "cancel", run_id)
        asked = time.monotonic()
        assert done.returncode == 0, done.stderr
        assert f"Flow run '{run_id}' was successfully scheduled for cancellation." in done.stdout
        proc.wait(timeout=60)
        took = time.monotonic() - asked
    found = row(riverrun_home, run_id)
    assert found is not None
    assert (found["state_type"], found["state_message"]) == ("CANCELLED", "Flow run was cancelled.")
    assert (work / "cancel-hook").read_text() == "Cancelled"
    assert took < 2 + 3  # the watcher's second, the process's exit, slack for a loaded machine


def test_a_run_that_will_not_stop_is_killed_after_the_grace_period(
    tmp_path: Path, riverrun_home: Path
) -> None:
    with flow_process(tmp_path / "w", riverrun_home, "ignore-term",
                      runner_cancellation_grace_seconds="1") as proc:  # fmt: skip
        run_id = read_ready(proc)
        wait_until(lambda: _recorded(riverrun_home, run_id), "the run to record its process")
        assert cli(riverrun_home, "flow-run", "cancel", run_id).returncode == 0
        proc.wait(timeout=60)
        assert proc.returncode == -9
    found = row(riverrun_home, run_id)
    assert found is not None and found["state_type"] == "CANCELLED"
    assert "did not stop within the 1 s grace period" in str(found["state_message"])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    with ServerProcess(tmp_path / "server-home") as srv:
        yield srv


def _running(store: Store, run_id: str) -> bool:
    from riverrun.exceptions import ObjectNotFound

    try:
        return store.read_flow_run(run_id).state_name == "Running"
    except ObjectNotFound:
        return False  # its events are on their way


def test_client_cancelling_reaches_a_run_on_a_server(
    tmp_path: Path, server: ServerProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    from riverrun.client.orchestration import get_client

    database = sqlite_url(server.home / "riverrun.db")
    work = tmp_path / "w"
    monkeypatch.setenv("RIVERRUN_API_URL", server.api_url)
    with flow_process(work, tmp_path / "flow-home", api_url=server.api_url) as proc:
        run_id = read_ready(proc)
        store = Store(database)
        try:
            wait_until(lambda: _running(store, run_id), "the run to be stored Running")
        finally:
            store.dispose()
        with get_client(sync_client=True) as client:
            assert client.set_flow_run_state(run_id, Cancelling()).status == "ACCEPT"
            asked = time.monotonic()
            proc.wait(timeout=60)
            took = time.monotonic() - asked
            run = client.read_flow_run(run_id)
    assert run.state_name == "Cancelled" and (work / "cancel-hook").read_text() == "Cancelled"
    assert took < 2 + 3


def _store(home: Path) -> Store:
    return Store(sqlite_url(home / "riverrun.db"))


def test_cancelling_a_scheduled_run_cancels_it_at_once(riverrun_home: Path) -> None:
    store = _store(riverrun_home)
    flow_id = store.create_flow_from_name("later")
    run = store.create_flow_run_from_deployment(store.create_deployment(flow_id, "d"),
                                                state=Scheduled())  # fmt: skip
    store.dispose()
    done = cli(riverrun_home, "flow-run", "cancel", run.id)
    assert done.returncode == 0, done.stderr
    store = _store(riverrun_home)
    assert store.read_flow_run(run.id).state_name == "Cancelled"
    store.dispose()


def test_cancelling_a_finished_run_says_why_not(riverrun_home: Path) -> None:
    store = _store(riverrun_home)
    flow_id = store.create_flow_from_name("over")
    run = store.create_flow_run_from_deployment(store.create_deployment(flow_id, "d"))
    store.set_flow_run_state(run.id, Completed(), force=True)
    store.dispose()
    done = cli(riverrun_home, "flow-run", "cancel", run.id)
    assert done.returncode == 1
    assert f"Flow run '{run.id}' was unable to be cancelled. Reason:" in done.stderr


def test_cancelling_an_unknown_run_fails_naming_it(riverrun_home: Path) -> None:
    done = cli(riverrun_home, "flow-run", "cancel", "01a2b3c4-0000-7000-8000-000000000000")
    assert done.returncode == 1 and "No flow run with id" in done.stderr
