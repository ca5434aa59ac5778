"""Lease tests run on SQLite and on PostgreSQL (a scratch database per session)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from riverrun._store.dialect import sqlite_url
from riverrun._store.service import Store
from riverrun.server.testing import scratch_postgres
from riverrun.states import Pending, Running


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with scratch_postgres("riverrun_leases") as url:
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
            conn.execute(text("TRUNCATE flow, deployment, flow_run, log, artifact, event CASCADE"))
    try:
        yield st
    finally:
        st.dispose()


@pytest.fixture
def new_run(store: Store) -> Callable[[str], str]:
    """Make a run of a deployment in a state: ``"Scheduled"``, ``"Pending"`` or ``"Running"``."""
    flow_id = store.create_flow_from_name("leased")
    deployment_id = store.create_deployment(flow_id, "d")

    def make(state: str = "Running") -> str:
        run = store.create_flow_run_from_deployment(deployment_id)
        if state in ("Pending", "Running"):
            assert store.set_flow_run_state(run.id, Pending()).status == "ACCEPT"
        if state == "Running":
            assert store.set_flow_run_state(run.id, Running()).status == "ACCEPT"
        return run.id

    return make
