"""The server reads batches with the event models: anything else is refused whole, with a
422 that names the event and the field, and nothing of the batch is written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from riverrun._store.testing import flow_run_event
from riverrun.server.testing import clear_data


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
