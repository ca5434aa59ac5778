"""Events: the batches recorders POST, ingested idempotently in one transaction.

Each event is checked against the format of ``riverrun._internal.events`` before anything is
written, so a malformed batch is refused whole with a 422 naming the event and field, and
nothing unreadable (a text timestamp, an out-of-range time) can reach the database. Fields
beyond the documented ones are accepted and ignored, so newer recorders still talk to this
server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, Union

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from riverrun.schemas.objects import FlowRunPolicy, TaskRunInput, TaskRunPolicy
from riverrun.server.api._common import Body
from riverrun.server.deps import StoreDep, ingest
from riverrun.states import StateType

router = APIRouter(tags=["events"])

# Numbers are strict: the store writes the JSON as sent, so a ``false`` that lax validation
# would read as 0 must be refused here, not reach a PostgreSQL integer column.
# Epoch microseconds between 1970 and the end of year 9999: what a datetime can hold.
Micros = Annotated[int, Field(strict=True, ge=0, le=253_402_300_799_999_999)]
Count = Annotated[int, Field(strict=True, ge=0, le=2**31 - 1)]
Id = Annotated[str, Field(min_length=1, max_length=36)]
Name = Annotated[str, Field(max_length=255)]
Tags = list[Annotated[str, Field(max_length=255)]]


def _shaped_as(model: Any) -> Callable[[Any], Any]:
    """Check a JSON value has the shape readers will parse it into; keep it as sent."""
    from pydantic import TypeAdapter

    adapter = TypeAdapter(model)

    def check(value: Any) -> Any:
        adapter.validate_python(value)
        return value

    return check


Policy = Annotated[dict[str, Any], AfterValidator(_shaped_as(FlowRunPolicy))]
TaskPolicy = Annotated[dict[str, Any], AfterValidator(_shaped_as(TaskRunPolicy))]
TaskInputs = Annotated[
    dict[str, Any], AfterValidator(_shaped_as(dict[str, list[TaskRunInput]]))
]


class _Event(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: Id


class StatePayload(_Event):
    """A state as carried by a run's creation event (its first state)."""

    type: StateType
    name: Annotated[str, Field(max_length=50)]
    timestamp: Micros
    message: str | None = None
    data: Any = None
    state_details: dict[str, Any] = Field(default_factory=dict)
    start_time: Micros | None = None
    end_time: Micros | None = None
    run_count: Count | None = None
    total_run_time: Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)] | None = None


class FlowRunEvent(_Event):
    """A flow run was created."""

    kind: Literal["flow_run"]
    flow_id: Id
    flow_name: Name
    name: Name
    parameters: dict[str, Any] = Field(default_factory=dict)
    tags: Tags = Field(default_factory=list)
    parent_task_run_id: Id | None = None
    deployment_id: Id | None = None
    flow_version: Name | None = None
    created: Micros
    expected_start_time: Micros | None = None
    empirical_policy: Policy = Field(default_factory=dict)
    state: StatePayload | None = None


class TaskRunEvent(_Event):
    """A task run was created."""

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


class RunStateEvent(StatePayload):
    """A flow run or task run entered a state."""

    kind: Literal["flow_run_state", "task_run_state"]
    run_id: Id


class LogEvent(_Event):
    """A log line."""

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
    """A flow run was renamed or retagged."""

    kind: Literal["flow_run_update"]
    run_id: Id
    name: Name | None = None
    tags: Tags | None = None


Event = Annotated[
    Union[FlowRunEvent, TaskRunEvent, RunStateEvent, LogEvent, ArtifactEvent, FlowRunUpdateEvent],
    Field(discriminator="kind"),
]


class EventBatch(Body):
    """A batch of events, written in one transaction."""

    events: list[Event]


class Ingested(BaseModel):
    """How many events the batch held (events already stored count too: they are no-ops)."""

    ingested: int


@router.post("/events", response_model=Ingested)
async def ingest_events(body: EventBatch, request: Request, store: StoreDep) -> Ingested:
    """Ingest a batch of events idempotently in one transaction.

    The remote recorder's contract: any 2xx means stored; 5xx means retry later; 4xx means
    the batch itself is wrong. Sending the same events again changes nothing.
    """
    # ``body`` proved every event well-formed; the store reads the events as sent (the JSON
    # the request already parsed), which spares dumping thousands of models back to dicts.
    events: list[dict[str, Any]] = (await request.json())["events"]
    if events:
        await run_in_threadpool(ingest, store, events)
    return Ingested(ingested=len(body.events))
