"""Automation pages: the list (enable, disable, delete) and one automation's trigger and
actions, through the automation operations of the table (``_api/automations.py``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from riverrun.schemas.automations import AutomationRecord, Posture
from riverrun.server.ui import data, session
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


@router.get("/automations/{automation_id}", response_class=HTMLResponse)
def automation(request: Request, automation_id: str) -> Response:
    """One automation: its trigger and actions as stored."""
    found = data.automation(request.app.state.store, automation_id)
    definition = found.model_dump(mode="json", exclude={"id", "created", "updated"})
    return page(
        request, "automation.html", automation=found, info=summary(found), definition=definition
    )


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
        from urllib.parse import urlencode

        return RedirectResponse(
            "/automations?" + urlencode({"notice": f"Deleted {found.name!r}."}), status_code=303
        )
    data.set_automation_enabled(store, automation_id, enabled=action == "enable")
    back = request.query_params.get("back", "")
    target = f"/automations/{automation_id}" if back == "detail" else "/automations"
    return RedirectResponse(target, status_code=303)
