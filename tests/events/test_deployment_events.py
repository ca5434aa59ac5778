"""Deployment changes are events, as Prefect's: created, updated (with what changed; pausing
is an update of ``paused``) and deleted — embedded and with a server."""

from __future__ import annotations

import pytest

from riverrun.client.orchestration import get_client
from riverrun.events import EventFilter, ReceivedEvent

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]


def _deployment_events() -> list[ReceivedEvent]:
    with get_client(sync_client=True) as client:
        return client.read_events(filter=EventFilter(event_names=["riverrun.deployment.*"]))


def _create(**fields: object) -> tuple[str, str]:
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name("etl")
        return str(flow_id), str(client.create_deployment(flow_id, "nightly", **fields))


def test_creating_a_deployment_emits_created_with_its_flow() -> None:
    flow_id, deployment_id = _create()
    (event,) = _deployment_events()
    assert event.event == "riverrun.deployment.created"
    assert event.resource.id == f"riverrun.deployment.{deployment_id}"
    assert event.resource.name == "nightly"
    (flow,) = event.related
    assert (flow.role, flow.id, flow.name) == ("flow", f"riverrun.flow.{flow_id}", "etl")


def test_pausing_emits_updated_naming_paused() -> None:
    _, deployment_id = _create()
    with get_client(sync_client=True) as client:
        client.pause_deployment(deployment_id)
    created, updated = _deployment_events()
    assert updated.event == "riverrun.deployment.updated"
    assert updated.payload["updated_fields"] == ["paused"]
    assert updated.payload["updates"] == {"paused": {"from": False, "to": True}}


def test_creating_the_same_deployment_again_unchanged_emits_nothing_more() -> None:
    _create(tags=["a"])
    _create(tags=["a"])
    assert [e.event for e in _deployment_events()] == ["riverrun.deployment.created"]


def test_deleting_a_deployment_emits_deleted() -> None:
    _, deployment_id = _create()
    with get_client(sync_client=True) as client:
        client.delete_deployment(deployment_id)
    assert [e.event for e in _deployment_events()][-1] == "riverrun.deployment.deleted"
