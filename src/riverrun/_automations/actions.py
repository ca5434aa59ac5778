"""Running one action of a firing against a store: notifications, webhooks, run changes.

``perform`` raises on failure (the caller retries and records the outcome); it never
decides about retries itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from riverrun._automations.templates import TemplateState, context_for, render
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
    for resource in _with_triggering(event):
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
                "state": None if state is None
                else TemplateState(state.type.value, state.name, state.message),
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
    invocation: str = "",
    action_index: int = 0,
) -> dict[str, object]:
    """Perform one action; returns details for the ``executed`` event.

    ``invocation`` (the firing's ID) and ``action_index`` make the idempotency key of a
    flow run a ``RunDeployment`` creates, as Prefect's: running the action twice for one
    firing creates one run.

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
    if isinstance(action, (a.RunDeployment, a.PauseDeployment, a.ResumeDeployment)):
        key = f"automation {automation.id}, action {action_index}, invocation {invocation}"
        return _deployment_action(store, action, event, context, key)
    raise ActionFailed(f"riverrun does not know how to perform the {action.type} action.")


def _deployment_id(action: a.RunDeployment | a.PauseDeployment | a.ResumeDeployment,
                   event: Optional[a.Event]) -> str:  # fmt: skip
    """The selected deployment, or (``source="inferred"``) the triggering event's."""
    if action.source == "selected" and action.deployment_id is not None:
        return str(action.deployment_id)
    if event is None:
        raise ActionFailed("No event to infer the deployment")
    for resource in _with_triggering(event):
        if resource.id.startswith("riverrun.deployment."):
            return resource.id[len("riverrun.deployment.") :]
    raise ActionFailed("No deployment could be inferred")


def _with_triggering(event: a.Event) -> list[a.Resource]:
    """The event's resources, then those of the event that triggered it (an
    ``automation.triggered`` event carries the original in its payload)."""
    resources = list(event.involved_resources)
    original = event.payload.get("triggering_event")
    if isinstance(original, dict):
        resources.extend(a.Event.model_validate(original).involved_resources)
    return resources


def _deployment_action(
    store: Store,
    action: a.RunDeployment | a.PauseDeployment | a.ResumeDeployment,
    event: Optional[a.Event],
    context: dict[str, object],
    idempotency_key: str,
) -> dict[str, object]:
    from riverrun.exceptions import ObjectNotFound, ParameterTypeError

    deployment_id = _deployment_id(action, event)
    try:
        if isinstance(action, a.PauseDeployment):
            store.pause_deployment(deployment_id)
        elif isinstance(action, a.ResumeDeployment):
            store.resume_deployment(deployment_id)
        else:
            return _run_deployment(store, action, deployment_id, context, idempotency_key)
    except ObjectNotFound as exc:
        raise ActionFailed(f"The deployment {deployment_id} does not exist: {exc}") from exc
    except ParameterTypeError as exc:
        raise ActionFailed(f"Unable to create flow run from deployment: {exc}") from exc
    return {"deployment_id": deployment_id}


def _run_deployment(
    store: Store,
    action: a.RunDeployment,
    deployment_id: str,
    context: dict[str, object],
    idempotency_key: str,
) -> dict[str, object]:
    from datetime import datetime, timezone

    from riverrun.states import Scheduled

    when = datetime.now(timezone.utc) + action.schedule_after
    parameters: Optional[dict[str, Any]] = None
    if action.parameters is not None:
        rendered = render_parameters(action.parameters, context, field="parameters")
        parameters = rendered if isinstance(rendered, dict) else None
    run = store.create_flow_run_from_deployment(
        deployment_id,
        parameters=parameters,
        state=Scheduled(state_details={"scheduled_time": when}),
        idempotency_key=idempotency_key,
        job_variables=action.job_variables,
    )
    return {"deployment_id": deployment_id, "flow_run_id": str(run.id), "flow_run_name": run.name}


JINJA_KIND = "__riverrun_kind"


def render_parameters(value: object, context: dict[str, object], *, field: str) -> object:
    """Parameters with every ``{"__riverrun_kind": "jinja", "template": ...}`` value
    rendered (Prefect's ``__prefect_kind`` templates); other values as they are."""
    if isinstance(value, dict):
        if value.get(JINJA_KIND) == "jinja" and isinstance(value.get("template"), str):
            return render(str(value["template"]), context, field=field)
        return {k: render_parameters(v, context, field=f"{field}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [render_parameters(v, context, field=f"{field}[{i}]") for i, v in enumerate(value)]
    return value


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
        state = State(
            type=StateType.CANCELLING, name="Cancelling", message="Cancelled by automation"
        )
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
