"""Concurrency tests: the behaviour tests run embedded and against real servers (SQLite and
PostgreSQL, ``both_modes`` + ``postgres`` marks); the storage tests on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from riverrun._store.dialect import sqlite_url
from riverrun._store.service import Store
from riverrun.server.testing import scratch_postgres


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with scratch_postgres("riverrun_conc") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store on each database."""
    if request.param == "sqlite":
        st = Store(sqlite_url(tmp_path / "store.db"))
    else:
        st = Store(request.getfixturevalue("pg_url"))
        with st.begin() as conn:
            conn.execute(st.text("DELETE FROM concurrency_lease"))
            conn.execute(st.text("DELETE FROM concurrency_limit"))
    try:
        yield st
    finally:
        st.dispose()
