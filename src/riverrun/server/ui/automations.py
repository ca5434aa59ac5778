"""Automation pages: the list (enable, disable, delete), one automation's trigger and actions
(as stored, and as the Python that creates it), and the "New automation" form, through the
automation operations of the table (``_api/automations.py``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from riverrun._automations.python_source import automation_source
from riverrun.schemas.automations import (
    AutomationCore,
    AutomationRecord,
    InvalidAutomation,
    Posture,
)
from riverrun.server.ui import automation_form, session
from riverrun.server.ui import data_automations as data
from riverrun.server.ui.automation_form import AutomationForm
from riverrun.server.ui.data import UIStore
from riverrun.server.ui.render import page

router = APIRouter()
_csrf = [Depends(session.require_csrf)]
_ACTIONS = ("enable", "disable", "delete")


def summary(automation: AutomationRecord) -> dict[str, Any]:
    """What a row shows: the trigger in a few words and the actions by type."""
    trigger = automation.trigger
    if trigger.type == "event":
        words = ", ".join(sorted(trigger.expect)) or "any event"
        text = f"{Posture(trigger.posture).value}: {words}"
        if trigger.threshold > 1:
            text += f" ×{trigger.threshold} within {trigger.within}"
    else:
        text = f"{trigger.type} of {len(trigger.triggers)} triggers"
    actions = [
        a.type
        for a in [
            *automation.actions,
            *automation.actions_on_trigger,
            *automation.actions_on_resolve,
        ]
    ]
    return {"trigger": text, "actions": actions}


@router.get("/automations", response_class=HTMLResponse)
def automations(request: Request) -> Response:
    """Every automation with its trigger, actions and switch."""
    rows = data.automations(request.app.state.store)
    return page(request, "automations.html", automations=[(a, summary(a)) for a in rows],
                capped=len(rows) >= data.AUTOMATIONS_SHOWN, notice=request.query_params.get("notice", ""))  # fmt: skip


def _form_page(request: Request, form: AutomationForm, status_code: int = 200,
               editing: AutomationRecord | None = None) -> Response:  # fmt: skip
    blocks = data.notification_blocks(request.app.state.store)
    return page(request, "automation_new.html", status_code=status_code, form=form, blocks=blocks,
                states=automation_form.STATE_NAMES, actions=automation_form.ACTIONS,
                units=automation_form.UNITS, targets=automation_form.TARGET_STATES,
                editing=editing)  # fmt: skip


@router.get("/automations/new", response_class=HTMLResponse)
def new_automation(request: Request) -> Response:
    """The form for a "Flow run state" automation and its action."""
    return _form_page(request, AutomationForm())


def _create(store: UIStore, form: AutomationForm) -> AutomationRecord | None:
    automation = _built(store, form)
    if automation is None:
        return None
    try:
        return data.create_automation(store, automation)
    except InvalidAutomation as exc:
        automation_form.place(exc, form)
        return None


def _built(store: UIStore, form: AutomationForm) -> AutomationCore | None:
    """The automation the form says (its flows resolved by name), or None with its errors."""
    found = data.flow_ids(store, form.flows)
    missing = [name for name in form.flows if name not in found]
    if missing:
        form.errors["flows"] = (f"No flow named {', '.join(map(repr, missing))}: a flow exists once it "
                                "has run; type a few letters to see the flows there are.")  # fmt: skip
    automation = automation_form.build(form, [found[n] for n in form.flows if n in found])
    return None if automation is None or form.errors else automation


@router.post("/automations/new", response_class=HTMLResponse, dependencies=_csrf)
async def create_automation(request: Request) -> Response:
    """Create the automation through the same operation as ``Automation.create()``; what it
    refuses comes back at its field."""
    form = automation_form.read_form(await session.form_pairs(request))
    created = await run_in_threadpool(_create, request.app.state.store, form)
    if created is None:
        return await run_in_threadpool(_form_page, request, form, 422)
    notice = urlencode({"notice": f"Created {created.name!r}."})
    return RedirectResponse(f"/automations/{created.id}?{notice}", status_code=303)


def _editable(store: UIStore, automation_id: str) -> tuple[AutomationRecord, AutomationForm | None]:
    found = data.automation(store, automation_id)
    flows: list[str] = []
    related = getattr(found.trigger, "match_related", [])
    for spec in related if isinstance(related, list) else [related]:
        flows += [v.removeprefix("riverrun.flow.") for k, vs in spec.items() for v in vs
                  if k == "riverrun.resource.id" and v.startswith("riverrun.flow.")]  # fmt: skip
    return found, automation_form.from_automation(found, data.flow_names(store, flows))


@router.get("/automations/{automation_id}/edit", response_class=HTMLResponse)
def edit_automation(request: Request, automation_id: str) -> Response:
    """The automation in the form it was made with, to change and save; an automation the
    form cannot say (another trigger, several actions) is sent to its page, which says so."""
    found, form = _editable(request.app.state.store, automation_id)
    if form is None:
        return _not_editable(found)
    return _form_page(request, form, editing=found)


def _not_editable(found: AutomationRecord) -> Response:
    notice = urlencode({"notice": "This automation has a trigger or actions the form does not "
                                  "offer; change it from Python or its JSON (below)."})  # fmt: skip
    return RedirectResponse(f"/automations/{found.id}?{notice}", status_code=303)


def _update(store: UIStore, found: AutomationRecord, form: AutomationForm) -> bool:
    automation = _built(store, form)
    if automation is None:
        return False
    automation.enabled, automation.tags = found.enabled, found.tags
    automation.owner_resource = found.owner_resource
    try:
        data.update_automation(store, str(found.id), automation)
    except InvalidAutomation as exc:
        automation_form.place(exc, form)
        return False
    return True


@router.post("/automations/{automation_id}/edit", response_class=HTMLResponse, dependencies=_csrf)
async def save_automation(request: Request, automation_id: str) -> Response:
    """Save the edited automation through ``update_automation``; what it refuses comes back
    at its field."""
    store = request.app.state.store
    found, editable = await run_in_threadpool(_editable, store, automation_id)
    if editable is None:
        return _not_editable(found)
    form = automation_form.read_form(await session.form_pairs(request))
    if not await run_in_threadpool(_update, store, found, form):
        return await run_in_threadpool(_form_page, request, form, 422, found)
    notice = urlencode({"notice": f"Saved {form.values['name'].strip()!r}."})
    return RedirectResponse(f"/automations/{automation_id}?{notice}", status_code=303)


@router.get("/automations/{automation_id}", response_class=HTMLResponse)
def automation(request: Request, automation_id: str) -> Response:
    """One automation: its trigger and actions as stored, and as Python."""
    found, form = _editable(request.app.state.store, automation_id)
    definition = found.model_dump(mode="json", exclude={"id", "created", "updated"})
    return page(request, "automation.html", automation=found, info=summary(found),
                definition=definition, python=automation_source(found), editable=form is not None,
                notice=request.query_params.get("notice", ""))  # fmt: skip


@router.post("/automations/{automation_id}/{action}", dependencies=_csrf)
def automation_action(request: Request, automation_id: str, action: str) -> Response:
    """Enable, disable or delete an automation, then back to the list (or the automation)."""
    if action not in _ACTIONS:
        return page(request, "error.html", status_code=404, status=404,
                    message=f"Unknown automation action {action!r}: use {', '.join(_ACTIONS)}.")  # fmt: skip
    store = request.app.state.store
    found = data.automation(store, automation_id)
    if action == "delete":
        data.delete_automation(store, automation_id)
        return RedirectResponse(
            "/automations?" + urlencode({"notice": f"Deleted {found.name!r}."}), status_code=303
        )
    data.set_automation_enabled(store, automation_id, enabled=action == "enable")
    back = request.query_params.get("back", "")
    target = f"/automations/{automation_id}" if back == "detail" else "/automations"
    return RedirectResponse(target, status_code=303)
