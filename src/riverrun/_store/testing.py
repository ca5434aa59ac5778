"""Build events by hand, for the store's tests and benchmarks (the engine makes real ones)."""

from __future__ import annotations

from typing import Any

from riverrun._internal.clock import now_us
from riverrun._internal.events import state_payload
from riverrun._internal.ids import new_id


def state_event(
    run_id: str,
    type: str = "COMPLETED",
    name: str | None = None,
    *,
    timestamp: int | None = None,
    task: bool = False,
    message: str | None = None,
    **run_fields: Any,
) -> dict[str, Any]:
    """A ``flow_run_state`` (or, with ``task=True``, ``task_run_state``) event."""
    payload = state_payload(
        state_id=new_id(),
        run_id=run_id,
        type=type,
        name=name or type.title(),
        timestamp=now_us() if timestamp is None else timestamp,
        message=message,
        **run_fields,
    )
    payload["kind"] = "task_run_state" if task else "flow_run_state"
    return payload


def flow_run_event(
    *,
    flow_name: str = "my-flow",
    flow_id: str | None = None,
    name: str | None = None,
    tags: list[str] | None = None,
    state_type: str | None = "PENDING",
    state_name: str | None = None,
    created: int | None = None,
    start_time: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``flow_run`` event with its first state (``state_type=None``: no state)."""
    run_id = extra.pop("id", None) or new_id()
    created = now_us() if created is None else created
    state = None
    if state_type is not None:
        state = state_event(
            run_id, state_type, state_name, timestamp=created, start_time=start_time
        )
        del state["kind"]
    return {
        "kind": "flow_run",
        "id": run_id,
        "flow_id": flow_id or new_id(),
        "flow_name": flow_name,
        "name": name or f"run-{run_id[-6:]}",
        "parameters": extra.pop("parameters", {}),
        "tags": tags or [],
        "parent_task_run_id": extra.pop("parent_task_run_id", None),
        "deployment_id": extra.pop("deployment_id", None),
        "flow_version": extra.pop("flow_version", None),
        "created": created,
        "expected_start_time": extra.pop("expected_start_time", created),
        "empirical_policy": {},
        "state": state,
        **extra,
    }


def task_run_event(
    flow_run_id: str | None,
    *,
    task_key: str = "my_task-abc",
    name: str | None = None,
    tags: list[str] | None = None,
    state_type: str | None = "PENDING",
    created: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``task_run`` event with its first state."""
    run_id = extra.pop("id", None) or new_id()
    created = now_us() if created is None else created
    state = None
    if state_type is not None:
        state = state_event(run_id, state_type, timestamp=created, task=True)
        del state["kind"]
    return {
        "kind": "task_run",
        "id": run_id,
        "flow_run_id": flow_run_id,
        "task_key": task_key,
        "name": name or f"my_task-{run_id[-4:]}",
        "dynamic_key": extra.pop("dynamic_key", "0"),
        "tags": tags or [],
        "task_inputs": extra.pop("task_inputs", {}),
        "cache_key": extra.pop("cache_key", None),
        "task_version": None,
        "created": created,
        "expected_start_time": created,
        "empirical_policy": {},
        "state": state,
        **extra,
    }


def log_event(
    flow_run_id: str | None,
    message: str,
    *,
    task_run_id: str | None = None,
    level: int = 20,
    timestamp: int | None = None,
) -> dict[str, Any]:
    """A ``log`` event."""
    return {
        "kind": "log",
        "id": new_id(),
        "flow_run_id": flow_run_id,
        "task_run_id": task_run_id,
        "name": "riverrun.flow_runs",
        "level": level,
        "message": message,
        "timestamp": now_us() if timestamp is None else timestamp,
    }


def artifact_event(
    flow_run_id: str | None, *, key: str | None = None, type: str = "markdown", data: Any = "# hi"
) -> dict[str, Any]:
    """An ``artifact`` event."""
    return {
        "kind": "artifact",
        "id": new_id(),
        "key": key,
        "type": type,
        "description": None,
        "data": data,
        "flow_run_id": flow_run_id,
        "task_run_id": None,
        "created": now_us(),
    }


def task_run_lifecycle(flow_run_id: str, start: int) -> list[dict[str, Any]]:
    """The events the engine emits for one successful task run: created, running, completed."""
    run = task_run_event(flow_run_id, created=start)
    run_id = run["id"]
    return [
        run,
        state_event(run_id, "RUNNING", timestamp=start + 10, task=True, start_time=start + 10,
                    run_count=1),
        state_event(run_id, "COMPLETED", timestamp=start + 50, task=True, end_time=start + 50,
                    total_run_time=0.00004),
    ]  # fmt: skip
