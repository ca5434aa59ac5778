"""Every page works on PostgreSQL too, with only bounded queries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_ui_budgets import check_pages, pages, record_statements
from ui_seed import Seed, TestClient, big_run, seed

from riverrun._store.service import open_store
from riverrun.server.app import create_app
from riverrun.server.config import ServerConfig
from riverrun.server.testing import scratch_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seed]:
    with scratch_postgres("riverrun_ui") as url:
        seeded = seed(Path(tmp_path_factory.mktemp("pg-home")), url=url)
        yield seeded
        open_store(url).dispose()


@pytest.fixture(scope="module")
def pg_client(pg_seeded: Seed) -> Iterator[TestClient]:
    with TestClient(create_app(ServerConfig(database_url=pg_seeded.url))) as client:
        yield client


def test_every_page_works_on_postgres_with_bounded_queries(pg_client: TestClient, pg_seeded: Seed) -> None:
    big = big_run(open_store(pg_seeded.url), tasks=2_000)
    recorder = record_statements(pg_seeded.url)
    statements = next(recorder)
    try:
        check_pages(pg_client, pages(pg_seeded, big), statements)
    finally:
        recorder.close()


def test_runs_filters_and_keyset_pages_on_postgres(pg_client: TestClient) -> None:
    html = pg_client.get("/runs?xtag=env:pro&name=run").text
    assert "etl.load" in html and "etl.extract" not in html


def test_log_search_on_postgres_ignores_case(pg_client: TestClient, pg_seeded: Seed) -> None:
    html = pg_client.get(f"/flow-runs/{pg_seeded.failed}/logs?q=BOOM").text
    assert "boom: connection refused" in html
