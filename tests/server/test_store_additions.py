"""Revision 0002 (API keys) on data written at 0001, and retention, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from riverrun._store import migrate
from riverrun._store.api_keys import check_api_key, create_api_key
from riverrun._store.dialect import sqlite_url
from riverrun._store.retention import delete_old_runs
from riverrun._store.service import Store
from riverrun._store.testing import (
    artifact_event,
    flow_run_event,
    log_event,
    state_event,
    task_run_lifecycle,
)
from riverrun.server.testing import scratch_postgres

_DAY = 86_400 * 1_000_000


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "store.db")
    else:
        with scratch_postgres() as pg:
            yield pg


def test_upgrade_from_0001_keeps_data_and_adds_api_keys(url: str) -> None:
    migrate.upgrade(url, "0001_initial")
    run = flow_run_event(flow_name="before-0002", tags=["kept"])
    events = [run, *task_run_lifecycle(run["id"], run["created"]), log_event(run["id"], "old")]
    store = Store(url)
    try:
        # Write with the SQL of ingest directly: Store.engine would migrate first.
        from sqlalchemy import text

        from riverrun._store import ingest
        from riverrun._store.dialect import create_engine

        engine = create_engine(url)
        with engine.begin() as conn:
            # Today's plan also writes the events table of 0007, which 0001 does not have.
            steps = [
                (sql, rows) for sql, rows in ingest.plan(events) if sql is not ingest.INSERT_EVENT
            ]
            ingest.apply(steps, lambda sql, rows: conn.execute(text(sql), rows))
        engine.dispose()
        assert migrate.current_revision(url) == "0001_initial"
        migrate.upgrade(url)
        assert migrate.current_revision(url) == migrate.HEAD_REVISION
        found = store.read_flow_run(run["id"])
        assert (found.flow_name, found.tags) == ("before-0002", ["kept"])
        assert len(store.read_task_runs()) == 1 and len(store.read_logs()) == 1
        _listed, key = create_api_key(store, "after-upgrade")
        assert check_api_key(store, key).outcome == "ok"
        migrate.downgrade(url, "0001_initial")
        assert store.count_flow_runs() == 1
    finally:
        store.dispose()


def test_retention_deletes_old_runs_with_everything_hung_off_them(url: str) -> None:
    store = Store(url)
    try:
        now = 1_800_000_000_000_000
        old = flow_run_event(flow_name="r", created=now - 40 * _DAY)
        new = flow_run_event(flow_name="r", created=now - 1 * _DAY)
        old_tasks = task_run_lifecycle(old["id"], old["created"])
        store.ingest([old, new, *old_tasks, log_event(old["id"], "bye", timestamp=old["created"]),
                      artifact_event(old["id"]), log_event(new["id"], "stay")])  # fmt: skip
        report = delete_old_runs(store, 30, batch_size=1, now=now)
        assert (report.flow_runs, report.task_runs, report.logs, report.artifacts) == (1, 1, 1, 1)
        assert [r.id for r in store.read_flow_runs()] == [new["id"]]
        assert store.read_task_runs() == [] and len(store.read_logs()) == 1
        assert store.read_artifacts() == []
    finally:
        store.dispose()


def test_retention_keeps_an_old_run_that_changed_state_recently(url: str) -> None:
    store = Store(url)
    try:
        now = 1_800_000_000_000_000
        run = flow_run_event(flow_name="slow", created=now - 40 * _DAY)
        store.ingest([run, state_event(run["id"], "RUNNING", timestamp=now - _DAY)])
        assert delete_old_runs(store, 30, now=now).flow_runs == 0
        assert store.count_flow_runs() == 1
    finally:
        store.dispose()


def test_retention_zero_days_deletes_nothing(url: str) -> None:
    store = Store(url)
    try:
        store.ingest([flow_run_event(created=1)])
        assert delete_old_runs(store, 0).flow_runs == 0 and store.count_flow_runs() == 1
    finally:
        store.dispose()
