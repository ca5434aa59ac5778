"""Events: the one definition of every fact the engine records about a run.

One pydantic model per event kind. The server validates each batch POSTed to
``/api/events`` with ``EventBatch``; the store ingests exactly the fields declared here
(``tests/events`` checks both ways); the engine builds the same events as plain dicts on
its hot path — a model per event would cost more than the rest of a task run — and
``tests/events`` proves that what it builds validates to the same JSON.

Every event has an ``id`` (a UUID: ingesting it twice changes nothing), a ``kind`` and the
version ``v`` of this format (``EVENT_VERSION``; an event without one is version 1).
Timestamps are integer microseconds since the Unix epoch (UTC). Other values are JSON as
``riverrun.schemas.encoding`` writes them. A field not declared here, an unknown kind or a
version this server does not know is refused with a message naming it.

The store applies a state event to its run only if the state is not older than the run's
current state, so events replayed out of a spool in order, or twice, leave the same rows.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter

from riverrun._internal.events import EVENT_VERSION
from riverrun.schemas.objects import FlowRunPolicy, TaskRunInput, TaskRunPolicy
from riverrun.states import StateType

# Numbers are strict: the store writes the JSON as sent, so a ``false`` that lax validation
# would read as 0 must be refused here, not reach a PostgreSQL integer column.
# Epoch microseconds between 1970 and the end of year 9999: what a datetime can hold.
Micros = Annotated[int, Field(strict=True, ge=0, le=253_402_300_799_999_999)]
Count = Annotated[int, Field(strict=True, ge=0, le=2**31 - 1)]
Seconds = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
Id = Annotated[str, Field(min_length=1, max_length=36)]
Name = Annotated[str, Field(max_length=255)]
Tags = list[Annotated[str, Field(max_length=255)]]


def _known_version(version: int) -> int:
    if version != EVENT_VERSION:
        from riverrun._internal.version import package_version

        raise ValueError(
            f"event format version {version} is not one this server reads: riverrun "
            f"{package_version()} reads version {EVENT_VERSION}. Run the same riverrun version on "
            "the server and in the flows that record to it."
        )
    return version


Version = Annotated[int, Field(strict=True), AfterValidator(_known_version)]


def _shaped_as(shape: Any) -> Any:
    """Check a JSON value has the shape readers will parse it into; keep it as sent."""
    adapter = TypeAdapter(shape)

    def check(value: Any) -> Any:
        adapter.validate_python(value)
        return value

    return AfterValidator(check)


Policy = Annotated[dict[str, Any], _shaped_as(FlowRunPolicy)]
TaskPolicy = Annotated[dict[str, Any], _shaped_as(TaskRunPolicy)]
TaskInputs = Annotated[dict[str, Any], _shaped_as(dict[str, list[TaskRunInput]])]


def _has_resource_id(labels: dict[str, str]) -> dict[str, str]:
    if "riverrun.resource.id" not in labels:
        raise ValueError("a resource needs a 'riverrun.resource.id' label")
    return labels


def _has_role(labels: dict[str, str]) -> dict[str, str]:
    _has_resource_id(labels)
    if "riverrun.resource.role" not in labels:
        raise ValueError("a related resource needs a 'riverrun.resource.role' label")
    return labels


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StatePayload(_Strict):
    """A state entered by a run, and the run's derived fields after it.

    Carried inside a run's creation event (its first state) and, with ``kind``, as a state
    event. ``run_id`` is the run's ID (in a creation event, the event's own ``id`` again).
    ``start_time``, ``end_time``, ``run_count`` and ``total_run_time`` (seconds) are None
    when the state leaves them unchanged.
    """

    id: Id
    run_id: Id | None = None
    type: StateType
    name: Annotated[str, Field(max_length=50)]
    timestamp: Micros
    message: str | None = None
    data: Any = None
    state_details: dict[str, Any] = Field(default_factory=dict)
    start_time: Micros | None = None
    end_time: Micros | None = None
    run_count: Count | None = None
    total_run_time: Seconds | None = None


class _Event(_Strict):
    v: Version = EVENT_VERSION
    id: Id


class FlowRunEvent(_Event):
    """A flow run was created (with its first state, if it has one).

    ``work_queue_name``, ``work_pool_name``, ``idempotency_key`` and ``context`` are for
    runs created for a deployment; the engine's own runs leave them out.
    """

    kind: Literal["flow_run"]
    flow_id: Id
    flow_name: Name
    name: Name
    parameters: dict[str, Any] = Field(default_factory=dict)
    tags: Tags = Field(default_factory=list)
    parent_task_run_id: Id | None = None
    deployment_id: Id | None = None
    work_queue_name: Name | None = None
    work_pool_name: Name | None = None
    flow_version: Name | None = None
    idempotency_key: Name | None = None
    created: Micros
    expected_start_time: Micros | None = None
    empirical_policy: Policy = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    state: StatePayload | None = None


class TaskRunEvent(_Event):
    """A task run was created (also the task run that stands for a subflow in its parent)."""

    kind: Literal["task_run"]
    flow_run_id: Id | None = None
    task_key: Name
    name: Name
    dynamic_key: str | int = "0"
    tags: Tags = Field(default_factory=list)
    task_inputs: TaskInputs = Field(default_factory=dict)
    cache_key: Name | None = None
    cache_expiration: Micros | None = None
    task_version: Name | None = None
    created: Micros
    expected_start_time: Micros | None = None
    empirical_policy: TaskPolicy = Field(default_factory=dict)
    state: StatePayload | None = None


class _RunStateEvent(_Event, StatePayload):
    run_id: Id


class FlowRunStateEvent(_RunStateEvent):
    """A flow run entered a state (``id`` is the state's)."""

    kind: Literal["flow_run_state"]


class TaskRunStateEvent(_RunStateEvent):
    """A task run entered a state (``id`` is the state's)."""

    kind: Literal["task_run_state"]


class LogEvent(_Event):
    """A log line of a run."""

    kind: Literal["log"]
    flow_run_id: Id | None = None
    task_run_id: Id | None = None
    name: Name | None = None
    level: Count
    message: str
    timestamp: Micros


class ArtifactEvent(_Event):
    """An artifact was published."""

    kind: Literal["artifact"]
    key: Name | None = None
    type: Annotated[str, Field(max_length=50)] | None = None
    description: str | None = None
    data: Any = None
    metadata_: dict[str, Any] | None = None
    flow_run_id: Id | None = None
    task_run_id: Id | None = None
    created: Micros | None = None


class FlowRunUpdateEvent(_Event):
    """A flow run was renamed or retagged (``tags`` replaces all of its tags)."""

    kind: Literal["flow_run_update"]
    run_id: Id
    name: Name | None = None
    tags: Tags | None = None


class CustomEvent(_Event):
    """A Prefect-shaped event a user emitted (``riverrun.events.emit_event``).

    ``event`` is its name, ``resource`` the labels of what it is about (with
    ``riverrun.resource.id``), ``related`` further resources (each with
    ``riverrun.resource.role``). The store also derives one such event from every flow-run
    state it ingests (``riverrun.flow-run.<state name>``); those are not sent as this kind.
    """

    kind: Literal["event"]
    occurred: Micros
    event: Annotated[str, Field(min_length=1, max_length=1024)]
    resource: Annotated[dict[str, str], AfterValidator(_has_resource_id)]
    related: list[Annotated[dict[str, str], AfterValidator(_has_role)]] = Field(
        default_factory=list
    )
    payload: dict[str, Any] = Field(default_factory=dict)
    follows: Id | None = None


Event = Annotated[
    Union[
        FlowRunEvent,
        TaskRunEvent,
        FlowRunStateEvent,
        TaskRunStateEvent,
        LogEvent,
        ArtifactEvent,
        FlowRunUpdateEvent,
        CustomEvent,
    ],
    Field(discriminator="kind"),
]
EVENT_MODELS: tuple[type[BaseModel], ...] = get_args(get_args(Event)[0])


class EventBatch(_Strict):
    """A batch of events, written in one transaction."""

    events: list[Event]
