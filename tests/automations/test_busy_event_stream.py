"""A matching event behind a crowd of others still fires: more events than one read holds
(5,000) received within a few seconds must not hide the ones after them (the server's
service re-read the same first page of a busy window, and never saw a later event)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from riverrun.automations import Automation, EventTrigger, SendNotification
from riverrun.blocks.notifications import CustomWebhookNotificationBlock
from riverrun.events import emit_event

pytestmark = [pytest.mark.both_modes, pytest.mark.postgres]


def _notify_on(name: str, url: str) -> None:
    block = CustomWebhookNotificationBlock(name="hook", url=url, json_data={"text": "{{body}}"})
    block.save("busy-hook", overwrite=True)
    Automation(
        name="order failed",
        trigger=EventTrigger(expect={name}),
        actions=[SendNotification(block_document_id=uuid.UUID(str(block._block_document_id)),
                                  body="{{ event.resource.id }}")],
    ).create()  # fmt: skip


def _post_at_once(count: int) -> None:
    """``count`` events in one batch to the server's ``/api/events`` (one receipt time), so
    more than a page of them lands within the reading window however loaded the machine."""
    now = int(time.time() * 1_000_000)
    events = [{"kind": "event", "id": str(uuid.uuid4()), "occurred": now + n,
               "event": "shop.order.seen", "resource": {"riverrun.resource.id": f"shop.order.{n}"}}
              for n in range(count)]  # fmt: skip
    key = os.environ.get("RIVERRUN_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    url = os.environ["RIVERRUN_API_URL"] + "/events"
    httpx.post(url, json={"events": events}, headers=headers, timeout=120).raise_for_status()


def test_an_event_after_more_than_a_page_of_others_fires(
    riverrun_mode: str, receiver: Any, action_outcomes: Callable[..., list[Any]]
) -> None:
    _notify_on("shop.order.failed", receiver.url)
    if riverrun_mode == "embedded":
        for n in range(6_000):
            emit_event("shop.order.seen", resource={"riverrun.resource.id": f"shop.order.{n}"})
    else:
        _post_at_once(6_000)
    emit_event("shop.order.failed", resource={"riverrun.resource.id": "shop.order.last"})
    (outcome,) = action_outcomes()
    assert outcome.event == "riverrun.automation.action.executed"
    assert [r.json["text"] for r in receiver.requests] == ["shop.order.last"]
