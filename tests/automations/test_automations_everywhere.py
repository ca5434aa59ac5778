"""The same automation notifies in every mode: embedded (the recording process evaluates)
and with a server on SQLite and PostgreSQL (the server's automation service evaluates)."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest

from riverrun import flow, tags
from riverrun.automations import Automation, EventTrigger, SendNotification
from riverrun.blocks.notifications import (
    CustomWebhookNotificationBlock,
    EmailNotification,
    EmailServerCredentials,
    SMTPType,
)
from riverrun.client.orchestration import get_client
from riverrun.events import EventFilter, ReceivedEvent

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]


@flow
def nightly() -> None:
    raise ValueError("disk full")


def _automation(url: str) -> Automation:
    block = CustomWebhookNotificationBlock(
        name="hook", url=url, json_data={"text": "{{body}}"}, retries=0
    )
    block.save("hook", overwrite=True)
    return Automation(
        name="pro failures",
        trigger=EventTrigger(expect={"riverrun.flow-run.Failed"},
                             match_related={"riverrun.resource.id": "riverrun.tag.env:pro"}),
        actions=[SendNotification(block_document_id=uuid.UUID(str(block._block_document_id)),
                                  body="{{ flow_run.name }}: {{ flow_run.message }}")],
    ).create()  # fmt: skip


def _outcomes(timeout: float = 60.0) -> list[ReceivedEvent]:
    """The action outcome events, once there is at least one (bounded wait)."""
    names = ["riverrun.automation.action.*"]
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    with get_client(sync_client=True) as client:
        while True:
            found = client.read_events(filter=EventFilter(event_names=names))
            if found or time.monotonic() > deadline:
                return found
            pause.wait(0.05)


def _fail(*run_tags: str) -> None:
    with tags(*run_tags), pytest.raises(ValueError):
        nightly()


def test_failed_pro_run_notifies_once(receiver: Any) -> None:
    _automation(receiver.url)
    _fail("env:dev")
    _fail("env:pro")
    (outcome,) = _outcomes()
    assert outcome.event == "riverrun.automation.action.executed"
    assert len(receiver.requests) == 1
    assert receiver.requests[0].json["text"].endswith("ValueError: disk full")


def test_failed_pro_run_sends_an_email_to_the_smtp_server(smtp_server: Any) -> None:
    credentials = EmailServerCredentials(smtp_server=smtp_server.host, smtp_port=smtp_server.port,
                                         smtp_type=SMTPType.INSECURE)  # fmt: skip
    block = EmailNotification(credentials=credentials, to_emails=["ops@example.com"])
    block.save("ops-mail", overwrite=True)
    Automation(
        name="mail",
        trigger=EventTrigger(expect={"riverrun.flow-run.Failed"},
                             match_related={"riverrun.resource.id": "riverrun.tag.env:pro"}),
        actions=[SendNotification(block_document_id=uuid.UUID(str(block._block_document_id)),
                                  subject="{{ flow.name }} failed", body="{{ flow_run.message }}")],
    ).create()  # fmt: skip
    _fail("env:pro")
    (outcome,) = _outcomes()
    assert outcome.event == "riverrun.automation.action.executed"
    (message,) = smtp_server.messages
    assert b"Subject: nightly failed" in message.content


@pytest.mark.slow
def test_endpoint_down_is_recorded_as_failed_with_the_error(refused_url: str) -> None:
    _automation(refused_url)
    _fail("env:pro")
    (outcome,) = _outcomes()
    assert outcome.event == "riverrun.automation.action.failed"
    assert "NotificationError" in str(outcome.payload["reason"])


def test_flow_run_events_carry_flow_and_tag_resources() -> None:
    _fail("env:pro")
    with get_client(sync_client=True) as client:
        failed = client.read_events(filter=EventFilter(event_names=["riverrun.flow-run.Failed"]))
        (run,) = client.read_flow_runs()
    (event,) = failed
    assert event.resource.id == f"riverrun.flow-run.{run.id}"
    assert event.resource["riverrun.resource.name"] == run.name
    assert event.resource["riverrun.state-type"] == "FAILED"
    roles = {(r.role, r.id) for r in event.related}
    assert ("tag", "riverrun.tag.env:pro") in roles
    assert ("flow", f"riverrun.flow.{run.flow_id}") in roles
