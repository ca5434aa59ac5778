"""Deployment tests run on SQLite and on PostgreSQL (a scratch database per session)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from riverrun._store.dialect import sqlite_url
from riverrun._store.service import Store
from riverrun.server.testing import scratch_postgres


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with scratch_postgres("riverrun_deployments") as url:
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
            conn.execute(text("TRUNCATE flow, deployment, flow_run, log, artifact CASCADE"))
    try:
        yield st
    finally:
        st.dispose()


SF_EXPORT_SCHEMA = {
    "title": "Parameters",
    "type": "object",
    "properties": {
        "env": {"enum": ["pre", "snd", "pro"], "position": 0, "title": "env", "type": "string"},
        "min_date": {
            "anyOf": [{"format": "date-time", "type": "string"}, {"type": "null"}],
            "default": None,
            "title": "min_date",
        },
        "timeout_mins": {"default": 150, "title": "timeout_mins", "type": "integer"},
    },
    "required": ["env"],
}


@pytest.fixture
def flow_id(store: Store) -> str:
    return store.create_flow_from_name("sf_export")
