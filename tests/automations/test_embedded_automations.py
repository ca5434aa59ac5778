"""Automations with no server: the recording process evaluates its own events and delivers.

Receivers are real servers on 127.0.0.1; the runs are recorded into the embedded store.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest

from riverrun import flow, tags
from riverrun._automations.embedded import wait_for_deliveries
from riverrun.automations import Automation, CallWebhook, EventTrigger, SendNotification
from riverrun.blocks.notifications import (
    CustomWebhookNotificationBlock,
    EmailNotification,
    EmailServerCredentials,
    SMTPType,
)
from riverrun.client.orchestration import get_client
from riverrun.events import EventFilter, emit_event

PRO_FAILED = EventTrigger(expect={"riverrun.flow-run.Failed"},
                          match_related={"riverrun.resource.id": "riverrun.tag.env:pro"})  # fmt: skip


def _webhook(url: str, name: str = "hook") -> uuid.UUID:
    block = CustomWebhookNotificationBlock(
        name=name, url=url, json_data={"text": "{{body}}"}, retries=0
    )
    block.save(name, overwrite=True)
    assert block._block_document_id is not None
    return uuid.UUID(str(block._block_document_id))


def _notify_on_pro_failure(
    block_id: uuid.UUID, body: str = "{{ flow_run.name }} failed"
) -> Automation:
    return Automation(
        name="pro failures", trigger=PRO_FAILED,
        actions=[SendNotification(block_document_id=block_id, body=body)],
    ).create()  # fmt: skip


@flow
def nightly(day: str = "mon") -> None:
    raise ValueError("disk full")


def _run_failing(*run_tags: str) -> None:
    with tags(*run_tags):
        with pytest.raises(ValueError):
            nightly()


def _action_events(outcome: str) -> list[Any]:
    with get_client(sync_client=True) as client:
        return client.read_events(
            filter=EventFilter(event_names=[f"riverrun.automation.action.{outcome}"])
        )


def test_script_notifies_webhook_before_it_exits(receiver: Any, riverrun_home: Path) -> None:
    block_id = _webhook(receiver.url + "/slack")
    _notify_on_pro_failure(block_id, body="{{ flow.name }}: {{ flow_run.message }}")
    script = textwrap.dedent("""
        from riverrun import flow, tags

        @flow
        def nightly():
            raise ValueError("disk full")

        with tags("env:pro"):
            try:
                nightly()
            except ValueError:
                pass
    """)
    env = {**os.environ, "RIVERRUN_HOME": str(riverrun_home)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    # The script has exited: whatever it sent has arrived.
    assert [r.json["text"] for r in receiver.requests] == [
        "nightly: Flow run encountered an exception: ValueError: disk full"
    ]


def test_only_runs_matching_the_trigger_notify(receiver: Any) -> None:
    _notify_on_pro_failure(_webhook(receiver.url))
    _run_failing("env:dev")
    _run_failing("env:pro")
    assert wait_for_deliveries(30)
    assert len(receiver.requests) == 1


def test_template_sees_run_name_parameters_tags_and_link(receiver: Any) -> None:
    body = ("{{ flow_run.name }}|{{ flow_run.parameters.day }}|{{ flow_run.tags | join(',') }}|"
            "{{ flow_run.state_name }}|{{ flow_run_url }}")  # fmt: skip
    _notify_on_pro_failure(_webhook(receiver.url), body=body)
    _run_failing("env:pro")
    assert wait_for_deliveries(30)
    with get_client(sync_client=True) as client:
        (run,) = client.read_flow_runs()
    assert receiver.requests[0].json["text"] == (
        f"{run.name}|mon|env:pro|Failed|http://127.0.0.1:4200/runs/flow-run/{run.id}"
    )


def test_delivered_action_is_recorded_as_executed_event(receiver: Any) -> None:
    automation = _notify_on_pro_failure(_webhook(receiver.url))
    _run_failing("env:pro")
    assert wait_for_deliveries(30)
    (executed,) = _action_events("executed")
    assert executed.resource.id == f"riverrun.automation.{automation.id}"
    assert executed.payload["action_type"] == "send-notification"
    assert {r.role for r in executed.related} >= {"triggering-event", "flow-run", "tag"}


def test_unreachable_endpoint_is_retried_then_recorded_as_failed(refused_url: str) -> None:
    from riverrun._automations.runner import MAX_ATTEMPTS

    _notify_on_pro_failure(_webhook(refused_url))
    _run_failing("env:pro")
    assert wait_for_deliveries(30)
    (failed,) = _action_events("failed")
    assert failed.payload["attempts"] == MAX_ATTEMPTS
    assert "NotificationError" in str(failed.payload["reason"])


def test_endpoint_failing_once_is_retried_and_delivered(receiver: Any) -> None:
    receiver.respond(503, "busy", times=1)
    _notify_on_pro_failure(_webhook(receiver.url))
    _run_failing("env:pro")
    assert wait_for_deliveries(30)
    assert [r.json["text"] for r in receiver.requests][-1].endswith("failed")
    assert len(receiver.requests) == 2
    (executed,) = _action_events("executed")
    assert executed.payload["attempts"] == 2


def test_disabled_automation_does_not_fire(receiver: Any) -> None:
    automation = _notify_on_pro_failure(_webhook(receiver.url))
    automation.disable()
    _run_failing("env:pro")
    automation.enable()
    _run_failing("env:pro")
    assert wait_for_deliveries(30)
    assert len(receiver.requests) == 1


def test_custom_event_triggers_call_webhook(receiver: Any) -> None:
    Automation(
        name="paid", trigger=EventTrigger(expect={"shop.order.*"}),
        actions=[CallWebhook(block_document_id=_webhook(receiver.url), payload="{{ event.payload.amount }}")],
    ).create()  # fmt: skip
    emit_event(
        "shop.order.paid",
        resource={"riverrun.resource.id": "shop.order.42"},
        payload={"amount": 12},
    )
    assert wait_for_deliveries(30)
    assert [r.json["text"] for r in receiver.requests] == ["12"]


def test_email_notification_reaches_smtp_server(smtp_server: Any) -> None:
    credentials = EmailServerCredentials(smtp_server=smtp_server.host, smtp_port=smtp_server.port,
                                         smtp_type=SMTPType.INSECURE)  # fmt: skip
    block = EmailNotification(credentials=credentials, to_emails=["ops@example.com"])
    block.save("ops-mail", overwrite=True)
    Automation(
        name="mail", trigger=PRO_FAILED,
        actions=[SendNotification(block_document_id=block._block_document_id,
                                  subject="{{ flow.name }} failed", body="{{ flow_run.message }}")],
    ).create()  # fmt: skip
    _run_failing("env:pro")
    assert wait_for_deliveries(30)
    (message,) = smtp_server.messages
    assert b"Subject: nightly failed" in message.content


def test_two_evaluators_on_the_same_events_claim_each_action_once(receiver: Any) -> None:
    from riverrun._automations.runner import AutomationRunner
    from riverrun._store.service import embedded_store

    automation = _notify_on_pro_failure(_webhook(receiver.url))
    automation.disable()  # evaluate only by hand below
    _run_failing("env:pro")
    automation.enable()
    store = embedded_store()
    events = store.read_events(filter=EventFilter(event_names=["riverrun.flow-run.Failed"]))
    claimed = []
    for _replica in range(2):
        runner = AutomationRunner(store)
        runner.set_automations(store.read_automations())
        claimed += runner.observe(events)
    assert len(claimed) == 1
