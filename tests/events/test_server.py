"""The server reads batches with the event models: whatever the one encoder writes is stored
as written; anything else is refused whole, with a 422 that names the event and the field,
and nothing of the batch is written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from riverrun._recording.remote import BatchSender, EventPoster
from riverrun._store.testing import flow_run_event
from riverrun.schemas.encoding import jsonable
from riverrun.server.testing import clear_data

from .test_encoding import nested


@pytest.fixture
def api(sqlite_server: tuple[Any, str, str]) -> Iterator[httpx.Client]:
    server, url, key = sqlite_server
    clear_data(url)
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=server.api_url + "/", headers=headers, timeout=30) as client:
        yield client


def _refused(api: httpx.Client, *events: dict[str, Any]) -> str:
    response = api.post("events", json={"events": [flow_run_event(), *events]})
    assert response.status_code == 422, response.text
    assert api.post("flow_runs/count", json={}).json() == 0
    return str(response.json()["detail"])


def test_a_field_the_format_does_not_declare_is_refused_by_name(api: httpx.Client) -> None:
    detail = _refused(api, {**flow_run_event(), "colour": "blue"})
    assert "events.1.flow_run.colour: Extra inputs are not permitted" in detail


def test_an_unknown_kind_is_refused_naming_the_known_ones(api: httpx.Client) -> None:
    detail = _refused(api, {"kind": "flow_run_deleted", "id": "x"})
    assert "events.1" in detail and "'flow_run_deleted'" in detail and "'flow_run_update'" in detail


def test_a_newer_event_version_is_refused_naming_both_versions(api: httpx.Client) -> None:
    detail = _refused(api, {**flow_run_event(), "v": 2})
    assert "events.1.flow_run.v" in detail
    assert "event format version 2 is not one this server reads" in detail
    assert "reads version 1" in detail


def test_an_event_without_a_version_is_version_1(api: httpx.Client) -> None:
    response = api.post("events", json={"events": [flow_run_event()]})
    assert response.status_code == 200, response.text
    assert api.post("flow_runs/count", json={}).json() == 1


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(nested, nested)
def test_any_value_the_remote_sink_sends_reads_back_as_encoded(
    api: httpx.Client, sqlite_server: tuple[Any, str, str], parameter: Any, data: Any
) -> None:
    server, _url, key = sqlite_server
    run = flow_run_event(parameters={"p": parameter}, id=None)
    run["state"]["state_details"] = {"d": data}
    artifact = {"kind": "artifact", "id": run["id"], "flow_run_id": run["id"], "data": data}
    poster = EventPoster(server.api_url, key)
    refused: list[Any] = []
    sender = BatchSender(poster.post, lambda events, why: refused.append(why),
                         max_batch_bytes=8 * 2**20, max_value_bytes=2**20)  # fmt: skip
    try:
        sender.send([run, artifact])
    finally:
        poster.close()
    assert refused == []
    stored = api.get(f"flow_runs/{run['id']}").json()
    assert stored["parameters"] == {"p": jsonable(parameter)}
    assert stored["state"]["state_details"]["d"] == jsonable(data)
