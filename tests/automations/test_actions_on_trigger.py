"""Each firing is recorded as ``riverrun.automation.triggered``; ``actions_on_trigger`` run with
that event as theirs, and ``actions_on_resolve`` never run — as in Prefect 3.9.1's server,
which never resolves a trigger (measured: no code path sets ``TriggerState.Resolved``)."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest

from riverrun.automations import Automation, DoNothing, EventTrigger, SendNotification
from riverrun.blocks.notifications import CustomWebhookNotificationBlock
from riverrun.client.orchestration import get_client
from riverrun.events import EventFilter, ReceivedEvent, emit_event

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]


def _events(name: str, count: int, timeout: float = 60.0) -> list[ReceivedEvent]:
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    with get_client(sync_client=True) as client:
        while True:
            found = client.read_events(filter=EventFilter(event_names=[name]))
            if len(found) >= count or time.monotonic() > deadline:
                return found
            pause.wait(0.05)


def test_actions_on_trigger_see_the_triggered_event(receiver: Any) -> None:
    block = CustomWebhookNotificationBlock(name="hook", url=receiver.url,
                                           json_data={"text": "{{body}}"}, retries=0)  # fmt: skip
    block.save("hook", overwrite=True)
    notify = SendNotification(block_document_id=uuid.UUID(str(block._block_document_id)),
                              body="{{ event.event }}")  # fmt: skip
    automation = Automation(
        name="alarm", trigger=EventTrigger(expect={"shop.alarm"}),
        actions=[DoNothing()], actions_on_trigger=[notify], actions_on_resolve=[notify],
    ).create()  # fmt: skip
    sent = emit_event("shop.alarm", resource={"riverrun.resource.id": "shop.store.1"})
    outcomes = _events("riverrun.automation.action.*", 2)
    assert sorted(e.payload["action_index"] for e in outcomes) == [0, 1]
    (triggered,) = _events("riverrun.automation.triggered", 1)
    assert triggered.resource.id == f"riverrun.automation.{automation.id}"
    assert triggered.payload["triggering_event"]["id"] == str(sent.id)  # type: ignore[index]
    assert [x.json["text"] for x in receiver.requests] == ["riverrun.automation.triggered"]
