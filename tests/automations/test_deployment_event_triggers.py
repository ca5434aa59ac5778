"""Automations on deployment events (created, updated, deleted) fire embedded — the client's
process evaluates the events its change wrote — and with a server on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from riverrun.automations import Automation, EventTrigger, SendNotification
from riverrun.blocks.notifications import CustomWebhookNotificationBlock
from riverrun.client.orchestration import get_client

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]


def _notify_on(url: str, event: str) -> None:
    block = CustomWebhookNotificationBlock(
        name="hook", url=url, json_data={"text": "{{body}}"}, retries=0
    )
    block.save("hook", overwrite=True)
    Automation(
        name=f"on {event}",
        trigger=EventTrigger(expect={event}),
        actions=[SendNotification(block_document_id=uuid.UUID(str(block._block_document_id)),
                                  body="{{ event.event }}: {{ event.resource.name }}")],
    ).create()  # fmt: skip


def _create_deployment() -> str:
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name("etl")
        return str(client.create_deployment(flow_id, "nightly"))


def _pause(deployment_id: str) -> None:
    with get_client(sync_client=True) as client:
        client.pause_deployment(deployment_id)


def _delete(deployment_id: str) -> None:
    with get_client(sync_client=True) as client:
        client.delete_deployment(deployment_id)


def test_creating_a_deployment_fires_an_automation_on_created(
    receiver: Any, action_outcomes: Callable[[], list[Any]]
) -> None:
    _notify_on(receiver.url, "riverrun.deployment.created")
    _create_deployment()
    (outcome,) = action_outcomes()
    assert outcome.event == "riverrun.automation.action.executed"
    assert [r.json["text"] for r in receiver.requests] == ["riverrun.deployment.created: nightly"]


@pytest.mark.parametrize(("change", "event"), [(_pause, "riverrun.deployment.updated"),
                                               (_delete, "riverrun.deployment.deleted")])  # fmt: skip
def test_changing_a_deployment_fires_an_automation_on_its_event(
    receiver: Any,
    action_outcomes: Callable[[], list[Any]],
    change: Callable[[str], None],
    event: str,
) -> None:
    deployment_id = _create_deployment()
    _notify_on(receiver.url, event)
    change(deployment_id)
    (outcome,) = action_outcomes()
    assert outcome.event == "riverrun.automation.action.executed"
    assert [r.json["text"] for r in receiver.requests] == [f"{event}: nightly"]
