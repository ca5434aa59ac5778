"""The "New automation" form: the flow-run state trigger shorthand and one action, created
through the same operation as ``Automation.create()`` and read back through the client."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from ui_seed import Fresh, TestClient

from riverrun._store.dialect import sqlite_url
from riverrun._store.service import open_store
from riverrun.automations import (
    CallWebhook,
    CancelFlowRun,
    ChangeFlowRunState,
    SendNotification,
    flow_run_state_trigger,
)
from riverrun.blocks.notifications import CustomWebhookNotificationBlock
from riverrun.client.orchestration import get_client
from riverrun.server.app import create_app
from riverrun.server.config import ServerConfig
from riverrun.states import StateType


@pytest.fixture
def app(riverrun_home: Path) -> Iterator[Fresh]:
    """The app on this test's embedded store, which has the custom webhook block ``hook``
    (saved with the block API) and the flow ``nightly``."""
    CustomWebhookNotificationBlock(name="hook", url="http://127.0.0.1:9/hook").save("hook")
    url = sqlite_url(riverrun_home / "riverrun.db")
    store = open_store(url)
    store.create_flow_from_name("nightly")
    with TestClient(create_app(ServerConfig(database_url=url))) as client:
        yield Fresh(client, store, deployment="")


def _hook_id() -> str:
    return str(CustomWebhookNotificationBlock.load("hook")._block_document_id)


def _form(**fields: Any) -> dict[str, Any]:
    """A filled form: a failed run of ``nightly`` tagged ``env:pro`` notifies ``hook``."""
    base = {"name": "pro failures", "description": "Tell the team.", "flows": "nightly",
            "tags": "env:pro", "states": ["Failed", "Crashed"], "posture": "Reactive",
            "within": "30", "unit": "minutes", "action": "send-notification",
            "block_document_id": _hook_id(), "subject": "{{ flow.name }} failed",
            "body": "{{ flow_run.name }}: {{ flow_run.message }}"}  # fmt: skip
    return {**base, **fields}


def _stored(response: Any) -> Any:
    assert response.status_code == 303, response.text[:500]
    ident = response.headers["location"].split("?")[0].rsplit("/", 1)[-1]
    with get_client(sync_client=True) as client:
        return client.read_automation(automation_id=ident)


def _error(response: Any, key: str) -> str:
    found = re.search(rf'id="a-{key}-error" role="alert">([^<]*)<', response.text)
    assert found, response.text[:2000]
    return html.unescape(found.group(1))


def test_automations_page_has_a_new_automation_button(app: Fresh) -> None:
    assert 'href="/automations/new"' in app.client.get("/automations").text


def test_form_offers_the_states_the_actions_and_the_saved_notification_blocks(app: Fresh) -> None:
    page = app.client.get("/automations/new").text
    assert f'<option value="{_hook_id()}">Custom Webhook: hook</option>' in page
    for state in ("Scheduled", "Late", "Running", "Completed", "Failed", "Crashed", "Cancelled"):
        assert f'name="states" value="{state}"' in page
    assert "Send a notification" in page and "Cancel the flow run" in page
    assert 'hx-get="/ui/suggest?what=flow"' in page and 'name="csrf"' in page


def test_form_creates_the_trigger_the_python_shorthand_builds(app: Fresh) -> None:
    stored = _stored(app.post("/automations/new", _form()))
    (flow,) = app.store.read_flows(limit=5)
    assert stored.name == "pro failures" and stored.description == "Tell the team."
    assert stored.trigger == flow_run_state_trigger(["Failed", "Crashed"], flow_ids=[flow.id],
                                                    tags=["env:pro"])  # fmt: skip
    dumped = stored.trigger.model_dump(mode="json")
    assert dumped["match"] == {"riverrun.resource.id": "riverrun.flow-run.*"}
    assert (dumped["for_each"], dumped["threshold"], dumped["posture"]) == (
        ["riverrun.resource.id"], 1, "Reactive"
    )  # fmt: skip
    assert stored.actions == [SendNotification(block_document_id=uuid.UUID(_hook_id()),
                                               subject="{{ flow.name }} failed",
                                               body="{{ flow_run.name }}: {{ flow_run.message }}")]  # fmt: skip


def test_stays_in_for_makes_a_proactive_trigger_within_that_time(app: Fresh) -> None:
    form = _form(flows="", tags="", states="Running", posture="Proactive", within="2",
                 unit="hours")  # fmt: skip
    trigger = _stored(app.post("/automations/new", form)).trigger
    assert trigger == flow_run_state_trigger(["Running"], posture="Proactive",
                                             within=timedelta(hours=2))  # fmt: skip
    assert trigger.after == {"riverrun.flow-run.Running"} and trigger.expect == {
        "riverrun.flow-run.*"
    }


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"action": "cancel-flow-run"}, CancelFlowRun()),
        ({"action": "change-flow-run-state", "state": "FAILED", "state_name": "Stuck",
          "state_message": "ran too long"},
         ChangeFlowRunState(state=StateType.FAILED, name="Stuck", message="ran too long")),
        ({"action": "call-webhook", "payload": '{"run": "{{ flow_run.id }}"}'}, "call-webhook"),
    ],
    ids=["cancel", "change-state", "call-webhook"],
)  # fmt: skip
def test_each_action_is_stored_as_chosen(app: Fresh, fields: dict[str, str], expected: Any) -> None:
    if expected == "call-webhook":
        expected = CallWebhook(block_document_id=uuid.UUID(_hook_id()),
                               payload='{"run": "{{ flow_run.id }}"}')  # fmt: skip
    assert _stored(app.post("/automations/new", _form(**fields))).actions == [expected]


def test_a_template_that_does_not_render_comes_back_at_its_field(app: Fresh) -> None:
    response = app.post("/automations/new", _form(body="{{ flowrun.name }} failed"))
    assert response.status_code == 422
    assert "does not render" in _error(response, "body") and "flowrun" in _error(response, "body")
    assert "{{ flowrun.name }} failed</textarea>" in response.text  # what was typed is kept
    assert app.store.read_automations(limit=5) == []


def test_no_block_chosen_is_refused_at_the_block_field(app: Fresh) -> None:
    response = app.post("/automations/new", _form(block_document_id=""))
    assert response.status_code == 422
    assert "Choose a saved notification block" in _error(response, "block_document_id")


def test_a_flow_no_run_has_made_is_refused_at_the_flows_field(app: Fresh) -> None:
    response = app.post("/automations/new", _form(flows="nightly, nighty"))
    assert response.status_code == 422 and "No flow named 'nighty'" in _error(response, "flows")


def test_stays_in_for_no_time_is_refused_at_the_time(app: Fresh) -> None:
    response = app.post("/automations/new", _form(posture="Proactive", within="0"))
    assert response.status_code == 422 and "more than 0" in _error(response, "within")


def test_no_name_and_no_state_are_refused_at_their_fields(app: Fresh) -> None:
    response = app.post("/automations/new", _form(name=" ", states=[]))
    assert "Give the automation a name" in _error(response, "name")
    assert "Pick at least one state" in _error(response, "states")


def test_creating_needs_the_csrf_token(app: Fresh) -> None:
    assert app.client.post("/automations/new", data=_form()).status_code == 403
    assert app.store.read_automations(limit=5) == []


def test_created_automation_page_shows_python_that_makes_the_same_automation(app: Fresh) -> None:
    response = app.post("/automations/new", _form())
    stored = _stored(response)
    page = app.client.get(response.headers["location"]).text
    assert "Created &#39;pro failures&#39;." in page and 'id="as-json"' in page
    source = html.unescape(re.search(r'id="as-python">.*?<pre>(.*?)</pre>', page, re.S).group(1))  # type: ignore[union-attr]
    namespace: dict[str, Any] = {}
    exec(source.replace("automation.create()", ""), namespace)
    assert namespace["automation"].model_dump(exclude={"id"}) == stored.model_dump(
        exclude={"id", "created", "updated"}
    )


# -- editing an automation in the form ------------------------------------------------------------


def _created(app: Fresh, **fields: Any) -> str:
    response = app.post("/automations/new", _form(**fields))
    assert response.status_code == 303, response.text[:500]
    return str(response.headers["location"].split("?")[0].rsplit("/", 1)[-1])


def _value(page: str, key: str) -> str:
    found = re.search(rf'id="a-{key}" name="{key}" value="([^"]*)"', page)
    assert found, f"no field {key}"
    return html.unescape(found.group(1))


def test_edit_form_shows_the_automation_as_it_was_made(app: Fresh) -> None:
    ident = _created(app, posture="Proactive", within="90", unit="minutes")
    assert f'href="/automations/{ident}/edit"' in app.client.get(f"/automations/{ident}").text
    page = app.client.get(f"/automations/{ident}/edit").text
    assert f'action="/automations/{ident}/edit"' in page and "Save automation" in page
    assert (_value(page, "name"), _value(page, "flows"), _value(page, "tags")) == (
        "pro failures", "nightly", "env:pro"
    )  # fmt: skip
    assert 'name="states" value="Failed" checked' in page
    assert 'name="states" value="Crashed" checked' in page
    assert 'name="states" value="Running" checked' not in page
    assert (
        'value="Proactive" checked' in page
        and 'name="within" min="0" step="any" value="90"' in page
    )
    assert f'<option value="{_hook_id()}" selected>' in page


def test_saving_the_edit_form_updates_the_automation_in_place(app: Fresh) -> None:
    ident = _created(app)
    app.post(f"/automations/{ident}/disable", {})
    response = app.post(f"/automations/{ident}/edit",
                        _form(name="stuck runs", tags="", states="Running", posture="Proactive",
                              within="2", unit="hours", action="cancel-flow-run"))  # fmt: skip
    stored = _stored(response)
    assert str(stored.id) == ident and stored.name == "stuck runs"
    (flow,) = app.store.read_flows(limit=5)
    assert stored.trigger == flow_run_state_trigger(["Running"], flow_ids=[flow.id],
                                                    posture="Proactive", within=timedelta(hours=2))  # fmt: skip
    assert stored.actions == [CancelFlowRun()] and stored.enabled is False
    assert len(app.store.read_automations(limit=10)) == 1


def test_a_bad_value_in_the_edit_form_comes_back_at_its_field(app: Fresh) -> None:
    ident = _created(app)
    response = app.post(f"/automations/{ident}/edit", _form(body="{{ flow_run.name "))
    assert response.status_code == 422 and _error(response, "body")
    assert f'action="/automations/{ident}/edit"' in response.text
    assert app.store.read_automation(ident).actions[0].body.startswith("{{ flow_run.name }}")  # type: ignore[union-attr]


def test_an_automation_the_form_cannot_say_is_not_offered_for_editing(app: Fresh) -> None:
    from riverrun.schemas.automations import AutomationCore, DoNothing, EventTrigger

    made = app.store.create_automation(AutomationCore(
        name="two actions", trigger=EventTrigger(expect={"riverrun.flow-run.Failed"}, threshold=3,
                                                 within=timedelta(minutes=5)),
        actions=[DoNothing(), CancelFlowRun()]))  # fmt: skip
    assert f"/automations/{made.id}/edit" not in app.client.get(f"/automations/{made.id}").text
    response = app.client.get(f"/automations/{made.id}/edit", follow_redirects=False)
    assert response.status_code == 303 and "the+form+does+not+offer" in response.headers["location"]
