"""Filter values that used to be a 500: a ``like_`` of 100,000 characters, a lone surrogate.
Both dialects; the answer is a result or a 4xx with a reason, never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from riverrun.server.testing import ServerProcess, scratch_postgres

pytestmark = pytest.mark.slow

ROUTES = [
    ("flow_runs/filter", "flow_run_filter"),
    ("flows/filter", "flow_filter"),
    ("task_runs/filter", "task_run_filter"),
]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    home = tmp_path_factory.mktemp("filters")
    if request.param == "sqlite":
        with ServerProcess(home) as proc:
            yield proc
    else:
        with scratch_postgres() as url, ServerProcess(home, url) as proc:
            yield proc


def _post(server: ServerProcess, route: str, raw: str) -> httpx.Response:
    return httpx.post(f"{server.api_url}/{route}", content=raw.encode(), timeout=30,
                      headers={"content-type": "application/json"})  # fmt: skip


@pytest.mark.parametrize(("route", "key"), ROUTES)
def test_a_like_of_100000_characters_matches_nothing_instead_of_failing(
    server: ServerProcess, route: str, key: str
) -> None:
    response = _post(server, route, f'{{"{key}": {{"name": {{"like_": "{"a" * 100_000}"}}}}}}')
    assert response.status_code == 200, response.text
    assert response.json() == []


@pytest.mark.parametrize(("route", "key"), ROUTES)
def test_a_lone_surrogate_in_a_filter_is_a_422_naming_it(
    server: ServerProcess, route: str, key: str
) -> None:
    response = _post(server, route, f'{{"{key}": {{"name": {{"like_": "x\\ud800"}}}}}}')
    assert response.status_code == 422, response.text
    assert "lone surrogate" in response.json()["detail"]


def test_a_log_line_with_a_lone_surrogate_is_stored_with_a_replacement_character(
    tmp_path: Path,
) -> None:
    from riverrun._store.embedded import EmbeddedWriter

    writer = EmbeddedWriter(tmp_path / "riverrun.db")
    event = {"kind": "log", "id": "00000000-0000-7000-8000-000000000001", "flow_run_id": None,
             "task_run_id": None, "name": "x", "level": 20, "message": "bad \ud800 name", "timestamp": 1}  # fmt: skip
    writer.ingest([event])
    [(message,)] = writer._conn.execute("SELECT message FROM log").fetchall()
    writer.close()
    assert message == "bad \ufffd name"
