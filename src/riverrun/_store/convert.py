"""Rows to the pydantic objects of ``client/schemas/objects.py``: times, JSON, states.

Flow runs, flows and logs, what every read command lists, are built without validation
(``schemas._trusted``) when every value already has its field's type, as the store's own
columns guarantee: validating the first one builds the model's core schema and loads
pydantic's plugin machinery (``importlib.metadata``), ~110 M instructions of a CLI read
command's ~1,000 M. A value of another shape (a policy written by an older engine, an ``int``
retry delay) goes through validation, so the object is always the one validation would
build (``tests/store/test_convert_trusted.py`` compares the two).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Literal

from riverrun._internal.clock import from_us
from riverrun.schemas import objects as o
from riverrun.schemas._trusted import trusted
from riverrun.states import State, StateType


def _time(value: int | None) -> Any:
    return None if value is None else from_us(value)


def _json(value: str | None, default: Any = None) -> Any:
    return default if value is None else json.loads(value)


def _linked(details: dict[str, Any], flow_run_id: Any, task_run_id: Any) -> dict[str, Any]:
    # The run IDs are columns already; the engine does not store them again in the JSON.
    if task_run_id is not None:
        details.setdefault("task_run_id", task_run_id)
    if flow_run_id is not None:
        details.setdefault("flow_run_id", flow_run_id)
    return details


def state_from_row(row: Any) -> State:
    """A ``State`` from a ``*_run_state`` row, its ``state_details`` naming its run."""
    mapping = row._mapping
    return State(
        type=row.type,
        name=row.name,
        message=row.message,
        timestamp=from_us(row.timestamp),
        data=_json(row.data),
        state_details=_linked(
            _json(row.state_details, {}), mapping.get("flow_run_id"), mapping.get("task_run_id")
        ),
        id=row.id,
    )


def _current_state(m: Any) -> State | None:
    if m["state_id"] is None:
        return None
    details = m.get("s_state_details")
    return State(
        type=m["state_type"],
        name=m["state_name"],
        message=m["state_message"],
        timestamp=from_us(m["state_timestamp"]),
        data=_json(m.get("s_data")),
        state_details=_linked(
            _json(details, {}),
            m.get("flow_run_id") if "task_key" in m else m["id"],
            m["id"] if "task_key" in m else None,
        ),
        id=m["state_id"],
    )


def _run_time(seconds: float | None) -> timedelta:
    try:
        return timedelta(seconds=seconds or 0)
    except OverflowError:
        # More than a timedelta holds (999,999,999 days) came in with an event; one such run
        # must not make every page of runs it appears on unreadable.
        return timedelta.max


def _run_common(m: Any) -> dict[str, Any]:
    return {
        "id": m["id"],
        "name": m["name"],
        "tags": _json(m["tags"], []),
        "run_count": m["run_count"],
        "expected_start_time": _time(m["expected_start_time"]),
        "start_time": _time(m["start_time"]),
        "end_time": _time(m["end_time"]),
        "total_run_time": _run_time(m["total_run_time"]),
        "created": _time(m["created"]),
        "updated": _time(m["updated"]),
        "state_id": m["state_id"],
        "state_type": m["state_type"],
        "state_name": m["state_name"],
        "state": _current_state(m),
        "empirical_policy": _json(m["empirical_policy"], {}),
    }


def _flow_run_policy(values: Any) -> o.FlowRunPolicy | None:
    """The policy built without validation, or None when a value is not of its field's type."""
    if not isinstance(values, dict) or not values.keys() <= o.FlowRunPolicy.model_fields.keys():
        return None
    retries, delay = values.get("retries"), values.get("retry_delay")
    pause_keys, resuming = values.get("pause_keys", []), values.get("resuming", False)
    if not (
        (retries is None or type(retries) is int)
        and (delay is None or type(delay) is float)
        and type(pause_keys) is list
        and all(type(key) is str for key in pause_keys)
        and type(resuming) is bool
    ):
        return None
    return trusted(o.FlowRunPolicy, **values)


def _is_str_list(value: Any) -> bool:
    return type(value) is list and all(type(item) is str for item in value)


def flow_run(row: Any) -> o.FlowRun:
    """A ``FlowRun`` from a ``flow_run`` row joined with its flow's name and current state."""
    m = row._mapping
    values = _flow_run_values(m)
    policy = _flow_run_policy(values["empirical_policy"])
    if (
        policy is None
        or not _is_str_list(values["tags"])
        or not all(type(values[k]) is dict for k in ("parameters", "context", "labels"))
        or type(values["run_count"]) is not int
    ):
        return o.FlowRun(**values)
    state_type = values["state_type"]
    values.update(
        empirical_policy=policy,
        state_type=None if state_type is None else StateType(state_type),
    )
    return trusted(o.FlowRun, **values)


def _flow_run_values(m: Any) -> dict[str, Any]:
    return dict(
        **_run_common(m),
        flow_id=m["flow_id"],
        flow_name=m.get("flow_name"),
        deployment_id=m["deployment_id"],
        work_queue_name=m["work_queue_name"],
        work_pool_name=m["work_pool_name"],
        flow_version=m["flow_version"],
        parameters=_json(m["parameters"], {}),
        idempotency_key=m["idempotency_key"],
        context=_json(m["context"], {}),
        parent_task_run_id=m["parent_task_run_id"],
        next_scheduled_start_time=_time(m["next_scheduled_start_time"]),
        heartbeat=_time(m["heartbeat"]),
        labels={"riverrun.flow.id": m["flow_id"], **_json(m.get("labels"), {})},
    )


