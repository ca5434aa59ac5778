"""Events: Prefect's ``prefect.events`` under riverrun's name.

Every state change of a flow run is an event (``riverrun.flow-run.Failed``, resource
``riverrun.flow-run.<id>``, related flow, deployment, work pool and tags); ``emit_event``
records events of your own. Both go through the same recorder as runs and states, so they
are written embedded or sent to the server (spooled while it is down), never lost.

Example:
    >>> from riverrun.events import emit_event
    >>> emit_event("shop.order.paid", resource={"riverrun.resource.id": "shop.order.42"},
    ...            payload={"amount": 12})
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Optional, Union

from riverrun.schemas.automations import (
    ActionTypes,
    AutomationCore,
    CallWebhook,
    CancelFlowRun,
    ChangeFlowRunState,
    CompoundTrigger,
    DoNothing,
    Event,
    EventFilter,
    EventTrigger,
    PauseAutomation,
    PauseDeployment,
    Posture,
    ReceivedEvent,
    RelatedResource,
    Resource,
    ResourceSpecification,
    ResumeAutomation,
    ResumeDeployment,
    RunDeployment,
    SendNotification,
    SequenceTrigger,
    TriggerTypes,
)
from riverrun.schemas.deployment_triggers import (
    DeploymentCompoundTrigger,
    DeploymentEventTrigger,
    DeploymentSequenceTrigger,
    DeploymentTriggerTypes,
)
from riverrun.schemas.metric_triggers import (
    DeploymentMetricTrigger,
    MetricTrigger,
    MetricTriggerOperator,
    MetricTriggerQuery,
)


def _run_context_related() -> list[dict[str, str]]:
    from riverrun.context import FlowRunContext, TaskRunContext

    related: list[dict[str, str]] = []
    flow_ctx = FlowRunContext.get()
    task_ctx = TaskRunContext.get()
    if flow_ctx is not None:
        related.append({"riverrun.resource.id": f"riverrun.flow-run.{flow_ctx.info.id}",
                        "riverrun.resource.role": "flow-run",
                        "riverrun.resource.name": str(flow_ctx.info.name)})  # fmt: skip
    if task_ctx is not None:
        related.append({"riverrun.resource.id": f"riverrun.task-run.{task_ctx.info.id}",
                        "riverrun.resource.role": "task-run",
                        "riverrun.resource.name": str(task_ctx.info.name)})  # fmt: skip
    return related


def emit_event(
    event: str,
    resource: dict[str, str],
    occurred: Optional[datetime] = None,
    related: Optional[Union[list[dict[str, str]], list[RelatedResource]]] = None,
    payload: Optional[dict[str, object]] = None,
    id: Optional[uuid.UUID] = None,  # noqa: A002 - Prefect's name
    follows: Optional[Event] = None,
) -> Event:
    """Record an event of your own; automations can trigger on it.

    Inside a flow or task run the run is added as a related resource (role ``flow-run`` /
    ``task-run``), as Prefect does.

    Args:
        event: the event's name, e.g. ``"shop.order.paid"``.
        resource: the labels of what it is about; needs ``riverrun.resource.id``.
        occurred: when it happened (default: now).
        related: further resources, each with ``riverrun.resource.id`` and ``.role``.
        payload: any JSON-able details.
        id: the event's ID (default: a new one); the same ID recorded twice is one event.
        follows: the event this one comes after.

    Returns:
        The event, as recorded.

    Raises:
        pydantic.ValidationError: the resource has no ``riverrun.resource.id`` or a related
            resource has no role.
    """
    from riverrun._internal.clock import to_us
    from riverrun._recording.recorder import recorder_for
    from riverrun.context import FlowRunContext
    from riverrun.schemas.encoding import jsonable

    given = [r.root if isinstance(r, RelatedResource) else r for r in related or []]
    known = {r.get("riverrun.resource.id") for r in given}
    extra = [r for r in _run_context_related() if r["riverrun.resource.id"] not in known]
    built = Event.model_validate(
        {
            "event": event,
            "resource": resource,
            "related": given + extra,
            "payload": jsonable(payload or {}),
            "follows": follows.id if follows is not None else None,
            **({"occurred": occurred} if occurred is not None else {}),
            **({"id": id} if id is not None else {}),
        }
    )
    flow_ctx = FlowRunContext.get()
    recorder = recorder_for(flow_ctx)
    recorder.record(
        {
            "kind": "event",
            "id": str(built.id),
            "occurred": to_us(built.occurred),
            "event": built.event,
            "resource": built.resource.root,
            "related": [r.root for r in built.related],
            "payload": built.payload,
            "follows": None if built.follows is None else str(built.follows),
        }
    )
    if flow_ctx is None:
        recorder.flush()
    return built


__all__ = [
    "ActionTypes", "AutomationCore", "CallWebhook", "CancelFlowRun", "ChangeFlowRunState",
    "CompoundTrigger", "DeploymentCompoundTrigger", "DeploymentEventTrigger",
    "DeploymentMetricTrigger", "DeploymentSequenceTrigger", "DeploymentTriggerTypes", "DoNothing", "Event", "EventFilter",
    "EventTrigger", "MetricTrigger", "MetricTriggerOperator", "MetricTriggerQuery",
    "PauseAutomation", "PauseDeployment", "Posture", "ReceivedEvent",
    "RelatedResource", "Resource", "ResourceSpecification", "ResumeAutomation",
    "ResumeDeployment", "RunDeployment", "SendNotification", "SequenceTrigger", "TriggerTypes",
    "emit_event",
]  # fmt: skip
