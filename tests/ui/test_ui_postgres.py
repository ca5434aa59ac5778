"""Every page works on PostgreSQL too, with only bounded queries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_ui_budgets import check_pages, pages, record_statements
from ui_seed import Seed, TestClient, big_run, running_run, seed

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


def test_every_page_works_on_postgres_with_bounded_queries(
    pg_client: TestClient, pg_seeded: Seed
) -> None:
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


def test_tag_typeahead_on_postgres_ignores_case(pg_client: TestClient) -> None:
    assert '<option value="team:data">' in pg_client.get("/ui/suggest?what=tag&q=TEAM").text
    assert pg_client.get("/ui/suggest?what=tag&q=nothing-like-it").text.strip() == ""


def test_run_form_creates_a_run_on_postgres(pg_client: TestClient, pg_seeded: Seed) -> None:
    pg_client.get("/deployments")
    form = {"csrf": pg_client.cookies.get("rr_csrf"), "p.env": "snd", "p.min_date": "2025-01-31T09:30",
            "p.min_date.tz": "UTC"}  # fmt: skip
    response = pg_client.post(
        f"/deployments/{pg_seeded.sf_export}/run", data=form, follow_redirects=False
    )
    assert response.status_code == 303, response.text[:500]
    run = open_store(pg_seeded.url).read_flow_run(response.headers["location"].rsplit("/", 1)[1])
    assert (
        run.parameters["env"] == "snd" and run.parameters["min_date"] == "2025-01-31T09:30:00+00:00"
    )


def test_bulk_cancel_on_postgres(pg_client: TestClient, pg_seeded: Seed) -> None:
    store = open_store(pg_seeded.url)
    ids = [running_run(store, flow_name="etl.pg-bulk") for _ in range(2)]
    pg_client.get("/runs")
    form = {
        "csrf": pg_client.cookies.get("rr_csrf"),
        "action": "cancel",
        "query": "state=RUNNING&flow=etl.pg-bulk",
    }
    response = pg_client.post("/runs/bulk", data=form, follow_redirects=False)
    assert response.status_code == 303 and "2+run%28s%29+changed" in response.headers["location"]
    assert {store.read_flow_run(i).state_name for i in ids} == {"Cancelling"}


def test_create_and_edit_a_pool_and_its_queue_on_postgres(
    pg_client: TestClient, pg_seeded: Seed
) -> None:
    store = open_store(pg_seeded.url)
    pg_client.get("/work-pools")
    csrf = pg_client.cookies.get("rr_csrf")

    def post(url: str, form: dict[str, str]) -> int:
        return pg_client.post(url, data={"csrf": csrf, **form}, follow_redirects=False).status_code

    assert post("/work-pools", {"name": "pg-pool", "concurrency_limit": "2"}) == 303
    assert post("/work-pools/pg-pool/edit", {"description": "On PostgreSQL."}) == 303
    assert post("/work-pools/pg-pool/queues", {"name": "fast", "priority": "1"}) == 303
    queue = store.read_work_queue_by_name("fast", work_pool_name="pg-pool")
    assert post(f"/work-queues/{queue.id}", {"name": "faster", "priority": "1"}) == 303
    pool = store.read_work_pool("pg-pool")
    assert (pool.description, pool.concurrency_limit) == ("On PostgreSQL.", None)
    assert store.read_work_queue(queue.id).name == "faster"


def test_create_and_edit_a_variable_on_postgres(pg_client: TestClient, pg_seeded: Seed) -> None:
    pg_client.get("/variables")
    csrf = pg_client.cookies.get("rr_csrf")
    made = pg_client.post("/variables", data={"csrf": csrf, "name": "pg_var", "value": '{"a": 1}'},
                          follow_redirects=False)  # fmt: skip
    saved = pg_client.post("/variables/edit?name=pg_var", data={"csrf": csrf, "value": "[2]", "tags": "x"},
                           follow_redirects=False)  # fmt: skip
    assert (made.status_code, saved.status_code) == (303, 303)
    found = open_store(pg_seeded.url).read_variable_by_name("pg_var")
    assert found is not None and (found.value, found.tags) == ([2], ["x"])