def task_run(row: Any) -> o.TaskRun:
    """A ``TaskRun`` from a ``task_run`` row joined with its current state."""
    m = row._mapping
    return o.TaskRun(
        **_run_common(m),
        flow_run_id=m["flow_run_id"],
        task_key=m["task_key"],
        dynamic_key=m["dynamic_key"],
        cache_key=m["cache_key"],
        cache_expiration=_time(m["cache_expiration"]),
        task_version=m["task_version"],
        task_inputs=_json(m["task_inputs"], {}),
    )


def flow(row: Any) -> o.Flow:
    """A ``Flow`` from a ``flow`` row."""
    values = {
        "id": row.id,
        "name": row.name,
        "tags": _json(row.tags, []),
        "created": _time(row.created),
        "updated": _time(row.updated),
    }
    if not _is_str_list(values["tags"]):
        return o.Flow(**values)
    return trusted(o.Flow, **values)


def log(row: Any) -> o.Log:
    """A ``Log`` from a ``log`` row."""
    values = {
        "id": row.id,
        "name": row.name,
        "level": row.level,
        "message": row.message,
        "timestamp": from_us(row.timestamp),
        "flow_run_id": row.flow_run_id,
        "task_run_id": row.task_run_id,
    }
    if type(values["level"]) is not int or type(values["message"]) is not str:
        return o.Log(**values)
    return trusted(o.Log, **values)


def artifact(row: Any) -> o.Artifact:
    """An ``Artifact`` from an ``artifact`` row."""
    return o.Artifact(
        id=row.id,
        key=row.key,
        type=row.type,
        description=row.description,
        data=_json(row.data),
        metadata_=_json(row.metadata_),
        flow_run_id=row.flow_run_id,
        task_run_id=row.task_run_id,
        created=_time(row.created),
        updated=_time(row.updated),
    )


def variable(row: Any) -> o.Variable:
    """A ``Variable`` from a ``variable`` row."""
    return o.Variable(
        id=row.id,
        name=row.name,
        value=_json(row.value),
        tags=_json(row.tags, []),
        created=_time(row.created),
        updated=_time(row.updated),
    )


def flow_run_input(row: Any) -> o.FlowRunInput:
    """A ``FlowRunInput`` from a ``flow_run_input`` row."""
    return o.FlowRunInput(
        id=row.id, flow_run_id=row.flow_run_id, key=row.key, value=row.value, sender=row.sender,
        created=_time(row.created), updated=_time(row.updated),
    )  # fmt: skip


def deployment(row: Any, schedules: list[o.DeploymentSchedule] | None = None) -> o.Deployment:
    """A ``Deployment`` from a ``deployment`` row (and its schedules)."""
    m = row._mapping
    window = m.get("catchup_window_seconds")
    options = _json(m.get("concurrency_options"))
    return o.Deployment(
        id=row.id,
        name=row.name,
        flow_id=row.flow_id,
        description=row.description,
        version=row.version,
        tags=_json(row.tags, []),
        parameters=_json(row.parameters, {}),
        parameter_openapi_schema=_json(row.parameter_openapi_schema),
        enforce_parameter_schema=bool(m.get("enforce_parameter_schema", True)),
        entrypoint=row.entrypoint,
        path=row.path,
        work_pool_name=row.work_pool_name,
        work_queue_name=row.work_queue_name,
        job_variables=_json(m.get("job_variables"), {}),
        pull_steps=_json(m.get("pull_steps")),
        paused=bool(row.paused),
        schedules=schedules or [],
        concurrency_limit=m.get("concurrency_limit"),
        concurrency_options=None if options is None else o.ConcurrencyOptions(**options),
        catchup=m.get("catchup") or "all",
        catchup_window=None if window is None else timedelta(seconds=window),
        overlap=m.get("overlap") or "allow",
        last_polled=_time(m.get("last_polled")),
        status=None if m.get("last_polled") is None else _status(m["last_polled"]),
        created=_time(row.created),
        updated=_time(row.updated),
    )


def _status(last_polled: int) -> Literal["READY", "NOT_READY"]:
    """READY while something polled for the deployment's runs in the last minute (Prefect)."""
    from riverrun._internal.clock import now_us

    return "READY" if now_us() - last_polled < 60_000_000 else "NOT_READY"


def deployment_schedule(row: Any) -> o.DeploymentSchedule:
    """A ``DeploymentSchedule`` from a ``deployment_schedule`` row."""
    from riverrun.schemas.schedules import parse_schedule

    return o.DeploymentSchedule(
        id=row.id,
        deployment_id=row.deployment_id,
        schedule=parse_schedule(json.loads(row.schedule)),
        active=bool(row.active),
        max_scheduled_runs=row.max_scheduled_runs,
        parameters=_json(row.parameters, {}),
        slug=row.slug,
        jitter=None if row.jitter_seconds is None else timedelta(seconds=row.jitter_seconds),
        high_water=_time(row.high_water),
        created=_time(row.created),
        updated=_time(row.updated),
    )
