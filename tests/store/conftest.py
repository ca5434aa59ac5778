"""The store contract fixture: every store test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _pg import create_pg_database, drop_pg_database, pg_url

from riverrun._store.dialect import sqlite_url
from riverrun._store.service import Store


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database for the session, migrated to head, dropped afterwards."""
    name = create_pg_database()
    try:
        yield pg_url(name)
    finally:
        drop_pg_database(name)


_TABLES = (
    "log, artifact, variable, task_run_tag, task_run_state, flow_run_tag, flow_run_state, "
    "task_run, flow_run, deployment, block_document, block_schema, block_type, flow"
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store on each backend."""
    if request.param == "sqlite":
        st = Store(sqlite_url(tmp_path / "store.db"))
    else:
        st = Store(request.getfixturevalue("pg_database"))
        from sqlalchemy import text

        with st.begin() as conn:
            conn.execute(text(f"TRUNCATE {_TABLES} CASCADE"))
    try:
        yield st
    finally:
        st.dispose()
