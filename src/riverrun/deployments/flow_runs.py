"""``run_deployment`` / ``arun_deployment``: trigger a deployment's run and, optionally, wait for it."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Optional, Union

from riverrun.schemas.objects import FlowRun
from riverrun.states import Scheduled, State

_FINAL = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}


def run_deployment(
    name: Union[str, uuid.UUID],
    client: Any = None,
    parameters: Optional[dict[str, Any]] = None,
    scheduled_time: Optional[datetime] = None,
    flow_run_name: Optional[str] = None,
    timeout: Optional[float] = None,
    poll_interval: Optional[float] = 5,
    tags: Optional[Iterable[str]] = None,
    idempotency_key: Optional[str] = None,
    work_queue_name: Optional[str] = None,
    as_subflow: Optional[bool] = True,
    job_variables: Optional[dict[str, Any]] = None,
) -> FlowRun:
    """Create a run of a deployment and wait for it (Prefect's ``run_deployment``).

    Args:
        name: ``"flow-name/deployment-name"`` or the deployment's ID.
        client: a sync client to use (default: one for the current settings).
        parameters: merged over the deployment's; checked against its schema now.
        scheduled_time: when the run should start (default: now).
        flow_run_name: the run's name (default: generated).
        timeout: seconds to wait for a final state; ``0`` returns at once; None waits.
        poll_interval: seconds between checks (riverrun checks at least every 0.5 s).
        tags: added to the deployment's tags.
        idempotency_key: a second call with the same key returns the first run.
        work_queue_name: overrides the deployment's work queue.
        as_subflow: inside a flow run, link the new run as a subflow of it.
        job_variables: passed to the worker that runs it.

    Returns:
        The flow run, as of when waiting ended.

    Raises:
        ObjectNotFound: no such deployment (closest names suggested).
        ParameterTypeError: parameters that fail the deployment's schema.
    """
    from riverrun.client.orchestration import SyncRiverrunClient, get_client

    sync = client if isinstance(client, SyncRiverrunClient) else get_client(sync_client=True)
    deployment = _find(sync, name)
    state: State | None = None
    if scheduled_time is not None:
        state = Scheduled(state_details={"scheduled_time": scheduled_time})
    parent = _subflow_link(deployment) if as_subflow else None
    run = sync.create_flow_run_from_deployment(
        deployment.id, parameters=parameters, state=state, name=flow_run_name, tags=None if tags is None else list(tags),
        idempotency_key=idempotency_key, work_queue_name=work_queue_name,
        job_variables=job_variables, parent_task_run_id=parent[0].id if parent else None,
    )  # fmt: skip
    if timeout == 0:
        return run
    deadline = None if timeout is None else time.monotonic() + timeout
    interval = min(poll_interval or 5, 0.5)
    while run.state_type is None or run.state_type.value not in _FINAL:
        if deadline is not None and time.monotonic() >= deadline:
            break
        time.sleep(
            interval if deadline is None else max(0.0, min(interval, deadline - time.monotonic()))
        )
        run = sync.read_flow_run(run.id)
    if parent is not None and run.state is not None and run.state.type.value in _FINAL:
        info, ctx = parent
        mirrored = State(type=run.state.type, name=run.state.name, message=run.state.message)
        ctx.recorder.record(info.state_event("task_run_state", mirrored))
    return run


async def arun_deployment(name: Union[str, uuid.UUID], **kwargs: Any) -> FlowRun:
    """``run_deployment`` for async code (waiting does not block the event loop)."""
    return await asyncio.to_thread(run_deployment, name, **kwargs)


def _find(client: Any, name: Union[str, uuid.UUID]) -> Any:
    if isinstance(name, uuid.UUID):
        return client.read_deployment(name)
    try:
        return client.read_deployment(uuid.UUID(name))
    except ValueError:
        return client.read_deployment_by_name(name)


def _subflow_link(deployment: Any) -> tuple[Any, Any] | None:
    """Inside a flow run: a task run in the parent standing for the deployment's run."""
    from riverrun._engine.runs import TaskRunInfo
    from riverrun._internal.ids import new_id
    from riverrun.context import FlowRunContext, current_tags
    from riverrun.states import Running

    ctx = FlowRunContext.get()
    if ctx is None:
        return None
    key = f"run_deployment-{deployment.id}"
    dynamic = ctx.next_dynamic_key(key)
    info = TaskRunInfo(new_id(), f"{deployment.name}-{dynamic}", sorted(current_tags()), {},
                       ctx.info.id, key, str(dynamic), deployment.name, {})  # fmt: skip
    ctx.recorder.record(info.creation_event(info.state_event(None, Running()), {}))
    return info, ctx
