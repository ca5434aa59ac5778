"""End to end: an automation made with the web UI's "New automation" form fires on a real
failing flow run and reaches a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

from riverrun import flow, tags
from riverrun._automations.embedded import wait_for_deliveries
from riverrun._store.dialect import sqlite_url
from riverrun.blocks.notifications import CustomWebhookNotificationBlock
from riverrun.client.orchestration import get_client
from riverrun.server.app import create_app
from riverrun.server.config import ServerConfig

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 here; its TestClient still works on httpx, which riverrun uses.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@flow
def nightly() -> None:
    raise ValueError("disk full")


def _fail(*run_tags: str) -> None:
    with tags(*run_tags), pytest.raises(ValueError):
        nightly()


def _create_with_the_form(home: Path, form: dict[str, Any]) -> None:
    """Fill and submit the form of the UI served on this home's store (the server then stops,
    so the recording process alone evaluates and delivers)."""
    app = create_app(ServerConfig(database_url=sqlite_url(home / "riverrun.db")))
    with TestClient(app) as browser:
        browser.get("/automations/new")
        form = {"csrf": browser.cookies.get("rr_csrf"), **form}
        created = browser.post("/automations/new", data=form, follow_redirects=False)
    assert created.status_code == 303, created.text[:2000]


def test_automation_made_in_the_form_notifies_the_webhook_when_its_flow_fails(
    receiver: Any, riverrun_home: Path
) -> None:
    hook = CustomWebhookNotificationBlock(
        name="hook", url=receiver.url + "/ops", json_data={"text": "{{body}}"}, retries=0
    )
    hook.save("hook")
    _fail("env:dev")  # the flow exists once it has run, so the form can name it
    _create_with_the_form(riverrun_home, {
        "name": "nightly failures", "flows": "nightly", "tags": "env:pro", "states": "Failed",
        "posture": "Reactive", "action": "send-notification",
        "block_document_id": str(hook._block_document_id), "subject": "{{ flow.name }} failed",
        "body": "{{ flow.name }} {{ flow_run.state_name }}: {{ flow_run.message }}",
    })  # fmt: skip
    _fail("env:dev")
    _fail("env:pro")
    assert wait_for_deliveries(30)
    assert [r.json["text"] for r in receiver.requests] == [
        "nightly Failed: Flow run encountered an exception: ValueError: disk full"
    ]
    with get_client(sync_client=True) as client:
        (automation,) = client.read_automations()
    assert automation.name == "nightly failures"
