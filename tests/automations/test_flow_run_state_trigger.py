"""The UI's "flow run state" trigger as a constructor: the same trigger Prefect's UI builds
from its form (prefect-ui-library's mapFlowRunStateTriggerToAutomationTrigger)."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest

from riverrun import flow, tags
from riverrun.automations import Automation, SendNotification, flow_run_state_trigger
from riverrun.blocks.notifications import CustomWebhookNotificationBlock
from riverrun.client.orchestration import get_client
from riverrun.events import EventFilter


def test_reactive_is_the_uis_template() -> None:
    trigger = flow_run_state_trigger(["Failed", "Crashed"], tags=["env:pro"])
    dumped = trigger.model_dump(mode="json")
    assert sorted(dumped.pop("expect")) == ["riverrun.flow-run.Crashed", "riverrun.flow-run.Failed"]
    assert dumped == {
        "type": "event", "posture": "Reactive", "threshold": 1, "within": 0.0,
        "match": {"riverrun.resource.id": "riverrun.flow-run.*"},
        "match_related": {"riverrun.resource.role": "tag",
                          "riverrun.resource.id": ["riverrun.tag.env:pro"]},
        "for_each": ["riverrun.resource.id"], "after": [],
    }  # fmt: skip


def test_proactive_waits_after_the_state_for_any_other() -> None:
    flow_id = uuid.uuid4()
    trigger = flow_run_state_trigger(["Running"], flow_ids=[flow_id], posture="Proactive",
                                     within=timedelta(hours=2))  # fmt: skip
    assert trigger.after == {"riverrun.flow-run.Running"}
    assert trigger.expect == {"riverrun.flow-run.*"}
    assert trigger.within == timedelta(hours=2)
    assert trigger.match_related.root == {  # type: ignore[union-attr]
        "riverrun.resource.role": "flow", "riverrun.resource.id": [f"riverrun.flow.{flow_id}"],
    }  # fmt: skip


def test_no_states_means_any_state() -> None:
    assert flow_run_state_trigger().expect == {"riverrun.flow-run.*"}


@flow
def nightly() -> None:
    raise ValueError("disk full")


@pytest.mark.both_modes
def test_it_fires_for_a_failed_run_with_the_tag_only(receiver: Any) -> None:
    block = CustomWebhookNotificationBlock(name="hook", url=receiver.url,
                                           json_data={"text": "{{body}}"}, retries=0)  # fmt: skip
    block.save("hook", overwrite=True)
    Automation(
        name="pro failures", trigger=flow_run_state_trigger(["Failed"], tags=["env:pro"]),
        actions=[SendNotification(block_document_id=uuid.UUID(str(block._block_document_id)),
                                  body="{{ flow_run.name }} failed")],
    ).create()  # fmt: skip
    for tag in ("env:dev", "env:pro"):
        with tags(tag), pytest.raises(ValueError):
            nightly()
    deadline = time.monotonic() + 60
    pause = threading.Event()
    with get_client(sync_client=True) as client:
        names = ["riverrun.automation.action.*"]
        while not (found := client.read_events(filter=EventFilter(event_names=names))):
            if time.monotonic() > deadline:
                break
            pause.wait(0.05)
    assert [e.event for e in found] == ["riverrun.automation.action.executed"]
    assert len(receiver.requests) == 1
