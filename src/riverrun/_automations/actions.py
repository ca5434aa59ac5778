"""Running one action of a firing against a store: notifications, webhooks, run changes.

``perform`` raises on failure (the caller retries and records the outcome); it never
decides about retries itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from riverrun._automations.templates import context_for, render
from riverrun.exceptions import RiverrunException
from riverrun.schemas import automations as a

if TYPE_CHECKING:
    from riverrun._store.service import Store


class ActionFailed(RiverrunException):
    """An action could not be performed (the message says why and what to check)."""


def ui_url() -> str:
    """Where the run pages are: the server's address, or the local UI's default."""
    from riverrun.settings import get_current_settings

    api = get_current_settings().api_url
    if api:
        base = str(api).rstrip("/")
        return base[: -len("/api")] if base.endswith("/api") else base
    return "http://127.0.0.1:4200"


def _flow_run_id(event: Optional[a.Event]) -> Optional[str]:
    if event is None:
        return None
    for resource in event.involved_resources:
        rid = resource.id
        if rid.startswith("riverrun.flow-run."):
            return rid[len("riverrun.flow-run.") :]
    return None


def template_context(
    store: Store, automation: a.AutomationRecord, event: Optional[a.Event]
) -> dict[str, object]:
    """What an action's templates see for a firing of ``automation`` on ``event``."""
    from riverrun.exceptions import ObjectNotFound

    flow_run: Optional[dict[str, object]] = None
    flow: Optional[dict[str, object]] = None
    run_id = _flow_run_id(event)
    if run_id is not None:
        try:
            run = store.read_flow_run(run_id)
        except ObjectNotFound:
            run = None
        if run is not None:
            state = run.state
            flow_run = {
                "id": run.id, "name": run.name, "parameters": run.parameters, "tags": run.tags,
                "state": state.type.value if state is not None else None,
                "state_name": state.name if state is not None else None,
                "message": state.message if state is not None else None,
            }  # fmt: skip
            flow = {"id": run.flow_id, "name": run.flow_name}
    return context_for(
        event,
        flow_run=flow_run,
        flow=flow,
        automation={"id": str(automation.id), "name": automation.name},
        ui_url=ui_url(),
    )


def _block(store: Store, block_document_id: str) -> object:
    # Notifications are sent with the notification blocks themselves (Slack, webhook,
    # email...), built from their saved document with its secrets.
    from riverrun.blocks.core import Block

    document = store.read_block_document(block_document_id, include_secrets=True)
    slug = document.block_type.slug if document.block_type is not None else ""
    cls = Block.get_block_class_from_key(slug, document.block_schema)
    return cls._from_block_document(document)


def perform(
    store: Store,
    automation: a.AutomationRecord,
    action: a.ActionTypes,
    event: Optional[a.Event],
) -> dict[str, object]:
    """Perform one action; returns details for the ``executed`` event.

    Raises:
        ActionFailed: or the block's own error (``NotificationError``...), when it failed.
    """
    context = template_context(store, automation, event)
    if isinstance(action, a.DoNothing):
        return {}
    if isinstance(action, a.SendNotification):
        block = _block(store, str(action.block_document_id))
        subject = render(action.subject, context, field="subject")
        body = render(action.body, context, field="body")
        block.notify(body, subject=subject)  # type: ignore[attr-defined]
        return {"subject": subject, "body": body}
    if isinstance(action, a.CallWebhook):
        block = _block(store, str(action.block_document_id))
        payload = render(action.payload, context, field="payload")
        call = getattr(block, "call", None)
        if call is not None:
            call(payload=payload)
        else:
            block.notify(payload)  # type: ignore[attr-defined]
        return {"payload": payload}
    if isinstance(action, (a.PauseAutomation, a.ResumeAutomation)):
        target = action.automation_id if action.source == "selected" else automation.id
        if isinstance(action, a.PauseAutomation):
            store.pause_automation(str(target))
        else:
            store.resume_automation(str(target))
        return {"automation_id": str(target)}
    if isinstance(action, (a.CancelFlowRun, a.ChangeFlowRunState)):
        return _change_state(store, action, event)
    raise ActionFailed(
        f"The {action.type} action needs deployments, which this riverrun does not run yet; "
        "remove it from the automation or use SendNotification / CallWebhook."
    )


def _change_state(
    store: Store, action: a.CancelFlowRun | a.ChangeFlowRunState, event: Optional[a.Event]
) -> dict[str, object]:
    from riverrun.states import State, StateType

    run_id = _flow_run_id(event)
    if run_id is None:
        raise ActionFailed(
            f"The {action.type} action needs a triggering event about a flow run; this one "
            "is about no flow run."
        )
    if isinstance(action, a.CancelFlowRun):
        state = State(type=StateType.CANCELLING, name="Cancelling", message="Cancelled by automation")
        force = False
    else:
        state = State(type=action.state, name=action.name, message=action.message)
        force = action.force
    result = store.set_flow_run_state(run_id, state, force=force)
    if result.status != "ACCEPT":
        raise ActionFailed(
            f"The flow run {run_id} did not accept the state {state.type.value}: "
            f"{result.reason or result.status}."
        )
    return {"flow_run_id": run_id, "state": state.type.value}
