"""Automations fire on task-run state events (derived when read), embedded and with a
server."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest

from riverrun import flow, task
from riverrun.automations import Automation, EventTrigger, SendNotification
from riverrun.blocks.notifications import CustomWebhookNotificationBlock
from riverrun.client.orchestration import get_client
from riverrun.events import EventFilter, ReceivedEvent

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]


@task(tags=["db"])
def load() -> int:
    raise ValueError("table locked")


@flow
def etl() -> int:
    return load()


def _events(*names: str) -> list[ReceivedEvent]:
    with get_client(sync_client=True) as client:
        return client.read_events(filter=EventFilter(event_names=list(names)))


def test_an_automation_fires_on_a_failed_task_run(receiver: Any) -> None:
    block = CustomWebhookNotificationBlock(name="hook", url=receiver.url,
                                           json_data={"text": "{{body}}"}, retries=0)  # fmt: skip
    block.save("hook", overwrite=True)
    Automation(
        name="task failures",
        trigger=EventTrigger(expect={"riverrun.task-run.Failed"},
                             match_related={"riverrun.resource.id": "riverrun.tag.db"}),
        actions=[SendNotification(block_document_id=uuid.UUID(str(block._block_document_id)),
                                  body="{{ event.event }} of {{ flow_run.name }}")],
    ).create()  # fmt: skip
    with pytest.raises(ValueError):
        etl()
    deadline = time.monotonic() + 60
    pause = threading.Event()
    while not (found := _events("riverrun.automation.action.*")) and time.monotonic() < deadline:
        pause.wait(0.05)
    (outcome,) = found
    assert outcome.event == "riverrun.automation.action.executed", outcome.payload
    assert len(receiver.requests) == 1
    assert receiver.requests[0].json["text"].startswith("riverrun.task-run.Failed of ")
